/* Render stage: cmark-gfm's HTML goes through an HTML5 tree builder
 * (gumbo) into a libxml2 XHTML tree, and is normalised on the way: XHTML
 * namespace, an allow-list of elements and attributes, obsolete markup
 * mapped, content models repaired, so any input gives valid EPUB 3. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>
#include <libxml/parser.h>

#include "internal.h"

#define MAX_NEST 200   /* deeper elements are flattened into their parent */

enum act { KEEP, RENAME, UNWRAP, DROP };

struct rule {
	const char *name;
	enum act act;
	const char *to;     /* RENAME: the new name */
	const char *attrs;  /* allowed beyond the global ones, space-framed */
};

/* Sorted by name for bsearch.  Not listed: unwrapped (children kept). */
static const struct rule rules[] = {
	{ "a", KEEP, NULL, " href name " },
	{ "abbr", KEEP, NULL, "" },
	{ "acronym", RENAME, "abbr", "" },
	{ "address", KEEP, NULL, "" },
	{ "applet", DROP, NULL, "" },
	{ "area", DROP, NULL, "" },
	{ "article", KEEP, NULL, "" },
	{ "aside", KEEP, NULL, "" },
	{ "audio", UNWRAP, NULL, "" },
	{ "b", KEEP, NULL, "" },
	{ "base", DROP, NULL, "" },
	{ "bdi", KEEP, NULL, "" },
	{ "bdo", KEEP, NULL, "" },
	{ "big", RENAME, "span", "" },
	{ "blink", RENAME, "span", "" },
	{ "blockquote", KEEP, NULL, "" },
	{ "br", KEEP, NULL, "" },
	{ "button", DROP, NULL, "" },
	{ "canvas", DROP, NULL, "" },
	{ "caption", KEEP, NULL, "" },
	{ "center", RENAME, "div", "" },
	{ "cite", KEEP, NULL, "" },
	{ "code", KEEP, NULL, "" },
	{ "col", KEEP, NULL, " span " },
	{ "colgroup", KEEP, NULL, " span " },
	{ "data", RENAME, "span", "" },
	{ "datalist", DROP, NULL, "" },
	{ "dd", KEEP, NULL, "" },
	{ "del", KEEP, NULL, "" },
	{ "details", KEEP, NULL, " open " },
	{ "dfn", KEEP, NULL, "" },
	{ "dialog", RENAME, "div", "" },
	{ "dir", RENAME, "ul", "" },
	{ "div", KEEP, NULL, "" },
	{ "dl", KEEP, NULL, "" },
	{ "dt", KEEP, NULL, "" },
	{ "em", KEEP, NULL, "" },
	{ "embed", DROP, NULL, "" },
	{ "figcaption", KEEP, NULL, "" },
	{ "figure", KEEP, NULL, "" },
	{ "font", RENAME, "span", "" },
	{ "footer", KEEP, NULL, "" },
	{ "frame", DROP, NULL, "" },
	{ "frameset", DROP, NULL, "" },
	{ "h1", KEEP, NULL, "" },
	{ "h2", KEEP, NULL, "" },
	{ "h3", KEEP, NULL, "" },
	{ "h4", KEEP, NULL, "" },
	{ "h5", KEEP, NULL, "" },
	{ "h6", KEEP, NULL, "" },
	{ "head", DROP, NULL, "" },
	{ "header", KEEP, NULL, "" },
	{ "hgroup", RENAME, "div", "" },
	{ "hr", KEEP, NULL, "" },
	{ "i", KEEP, NULL, "" },
	{ "iframe", DROP, NULL, "" },
	{ "img", KEEP, NULL, " src alt width height " },
	{ "ins", KEEP, NULL, "" },
	{ "kbd", KEEP, NULL, "" },
	{ "legend", RENAME, "div", "" },
	{ "li", KEEP, NULL, " value " },
	{ "link", DROP, NULL, "" },
	{ "listing", RENAME, "pre", "" },
	{ "main", RENAME, "div", "" },
	{ "map", DROP, NULL, "" },
	{ "mark", KEEP, NULL, "" },
	{ "marquee", RENAME, "div", "" },
	{ "menu", RENAME, "ul", "" },
	{ "meta", DROP, NULL, "" },
	{ "meter", DROP, NULL, "" },
	{ "nav", KEEP, NULL, "" },
	{ "nobr", RENAME, "span", "" },
	{ "noembed", DROP, NULL, "" },
	{ "noframes", DROP, NULL, "" },
	{ "noscript", DROP, NULL, "" },
	{ "object", DROP, NULL, "" },
	{ "ol", KEEP, NULL, " start reversed type " },
	{ "optgroup", DROP, NULL, "" },
	{ "option", DROP, NULL, "" },
	{ "output", DROP, NULL, "" },
	{ "p", KEEP, NULL, "" },
	{ "param", DROP, NULL, "" },
	{ "plaintext", RENAME, "pre", "" },
	{ "pre", KEEP, NULL, "" },
	{ "progress", DROP, NULL, "" },
	{ "q", KEEP, NULL, "" },
	{ "rp", KEEP, NULL, "" },
	{ "rt", KEEP, NULL, "" },
	{ "ruby", KEEP, NULL, "" },
	{ "s", KEEP, NULL, "" },
	{ "samp", KEEP, NULL, "" },
	{ "script", DROP, NULL, "" },
	{ "section", KEEP, NULL, "" },
	{ "select", DROP, NULL, "" },
	{ "small", KEEP, NULL, "" },
	{ "source", DROP, NULL, "" },
	{ "span", KEEP, NULL, "" },
	{ "strike", RENAME, "s", "" },
	{ "strong", KEEP, NULL, "" },
	{ "style", DROP, NULL, "" },
	{ "sub", KEEP, NULL, "" },
	{ "summary", KEEP, NULL, "" },
	{ "sup", KEEP, NULL, "" },
	{ "table", KEEP, NULL, "" },
	{ "tbody", KEEP, NULL, "" },
	{ "td", KEEP, NULL, " colspan rowspan style " },
	{ "template", DROP, NULL, "" },
	{ "textarea", DROP, NULL, "" },
	{ "tfoot", KEEP, NULL, "" },
	{ "th", KEEP, NULL, " colspan rowspan scope style " },
	{ "thead", KEEP, NULL, "" },
	{ "time", RENAME, "span", "" },
	{ "title", DROP, NULL, "" },
	{ "tr", KEEP, NULL, "" },
	{ "track", DROP, NULL, "" },
	{ "tt", RENAME, "code", "" },
	{ "u", KEEP, NULL, "" },
	{ "ul", KEEP, NULL, "" },
	{ "var", KEEP, NULL, "" },
	{ "video", UNWRAP, NULL, "" },
	{ "wbr", KEEP, NULL, "" },
	{ "xmp", RENAME, "pre", "" },
};

static int
cmp_rule(const void *k, const void *r)
{
	return strcmp(k, ((const struct rule *)r)->name);
}

static const struct rule *
find_rule(const char *name)
{
	return bsearch(name, rules, sizeof(rules) / sizeof(*rules),
	    sizeof(*rules), cmp_rule);
}

struct conv {
	struct essay *e;
	struct quire_diag *d;
	xmlDoc *doc;
	xmlNs *xhtml, *svg, *mathml, *xlink;
	int depth, flattened;
	int line;           /* of the last block seen, for messages */
};

static int
in_list(const char *list, const char *name)
{
	const char *p = list;
	size_t n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if (p > list && p[-1] == ' ' && p[n] == ' ')
			return 1;
		p += n;
	}
	return 0;
}

static int
all_digits(const char *s, int allow_minus)
{
	if (allow_minus && *s == '-')
		s++;
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int
lang_ok(const char *s)
{
	int n = 0;

	if (*s == '\0')
		return 0;
	for (; *s; s++) {
		if (*s == '-') {
			if (n == 0)
				return 0;
			n = 0;
		} else if (isalnum((unsigned char)*s) && ++n <= 8)
			continue;
		else
			return 0;
	}
	return n > 0;
}

/* The "line:col" where the block starts, absolute in the file. */
static void
set_sourcepos(struct conv *c, xmlNode *n, const char *v)
{
	int line = atoi(v), col = 1;
	const char *colon = strchr(v, ':');
	char pos[32];

	if (colon)
		col = atoi(colon + 1);
	if (line <= 0)
		return;
	snprintf(pos, sizeof(pos), "%d:%d", line + c->e->body_line - 1, col);
	set_attr(n, "data-sourcepos", pos);
}

/* Copies an attribute of an HTML element if it is allowed. */
static void
html_attr(struct conv *c, xmlNode *n, const struct rule *r, const char *k,
    const char *value)
{
	char *v;

	{
		if (strcmp(k, "data-sourcepos") == 0) {
			set_sourcepos(c, n, value);
			c->line = atoi(value) + c->e->body_line - 1;
			return;
		}
		if (!(strcmp(k, "id") == 0 || strcmp(k, "class") == 0 ||
		    strcmp(k, "title") == 0 || strcmp(k, "lang") == 0 ||
		    strcmp(k, "dir") == 0 || strcmp(k, "aria-label") == 0 ||
		    strcmp(k, "aria-hidden") == 0 ||
		    strcmp(k, "data-footnote-ref") == 0 ||
		    strcmp(k, "data-footnotes") == 0 ||
		    strcmp(k, "data-footnote-backref") == 0 ||
		    (r && in_list(r->attrs, k))))
			return;
		v = xml_clean(value, strlen(value));
		if (strcmp(k, "id") == 0 || strcmp(k, "name") == 0) {
			for (char *p = v; *p; p++)
				if (isspace((unsigned char)*p))
					*p = '-';
			if (*v && (strcmp(k, "id") == 0 ||
			    !xmlHasProp(n, BAD_CAST "id")))
				set_attr(n, "id", v);
		} else if (strcmp(k, "lang") == 0) {
			if (lang_ok(v)) {
				set_attr(n, "lang", v);
				xmlNodeSetLang(n, BAD_CAST v);
			}
		} else if (strcmp(k, "dir") == 0) {
			if (!strcmp(v, "ltr") || !strcmp(v, "rtl") ||
			    !strcmp(v, "auto"))
				set_attr(n, k, v);
		} else if (strcmp(k, "aria-hidden") == 0) {
			if (!strcmp(v, "true") || !strcmp(v, "false"))
				set_attr(n, k, v);
		} else if (strncmp(k, "data-footnote", 13) == 0) {
			set_attr(n, k, "");
		} else if (strcmp(k, "style") == 0) {
			/* Only table cell alignment, as cmark-gfm writes it. */
			const char *al[] = { "left", "center", "right" };
			for (int j = 0; j < 3; j++)
				if (strstr(v, al[j]) && strstr(v, "text-align")) {
					char *s = xasprintf("text-align: %s",
					    al[j]);
					set_attr(n, "style", s);
					free(s);
				}
		} else if (!strcmp(k, "width") || !strcmp(k, "height") ||
		    !strcmp(k, "span") || !strcmp(k, "colspan")) {
			if (all_digits(v, 0) && atoi(v) > 0)
				set_attr(n, k, v);
		} else if (!strcmp(k, "rowspan") || !strcmp(k, "value")) {
			if (all_digits(v, 0))
				set_attr(n, k, v);
		} else if (!strcmp(k, "start")) {
			if (all_digits(v, 1))
				set_attr(n, k, v);
		} else if (!strcmp(k, "type")) {
			if (strlen(v) == 1 && strchr("1aAiI", *v))
				set_attr(n, k, v);
		} else if (!strcmp(k, "scope")) {
			if (!strcmp(v, "row") || !strcmp(v, "col") ||
			    !strcmp(v, "rowgroup") || !strcmp(v, "colgroup"))
				set_attr(n, k, v);
		} else if (!strcmp(k, "open") || !strcmp(k, "reversed")) {
			set_attr(n, k, k);
		} else if (!strcmp(k, "href") || !strcmp(k, "src")) {
			/* Resolved by the link stage; spaces are escaped. */
			struct buf b = { 0 };
			const char *p = v;
			while (*p == ' ' || *p == '\t' || *p == '\n')
				p++;
			for (; *p; p++) {
				if (*p == ' ')
					buf_puts(&b, "%20");
				else if (*p != '\n' && *p != '\t')
					buf_putc(&b, *p);
			}
			while (b.len > 3 && !strcmp(b.data + b.len - 3, "%20"))
				b.data[b.len -= 3] = '\0';
			set_attr(n, k, b.data ? b.data : "");
			buf_free(&b);
		} else
			set_attr(n, k, v);
		free(v);
	}
}

/* Copies the allowed attributes of an HTML element. */
static void
html_attrs(struct conv *c, xmlNode *n, const GumboElement *g,
    const struct rule *r)
{
	for (unsigned i = 0; i < g->attributes.length; i++) {
		const GumboAttribute *a = g->attributes.data[i];

		if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_NONE)
			html_attr(c, n, r, a->name, a->value);
	}
}

/* Foreign (SVG, MathML) attributes: everything but scripts, styles and
 * references to other files. */
static void
foreign_attrs(struct conv *c, xmlNode *n, const GumboElement *g)
{
	for (unsigned i = 0; i < g->attributes.length; i++) {
		const GumboAttribute *a = g->attributes.data[i];
		char *v;

		if (strncasecmp(a->name, "on", 2) == 0 ||
		    strcasecmp(a->name, "style") == 0 ||
		    strncmp(a->name, "xmlns", 5) == 0 ||
		    a->attr_namespace == GUMBO_ATTR_NAMESPACE_XMLNS)
			continue;
		v = xml_clean(a->value, strlen(a->value));
		if ((strcmp(a->name, "href") == 0 && v[0] != '#') ||
		    (strstr(v, "url(") && !strstr(v, "url(#"))) {
			free(v);
			continue;
		}
		if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_XLINK) {
			if (c->xlink == NULL)
				c->xlink = xmlNewNs(xmlDocGetRootElement(c->doc),
				    BAD_CAST "http://www.w3.org/1999/xlink",
				    BAD_CAST "xlink");
			xmlSetNsProp(n, c->xlink, BAD_CAST a->name, BAD_CAST v);
		} else if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_XML)
			xmlSetNsProp(n, xmlSearchNsByHref(c->doc, n,
			    XML_XML_NAMESPACE), BAD_CAST a->name, BAD_CAST v);
		else if (strchr(a->name, ':') == NULL)
			set_attr(n, a->name, v);
		free(v);
	}
}

/* The element's name as written, lowercased (for unknown and foreign
 * elements, whose enum gumbo does not know). */
static char *
original_name(const GumboElement *g)
{
	GumboStringPiece t = g->original_tag;
	char *s;

	if (g->tag != GUMBO_TAG_UNKNOWN || t.length == 0)
		return xstrdup(gumbo_normalized_tagname(g->tag));
	gumbo_tag_from_original_text(&t);
	s = xstrndup(t.data, t.length);
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

static void convert(struct conv *, const GumboNode *, xmlNode *);

static void
convert_children(struct conv *c, const GumboVector *v, xmlNode *parent)
{
	for (unsigned i = 0; i < v->length; i++)
		convert(c, v->data[i], parent);
}

static void
convert_foreign(struct conv *c, const GumboNode *gn, xmlNode *parent)
{
	const GumboElement *g = &gn->v.element;
	char *name = original_name(g);
	const char *svgname;
	xmlNode *n;
	xmlNs *ns;

	if (g->tag_namespace == GUMBO_NAMESPACE_SVG) {
		GumboStringPiece t = { name, strlen(name) };
		if ((svgname = gumbo_normalize_svg_tagname(&t)) != NULL) {
			free(name);
			name = xstrdup(svgname);
		}
		if (!strcmp(name, "script") || !strcmp(name, "foreignObject") ||
		    !strcmp(name, "style") || !strcmp(name, "image")) {
			free(name);
			return;
		}
		if (c->svg == NULL)
			c->svg = xmlNewNs(NULL, BAD_CAST NS_SVG, NULL);
		ns = c->svg;
		c->e->props |= P_SVG;
	} else {
		if (!strcmp(name, "annotation-xml")) {
			free(name);
			return;
		}
		if (c->mathml == NULL)
			c->mathml = xmlNewNs(NULL, BAD_CAST NS_MATHML, NULL);
		ns = c->mathml;
		c->e->props |= P_MATHML;
	}
	n = xmlNewDocNode(c->doc, NULL, BAD_CAST name, NULL);
	xmlAddChild(parent, n);
	if (!strcmp(name, "svg") || !strcmp(name, "math")) {
		/* The subtree declares its own namespace. */
		ns = xmlNewNs(n, ns->href, NULL);
	} else {
		xmlNs *found = xmlSearchNsByHref(c->doc, parent, ns->href);
		if (found)
			ns = found;
		else
			ns = xmlNewNs(n, ns->href, NULL);
	}
	xmlSetNs(n, ns);
	foreign_attrs(c, n, g);
	free(name);
	c->depth++;
	convert_children(c, &g->children, n);
	c->depth--;
}

/* Task list boxes become characters: no form controls in a book, and a
 * screen reader names the character. */
static void
task_box(struct conv *c, xmlNode *parent, const char *type, int checked)
{
	xmlNode *n;

	(void)c;
	if (type == NULL || strcasecmp(type, "checkbox") != 0)
		return;
	n = el_text(parent, "span", checked ? "\xe2\x98\x91" :
	    "\xe2\x98\x90");
	set_attr(n, "class", checked ? "task done" : "task");
}

/* The XHTML element for an HTML one under rule r, added to parent; NULL
 * when it is dropped (r->act == DROP) or unwrapped (its children go to
 * parent), which past MAX_NEST levels every element is. */
static xmlNode *
element_for(struct conv *c, const struct rule *r, xmlNode *parent)
{
	xmlNode *n;

	if (r && r->act == DROP)
		return NULL;
	if (r == NULL || r->act == UNWRAP || c->depth >= MAX_NEST) {
		if (c->depth >= MAX_NEST && !c->flattened++) {
			struct loc l = { c->e->path, c->line, 1 };
			diag_warn(c->d, &l, "elements nested deeper than %d "
			    "levels are flattened", MAX_NEST);
		}
		return NULL;
	}
	n = xmlNewDocNode(c->doc, c->xhtml, BAD_CAST(r->act == RENAME ?
	    r->to : r->name), NULL);
	xmlAddChild(parent, n);
	return n;
}

static void
convert_element(struct conv *c, const GumboNode *gn, xmlNode *parent)
{
	const GumboElement *g = &gn->v.element;
	const struct rule *r;
	char *name;
	xmlNode *n;

	if (g->tag_namespace != GUMBO_NAMESPACE_HTML) {
		if (c->depth < MAX_NEST)
			convert_foreign(c, gn, parent);
		return;
	}
	name = original_name(g);
	if (g->tag == GUMBO_TAG_INPUT) {
		GumboAttribute *t = gumbo_get_attribute(&g->attributes, "type");
		task_box(c, parent, t ? t->value : NULL,
		    gumbo_get_attribute(&g->attributes, "checked") != NULL);
		free(name);
		return;
	}
	r = find_rule(name);
	free(name);
	if ((n = element_for(c, r, parent)) == NULL) {
		if (r == NULL || r->act != DROP)
			convert_children(c, &g->children, parent);
		return;
	}
	html_attrs(c, n, g, r);
	c->depth++;
	convert_children(c, &g->children, n);
	c->depth--;
}

static void
convert(struct conv *c, const GumboNode *gn, xmlNode *parent)
{
	char *t;

	switch (gn->type) {
	case GUMBO_NODE_ELEMENT:
		convert_element(c, gn, parent);
		break;
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
	case GUMBO_NODE_CDATA:
		t = xml_clean(gn->v.text.text, strlen(gn->v.text.text));
		xmlAddChild(parent, xmlNewDocText(c->doc, BAD_CAST t));
		free(t);
		break;
	default:  /* comments, the document, templates */
		break;
	}
}

/* ---- content-model repair ---- */

static int
name_in(const xmlNode *n, const char *const *names)
{
	if (!is_html(n))
		return 0;
	for (; *names; names++)
		if (strcmp((const char *)n->name, *names) == 0)
			return 1;
	return 0;
}

static const char *const block_names[] = { "address", "article", "aside",
    "blockquote", "details", "div", "dl", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "nav", "ol", "p",
    "pre", "section", "table", "ul", "li", "dd", "dt", "summary", "caption",
    "tbody", "thead", "tfoot", "tr", "td", "th", NULL };
static const char *const phrasing_only[] = { "p", "h1", "h2", "h3", "h4",
    "h5", "h6", "pre", "span", "em", "strong", "b", "i", "u", "s", "small",
    "code", "kbd", "samp", "var", "sub", "sup", "mark", "abbr", "cite",
    "dfn", "q", "bdi", "bdo", "ruby", "rt", "rp", "summary", NULL };
static const char *const transparent[] = { "a", "ins", "del", NULL };

static int
is_block(const xmlNode *n)
{
	if (name_in(n, block_names))
		return 1;
	if (name_in(n, transparent))
		for (xmlNode *k = n->children; k; k = k->next)
			if (is_block(k))
				return 1;
	return 0;
}

static int
blank_text(const xmlNode *n)
{
	if (n->type != XML_TEXT_NODE)
		return 0;
	for (const xmlChar *p = n->content; p && *p; p++)
		if (!isspace(*p))
			return 0;
	return 1;
}

static void
rename_node(xmlNode *n, const char *name)
{
	xmlNodeSetName(n, BAD_CAST name);
}

/* Wraps the children of a list that are not items into items. */
static void
wrap_children(xmlNode *list, const char *ok1, const char *ok2,
    const char *wrapper)
{
	xmlNode *k = list->children, *next, *wrap = NULL;

	for (; k; k = next) {
		next = k->next;
		if ((is_el(k, ok1) || (ok2 && is_el(k, ok2)))) {
			wrap = NULL;
			continue;
		}
		if (k->type != XML_ELEMENT_NODE && k->type != XML_TEXT_NODE) {
			continue;
		}
		if (wrap == NULL && blank_text(k))
			continue;
		if (wrap == NULL) {
			wrap = xmlNewDocNode(list->doc, list->ns,
			    BAD_CAST wrapper, NULL);
			xmlAddPrevSibling(k, wrap);
		}
		xmlUnlinkNode(k);
		xmlAddChild(wrap, k);
	}
}

static int
dl_ok(xmlNode *dl)
{
	int state = 0;  /* 0 start, 1 in dt, 2 in dd */

	for (xmlNode *k = dl->children; k; k = k->next) {
		if (blank_text(k) || (k->type != XML_ELEMENT_NODE &&
		    k->type != XML_TEXT_NODE))
			continue;
		if (is_el(k, "dt"))
			state = 1;
		else if (is_el(k, "dd") && state != 0)
			state = 2;
		else
			return 0;
	}
	return state != 1;
}

static void
repair(xmlNode *n)
{
	for (xmlNode *k = n->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && is_html(k))
			repair(k);
	if (!is_html(n))
		return;
	if (is_el(n, "ul") || is_el(n, "ol"))
		wrap_children(n, "li", NULL, "li");
	else if (is_el(n, "dl") && !dl_ok(n)) {
		rename_node(n, "div");
		for (xmlNode *k = n->children; k; k = k->next)
			if (is_el(k, "dt") || is_el(k, "dd"))
				rename_node(k, "div");
	}
	for (xmlNode *k = n->children; k; k = k->next) {
		if (!is_html(k))
			continue;
		if (is_el(k, "li") && !is_el(n, "ul") && !is_el(n, "ol"))
			rename_node(k, "div");
		else if ((is_el(k, "dt") || is_el(k, "dd")) && !is_el(n, "dl"))
			rename_node(k, "div");
		else if (is_el(k, "figcaption") && (!is_el(n, "figure") ||
		    (xmlFirstElementChild(n) != k &&
		    xmlLastElementChild(n) != k)))
			rename_node(k, "div");
		else if (is_el(k, "summary") && (!is_el(n, "details") ||
		    xmlFirstElementChild(n) != k))
			rename_node(k, "div");
		else if ((is_el(k, "rt") || is_el(k, "rp")) &&
		    !is_el(n, "ruby"))
			rename_node(k, "span");
	}
	if (name_in(n, phrasing_only))
		for (xmlNode *k = n->children; k; k = k->next)
			if (is_block(k)) {
				rename_node(n, "div");
				break;
			}
	/* A header cell with nothing to read is an ordinary cell. */
	for (xmlNode *k = n->children; k; k = k->next)
		if (is_el(k, "th")) {
			xmlChar *t = xmlNodeGetContent(k);
			int empty = 1;
			for (xmlChar *p = t; p && *p; p++)
				if (!isspace(*p))
					empty = 0;
			xmlFree(t);
			if (empty)
				rename_node(k, "td");
		}
	/* Paragraphs left empty by stray end tags go. */
	for (xmlNode *k = n->children, *next; k; k = next) {
		next = k->next;
		if (is_el(k, "p") && (k->children == NULL ||
		    (k->children->next == NULL && blank_text(k->children)))) {
			xmlUnlinkNode(k);
			xmlFreeNode(k);
		}
	}
}

/* ---- the essay document ---- */


static int
has_h1(xmlNode *n)
{
	for (xmlNode *k = n->children; k; k = k->next)
		if (heading_level(k) == 1 || (k->children && has_h1(k)))
			return 1;
	return 0;
}

static void
demote(xmlNode *n)
{
	for (xmlNode *k = n->children; k; k = k->next) {
		int lv = heading_level(k);
		if (lv && lv < 6) {
			char name[3] = { 'h', (char)('1' + lv), '\0' };
			rename_node(k, name);
		}
		if (k->children && !heading_level(k))
			demote(k);
	}
}

static void
normalise_levels(xmlNode *n, int *prev)
{
	for (xmlNode *k = n->children; k; k = k->next) {
		int lv = heading_level(k);

		if (lv) {
			if (lv > *prev + 1) {
				char name[3] = { 'h', (char)('0' + *prev + 1), 0 };
				rename_node(k, name);
				lv = *prev + 1;
			}
			*prev = lv;
		} else if (is_el(k, "details")) {
			/* Hidden until opened: what it holds does not set
			 * the level for what follows it. */
			int inner = *prev;
			normalise_levels(k, &inner);
		} else if (k->children)
			normalise_levels(k, prev);
	}
}

static char *
trimmed(const char *s)
{
	const char *end = s + strlen(s);

	while (isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	return xstrndup(s, (size_t)(end - s));
}

/* The title: front matter, else a leading "# heading", else the file
 * name.  A leading h1 that repeats the title is dropped. */
static void
settle_title(struct essay *e, xmlNode *box)
{
	xmlNode *first = xmlFirstElementChild(box);
	char *text = NULL;

	if (first && heading_level(first) == 1) {
		char *raw = node_text(first);
		text = trimmed(raw);
		free(raw);
	}
	if (e->title == NULL && text && *text) {
		char *pos = get_attr(first, "data-sourcepos");
		e->title = text;
		e->title_line = pos ? atoi(pos) : 0;
		text = NULL;
		free(pos);
		xmlUnlinkNode(first);
		xmlFreeNode(first);
	} else if (e->title && text && strcmp(text, e->title) == 0) {
		xmlUnlinkNode(first);
		xmlFreeNode(first);
	}
	free(text);
	if (e->title == NULL || *e->title == '\0') {
		char *stem = xstrdup(path_basename(e->rel)), *dot;
		if ((dot = strrchr(stem, '.')) != NULL)
			*dot = '\0';
		free(e->title);
		e->title = stem;
	}
	if (has_h1(box))
		demote(box);
	{
		/* No level skipped on the way down (h2 then h4): screen
		 * readers navigate by level. */
		int prev = 1;
		normalise_levels(box, &prev);
	}
}

static void
essay_header(struct book *b, struct essay *e, xmlNode *section)
{
	xmlNode *hd = el(section, "header"), *h, *p;

	h = el_text(hd, "h1", e->title);
	set_attr(h, "id", "essay-title");
	if (e->subtitle)
		set_attr(el_text(hd, "p", e->subtitle), "class", "subtitle");
	if (e->date || e->authors.n) {
		p = el(hd, "p");
		set_attr(p, "class", "byline");
		for (size_t i = 0; i < e->authors.n; i++) {
			if (i)
				add_text(p, i + 1 == e->authors.n ? " and " :
				    ", ");
			add_text(p, e->authors.v[i]);
		}
		if (e->date)
			add_date(p, e->date, " \xc2\xb7 ");
	}
	if (e->summary)
		set_attr(el_text(hd, "p", e->summary), "class", "summary");
	(void)b;
}

/* Gumbo's memory, one arena per document: the tree builder makes and
 * drops many small blocks (tokens, attribute copies, growing buffers),
 * which malloc makes slow on every core at once.  Nothing is freed until
 * the whole document goes; growth copies cost at most twice the data. */
#define ARENA_CHUNK (256 * 1024)

struct arena {
	struct chunk {
		struct chunk *next;
		size_t used, size;
		max_align_t data[];
	} *head;
	size_t total;
};

static void *
arena_alloc(void *arg, size_t n)
{
	struct arena *a = arg;
	struct chunk *c = a->head;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
	    sizeof(max_align_t);
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		struct chunk *fresh = xmalloc(sizeof(*fresh) + size);

		fresh->used = 0;
		fresh->size = size;
		if (size == n && c) {
			/* A large block: kept behind the current chunk. */
			fresh->next = c->next;
			c->next = fresh;
			fresh->used = n;
			a->total += n;
			return fresh->data;
		}
		fresh->next = c;
		a->head = c = fresh;
	}
	c->used += n;
	a->total += n;
	return (char *)c->data + c->used - n;
}

static void
arena_free(void *arg, void *p)
{
	(void)arg;
	(void)p;
}

static void
arena_release(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ---- the XML way in ---- */

/* Code points the HTML5 tokenizer replaces with U+FFFD (controls,
 * noncharacters) but XML keeps. */
static int
html5_replaces(uint32_t c)
{
	return (c >= 0x7f && c <= 0x9f) || (c >= 0xfdd0 && c <= 0xfdef) ||
	    (c & 0xfffe) == 0xfffe;
}

/* cmark-gfm's HTML for a plain run (parse.c) is well-formed XML but for
 * its valueless footnote attributes, which get an empty value; the HTML5
 * tree builder would build the very same tree from it, slower.  Two more
 * differences are taken care of: XML turns a newline or tab in an
 * attribute value into a space (they are written as references), and
 * the tokenizer replaces control characters and noncharacters (then the
 * tree builder reads the run).  NULL if libxml2 does not take it (the
 * tree builder then does). */
static xmlDoc *
read_as_xml(const char *html)
{
	static const char attr[] = " data-footnote";
	const size_t alen = sizeof(attr) - 1;
	struct buf b = { 0 };
	const char *p = html, *end = html + strlen(html);
	xmlDoc *doc;
	int in_tag = 0;

	buf_grow(&b, (size_t)(end - p) + 64);
	buf_puts(&b, "<body>");
	while (p < end) {
		const char *run = p;
		unsigned char c;

		/* A run of bytes copied as they are. */
		while (p < end && (c = (unsigned char)*p) < 0x7f && c != '<' &&
		    c != '>' && !(in_tag && (c == '\n' || c == '\t' ||
		    c == ' ')))
			p++;
		buf_put(&b, run, (size_t)(p - run));
		if (p == end)
			break;
		c = (unsigned char)*p;
		if (c >= 0x7f) {
			uint32_t cp;
			size_t k = utf8_decode((const unsigned char *)p,
			    (size_t)(end - p), &cp);

			if (k == 0 || html5_replaces(cp)) {
				buf_free(&b);
				return NULL;
			}
			buf_put(&b, p, k);
			p += k;
		} else if (c == '<' || c == '>') {
			in_tag = c == '<';
			buf_putc(&b, (char)c);
			p++;
		} else if (c != ' ') {
			buf_puts(&b, c == '\n' ? "&#10;" : "&#9;");
			p++;
		} else if ((size_t)(end - p) > alen &&
		    memcmp(p, attr, alen) == 0) {
			const char *q = p + alen;

			while (*q == '-' || (*q >= 'a' && *q <= 'z'))
				q++;
			buf_put(&b, p, (size_t)(q - p));
			if (*q != '=')
				buf_puts(&b, "=\"\"");
			p = q;
		} else {
			buf_putc(&b, ' ');
			p++;
		}
	}
	buf_puts(&b, "</body>");
	doc = b.len > INT32_MAX ? NULL : xmlReadMemory(b.data, (int)b.len,
	    NULL, "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING | XML_PARSE_NODICT | XML_PARSE_HUGE);
	buf_free(&b);
	return doc;
}

static void xconvert_children(struct conv *, xmlNode *, xmlNode *);

/* convert(), for a node libxml2 read: HTML elements and text only.  Text
 * moves over as it is (libxml2 took only characters XML allows, which is
 * what xml_clean() would keep). */
static void
xconvert(struct conv *c, xmlNode *x, xmlNode *parent)
{
	const struct rule *r;
	xmlNode *n;

	if (x->type == XML_TEXT_NODE) {
		xmlUnlinkNode(x);
		xmlAddChild(parent, x);  /* may merge it into the last text */
		return;
	}
	if (x->type != XML_ELEMENT_NODE)
		return;
	if (strcmp((const char *)x->name, "input") == 0) {
		xmlChar *type = xmlGetProp(x, BAD_CAST "type");
		task_box(c, parent, (const char *)type,
		    xmlHasProp(x, BAD_CAST "checked") != NULL);
		xmlFree(type);
		return;
	}
	r = find_rule((const char *)x->name);
	if ((n = element_for(c, r, parent)) == NULL) {
		if (r == NULL || r->act != DROP)
			xconvert_children(c, x, parent);
		return;
	}
	for (const xmlAttr *a = x->properties; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
		html_attr(c, n, r, (const char *)a->name,
		    v ? (const char *)v : "");
		xmlFree(v);
	}
	c->depth++;
	xconvert_children(c, x, n);
	c->depth--;
}

static void
xconvert_children(struct conv *c, xmlNode *x, xmlNode *parent)
{
	xmlNode *next;

	for (x = x->children; x; x = next) {
		next = x->next;
		xconvert(c, x, parent);
	}
}

/* The tree of an essay from cmark-gfm's HTML for it.  Touches nothing
 * shared but the diagnostics (locked): essays render in parallel. */
int
render_essay_html(struct book *b, struct essay *e,
    const struct segment *segs, size_t nsegs, struct quire_diag *d)
{
	struct conv c = { 0 };
	struct arena arena = { NULL, 0 };
	GumboOutput *out;
	xmlDoc *x;
	char *in;
	GumboOptions gopt = kGumboDefaultOptions;
	xmlNode *body, *box, *section, *k, *next;
	const char *lang = e->lang ? e->lang : b->lang;
	gopt.max_errors = 0;
	gopt.allocator = arena_alloc;
	gopt.deallocator = arena_free;
	gopt.userdata = &arena;
	e->xml = xhtml_new(lang, "", "book.css", &body);
	c.e = e;
	c.d = d;
	c.doc = e->xml;
	c.xhtml = xmlDocGetRootElement(e->xml)->ns;
	box = xmlNewDocNode(e->xml, c.xhtml, BAD_CAST "div", NULL);
	xmlAddChild(body, box);
	for (size_t i = 0; i < nsegs; i++) {
		const char *html = segs[i].html;

		if (!segs[i].raw && (x = read_as_xml(html)) != NULL) {
			xconvert_children(&c, xmlDocGetRootElement(x), box);
			xmlFreeDoc(x);
			continue;
		}
		/* After the first segment, the tree builder starts where a
		 * whole-document parse would stand: in body. */
		in = i > 0 ? xasprintf("<body>%s", html) : NULL;
		out = gumbo_parse_with_options(&gopt, in ? in : html,
		    strlen(in ? in : html));
		for (unsigned j = 0; j < out->root->v.element.children.length;
		    j++) {
			const GumboNode *ch =
			    out->root->v.element.children.data[j];
			if (ch->type == GUMBO_NODE_ELEMENT &&
			    ch->v.element.tag == GUMBO_TAG_BODY)
				convert_children(&c, &ch->v.element.children,
				    box);
		}
		arena_release(&arena);  /* the whole output, no walk */
		free(in);  /* after: gumbo's nodes point into it */
	}
	if (c.svg)
		xmlFreeNs(c.svg);
	if (c.mathml)
		xmlFreeNs(c.mathml);
	repair(box);
	settle_title(e, box);

	/* Now the real title is known. */
	{
		xmlNode *title = xmlDocGetRootElement(e->xml)->children;
		for (; title && !is_el(title, "head"); title = title->next)
			;
		for (title = title ? title->children : NULL; title &&
		    !is_el(title, "title"); title = title->next)
			;
		if (title) {
			xmlNodeSetContent(title, NULL);
			xmlNodeAddContent(title, BAD_CAST e->title);
		}
	}
	section = xmlNewDocNode(e->xml, c.xhtml, BAD_CAST "section", NULL);
	xmlAddPrevSibling(box, section);
	set_epub_type(section, e->part_page ? "part" : "chapter");
	set_attr(section, "role", e->part_page ? "doc-part" : "doc-chapter");
	set_attr(section, "aria-labelledby", "essay-title");
	set_attr(section, "class", e->part_page ? "essay part" : "essay");
	essay_header(b, e, section);
	for (k = box->children; k; k = next) {
		next = k->next;
		xmlUnlinkNode(k);
		xmlAddChild(section, k);
	}
	xmlUnlinkNode(box);
	xmlFreeNode(box);
	e->content = section;
	return 0;
}
