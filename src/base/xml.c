/* Small helpers over libxml2 trees shared by the renderer and the writers:
 * building elements and text safely, reading attributes, serialising. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlsave.h>

#include "base/base.h"

xmlNode *
el(xmlNode *parent, const char *name)
{
	return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

xmlNode *
el_text(xmlNode *parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

void
set_attr(xmlNode *n, const char *name, const char *value)
{
	/* Most are new: made at once, without xmlSetProp's search for a
	 * prefix and for one to replace. */
	if (attr_named(n, name) || strchr(name, ':'))
		xmlSetProp(n, BAD_CAST name, BAD_CAST value);
	else
		xmlNewProp(n, BAD_CAST name, BAD_CAST value);
}

/* An attribute's value where libxml2 keeps it (one text node), or else
 * (entities) a copy in *copy, to be freed with xmlFree. */
const char *
attr_text(const xmlAttr *a, char **copy)
{
	const xmlNode *t = a->children;

	*copy = NULL;
	if (t == NULL)
		return "";
	if (t->next == NULL && t->type == XML_TEXT_NODE)
		return t->content ? (const char *)t->content : "";
	*copy = (char *)xmlNodeGetContent((const xmlNode *)a);
	return *copy ? *copy : "";
}

/* n's attribute name of no namespace (what xmlGetNoNsProp reads), or
 * NULL. */
const xmlAttr *
attr_named(const xmlNode *n, const char *name)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (a->ns == NULL && a->name[0] == name[0] &&
		    strcmp((const char *)a->name, name) == 0)
			return a;
	return NULL;
}

char *
get_attr(xmlNode *n, const char *name)
{
	const xmlAttr *a = attr_named(n, name);
	char *copy, *s;

	if (a == NULL)
		return NULL;
	s = xstrdup(attr_text(a, &copy));
	xmlFree(copy);
	return s;
}

int
is_html(const xmlNode *n)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	    strcmp((const char *)n->ns->href, NS_XHTML) == 0;
}

int
is_el(const xmlNode *n, const char *name)
{
	/* The name first: it differs far more often than the namespace. */
	return n && n->type == XML_ELEMENT_NODE && n->name[0] == name[0] &&
	    strcmp((const char *)n->name, name) == 0 && is_html(n);
}

/* The text form of a formula: a <math>'s alttext, an <svg role="img">'s
 * aria-label (math drawn as SVG); NULL for any other element. */
static xmlChar *
formula_text(const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE || n->ns == NULL || n->ns->href == NULL)
		return NULL;
	if (strcmp((const char *)n->name, "math") == 0 &&
	    strcmp((const char *)n->ns->href, NS_MATHML) == 0)
		return xmlGetProp(n, BAD_CAST "alttext");
	if (strcmp((const char *)n->name, "svg") == 0 &&
	    strcmp((const char *)n->ns->href, NS_SVG) == 0 &&
	    xmlHasProp(n, BAD_CAST "role"))
		return xmlGetProp(n, BAD_CAST "aria-label");
	return NULL;
}

/* The text of n: its text nodes in order, a formula as its text form
 * (the TeX), not the glyphs of its elements. */
char *
node_text(xmlNode *n)
{
	struct buf b = { 0 };
	xmlNode *c = n;
	xmlChar *t;

	if (n == NULL)
		return xstrdup("");
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE ||
	    n->type == XML_ATTRIBUTE_NODE) {
		t = xmlNodeGetContent(n);
		buf_puts(&b, t ? (char *)t : "");
		xmlFree(t);
		return buf_take(&b);
	}
	for (;;) {
		int down = 1;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content)
				buf_puts(&b, (const char *)c->content);
		} else if ((t = formula_text(c)) != NULL) {
			buf_puts(&b, (const char *)t);
			xmlFree(t);
			down = 0;
		}
		if (down && c->type == XML_ELEMENT_NODE && c->children) {
			c = c->children;
			continue;
		}
		if (c == n)
			break;
		while (c->next == NULL && c->parent != n && c->parent)
			c = c->parent;
		if (c->next == NULL)
			break;
		c = c->next;
	}
	return buf_take(&b);
}

void
set_epub_type(xmlNode *n, const char *type)
{
	xmlNs *ns = xmlSearchNsByHref(n->doc, n, BAD_CAST NS_EPUB);

	if (ns == NULL)
		ns = xmlNewNs(xmlDocGetRootElement(n->doc), BAD_CAST NS_EPUB,
		    BAD_CAST "epub");
	xmlSetNsProp(n, ns, BAD_CAST "type", BAD_CAST type);
}

/* An XHTML document with head (title, stylesheet) and an empty body. */
xmlDoc *
xhtml_new(const char *lang, const char *title, const char *css,
    xmlNode **body)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *html, *head, *n;
	xmlNs *ns;

	/* Element and attribute names interned in the document's own
	 * dictionary, not copied for every node: an essay makes hundreds of
	 * thousands.  Nodes never move to another document. */
	doc->dict = xmlDictCreate();
	html = xmlNewDocNode(doc, NULL, BAD_CAST "html", NULL);
	xmlDocSetRootElement(doc, html);
	xmlCreateIntSubset(doc, BAD_CAST "html", NULL, NULL);
	ns = xmlNewNs(html, BAD_CAST NS_XHTML, NULL);
	xmlSetNs(html, ns);
	xmlNewNs(html, BAD_CAST NS_EPUB, BAD_CAST "epub");
	set_attr(html, "lang", lang);
	xmlNodeSetLang(html, BAD_CAST lang);
	if (lang_rtl(lang))
		set_attr(html, "dir", "rtl");
	head = el(html, "head");
	n = el(head, "meta");
	set_attr(n, "charset", "utf-8");
	el_text(head, "title", title && *title ? title : "Untitled");
	if (css) {
		n = el(head, "link");
		set_attr(n, "rel", "stylesheet");
		set_attr(n, "type", "text/css");
		set_attr(n, "href", css);
	}
	*body = el(html, "body");
	/* Said on the body too: calibre's Kindle conversion keeps a body's
	 * dir and drops the root's (and EPUB forbids CSS direction). */
	if (lang_rtl(lang))
		set_attr(*body, "dir", "rtl");
	return doc;
}

const char *
node_lang(const xmlNode *n)
{
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
		xmlAttr *a;

		for (a = n->properties; a; a = a->next)
			if (strcmp((const char *)a->name, "lang") == 0 &&
			    a->children && a->children->content)
				return (const char *)a->children->content;
	}
	return NULL;
}

static int
is_void(const char *name)
{
	static const char *const v[] = { "area", "base", "br", "col", "embed",
	    "hr", "img", "input", "link", "meta", "param", "source", "track",
	    "wbr", NULL };

	for (size_t i = 0; v[i]; i++)
		if (strcmp(name, v[i]) == 0)
			return 1;
	return 0;
}

/* Empty non-void XHTML elements get an empty text child so that they are
 * written <p></p>, never <p/> (which HTML parsers read as an open tag). */
void
xhtml_fix_empty(xmlNode *n)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (n->children)
			xhtml_fix_empty(n->children);
		else if (is_html(n) && !is_void((const char *)n->name))
			xmlAddChild(n, xmlNewDocText(n->doc, BAD_CAST ""));
	}
}

int
heading_level(const xmlNode *n)
{
	if (n && n->type == XML_ELEMENT_NODE && n->name[0] == 'h' &&
	    n->name[1] >= '1' && n->name[1] <= '6' && n->name[2] == '\0' &&
	    is_html(n))
		return n->name[1] - '0';
	return 0;
}

void
add_text(xmlNode *parent, const char *text)
{
	xmlAddChild(parent, xmlNewDocText(parent->doc, BAD_CAST text));
}

/* <time datetime="2025-03-04">4 March 2025</time>, after sep when the
 * element already holds something. */
void
add_date(xmlNode *parent, const char *date, const char *sep)
{
	char *human = i18n_date(node_lang(parent), date);

	if (parent->children && sep)
		add_text(parent, sep);
	set_attr(el_text(parent, "time", human), "datetime", date);
	free(human);
}

/* A text node of white space only. */
int
blank_text(const xmlNode *n)
{
	if (n->type != XML_TEXT_NODE)
		return 0;
	for (const xmlChar *p = n->content; p && *p; p++)
		if (!isspace(*p))
			return 0;
	return 1;
}

xmlDoc *
xml_new(const char *root, const char *ns, xmlNode **rootp)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *r = xmlNewDocNode(doc, NULL, BAD_CAST root, NULL);

	xmlDocSetRootElement(doc, r);
	xmlSetNs(r, xmlNewNs(r, BAD_CAST ns, NULL));
	*rootp = r;
	return doc;
}

/* Elements that do not end a word: "foo<em>bar</em>" is one. */
static int
is_inline(const xmlNode *n)
{
	static const char *const names[] = { "a", "abbr", "b", "bdi", "bdo",
	    "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd",
	    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
	    "time", "u", "var", NULL };

	for (size_t i = 0; names[i]; i++)
		if (strcmp((const char *)n->name, names[i]) == 0)
			return 1;
	return 0;
}

static void
words_of(const xmlChar *p, long *words, int *in)
{
	for (; p && *p; p++) {
		int space = *p == ' ' || *p == '\n' || *p == '\t' ||
		    *p == '\r' || *p == '\f' || *p == '\v';
		if (!space && !*in)
			(*words)++;
		*in = !space;
	}
}

/* The words of an essay's text after its header (title, date, summary),
 * for what changed between releases.  A walk without recursion: lists
 * may nest thousands deep. */
long
count_words(xmlNode *section)
{
	long words = 0;
	int in = 0;
	xmlNode *n = section->children;

	if (n && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, "header") == 0)
		n = n->next;
	while (n && n != section) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
			words_of(n->content, &words, &in);
		else if (n->type == XML_ELEMENT_NODE && !is_inline(n))
			in = 0;
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n != section && n->next == NULL) {
			n = n->parent;
			if (n->type == XML_ELEMENT_NODE && !is_inline(n))
				in = 0;
		}
		if (n != section)
			n = n->next;
	}
	return words;
}

void
xhtml_meta(xmlNode *head, const char *k, const char *kv, const char *content)
{
	xmlNode *m = el(head, "meta");

	set_attr(m, k, kv);
	set_attr(m, "content", content);
}
