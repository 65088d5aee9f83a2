/* The trees written straight into a buffer, byte for byte as libxml2 2.9
 * writes them, without its costs.
 *
 * XML (xml_dump: the EPUB's documents), as xmlSaveDoc() with the UTF-8
 * encoder and no formatting: the declaration, each child of the document
 * and a line feed; an element without children as <x/>; text escaped
 * (& < > and carriage return); attribute values double-quoted, escaped
 * (& < > " tab, line feed, carriage return); namespaces declared where
 * the tree declares them.  A document with anything else (a DTD with an
 * internal subset or identifiers, a standalone declaration, other kinds
 * of nodes) goes to libxml2 itself.
 *
 * HTML: the archive's articles written straight from the tree into a buffer,
 * byte for byte as libxml2 2.9's HTML serialiser writes a node of an HTML
 * document with no formatting (htmlNodeDumpFormatOutput(..., 0)), without
 * its costs: a linear, case-blind search of its table of elements for
 * every element, each value copied and escaped twice, a write call for
 * every name and every '<'.  Its rules, kept here:
 *  - an element in no namespace that HTML 4 calls empty (br, img...) ends
 *    at its start tag, its children unwritten; an empty li has no end
 *    tag; any other has one;
 *  - text is escaped (& < >), but in script and style; control bytes
 *    other than tab, line feed and carriage return are dropped;
 *  - an attribute holds its escaped value quoted, in single quotes when
 *    it has a double one and no single one, with &quot; when it has
 *    both; boolean attributes and attributes without a value node are
 *    written as their names alone; in an attribute, "<!--...-->" and
 *    "&{...}" stay as they are (HTML 4's server-side includes and
 *    script macros);
 *  - href, src, action (and name on <a>), in no namespace on an element
 *    in none, lose their leading blanks and are URI-escaped: every byte
 *    but letters, digits, "-_.!~*'()" and "@/:=?;#%&,+<>" as %XX. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parserInternals.h>

#include <libxml/xmlsave.h>

#include "base/base.h"

/* Bytes written as they are: one test each, not a call. */
static inline void
put1(struct buf *o, char c)
{
	if (o->len + 1 >= o->cap)
		buf_grow(o, 1);
	o->data[o->len++] = c;
}

static inline void
putn(struct buf *o, const void *p, size_t n)
{
	if (o->len + n >= o->cap)
		buf_grow(o, n);
	memcpy(o->data + o->len, p, n);
	o->len += n;
}

static inline void
putz(struct buf *o, const char *s)
{
	putn(o, s, strlen(s));
}

/* ASCII letters compared without case, as xmlStrcasecmp does. */
static inline int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
same(const xmlChar *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lc(*a) != lc((unsigned char)*b))
			return 0;
	return *a == '\0' && *b == '\0';
}

static int
uri_keeps(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '-': case '_': case '.': case '!': case '~': case '*':
	case '\'': case '(': case ')': case '@': case '/': case ':':
	case '=': case '?': case ';': case '#': case '%': case '&':
	case ',': case '+': case '<': case '>':
		return 1;
	default:
		return 0;
	}
}

/* The bytes each escaping stops at, as tables (a lookup a byte): the
 * HTML serialiser's (controls, < > &) and the XML one's, in text (NUL
 * < > & CR) and in attributes (" tab LF too). */
static const unsigned char html_stop[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
	[0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1,
	[0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
	[0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
	[0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1,
};
static const unsigned char xml_stop[2][256] = {
	{ [0] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1, ['\r'] = 1 },
	{ [0] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1, ['\r'] = 1, ['"'] = 1,
	    ['\n'] = 1, ['\t'] = 1 },
};

/* Text as the serialiser escapes it in an HTML document; attr: in an
 * attribute value. */
static void
escape(struct buf *o, const unsigned char *s, int attr)
{
	const unsigned char *run;

	while (*s) {
		run = s;
		while (!html_stop[*s])
			s++;
		if (s > run)
			putn(o, run, (size_t)(s - run));
		switch (*s) {
		case '\0':
			return;
		case '<': {
			const char *end;

			if (attr && s[1] == '!' && s[2] == '-' && s[3] == '-' &&
			    (end = strstr((const char *)s, "-->")) != NULL) {
				putn(o, s, (size_t)((const unsigned char *)
				    end - s) + 3);
				s = (const unsigned char *)end + 3;
			} else {
				putn(o, "&lt;", 4);
				s++;
			}
			break;
		}
		case '>':
			putn(o, "&gt;", 4);
			s++;
			break;
		case '&': {
			const char *end;

			if (attr && s[1] == '{' &&
			    (end = strchr((const char *)s, '}')) != NULL) {
				putn(o, s, (size_t)((const unsigned char *)
				    end - s) + 1);
				s = (const unsigned char *)end + 1;
			} else {
				putn(o, "&amp;", 5);
				s++;
			}
			break;
		}
		default:  /* a control byte */
			if (*s == '\t' || *s == '\n' || *s == '\r')
				put1(o, (char)*s);
			s++;
		}
	}
}

static void
quoted(struct buf *o, const char *v, size_t n)
{
	if (memchr(v, '"', n) == NULL) {
		put1(o, '"');
		putn(o, v, n);
		put1(o, '"');
	} else if (memchr(v, '\'', n) == NULL) {
		put1(o, '\'');
		putn(o, v, n);
		put1(o, '\'');
	} else {
		put1(o, '"');
		for (size_t i = 0; i < n; i++)
			if (v[i] == '"')
				putn(o, "&quot;", 6);
			else
				put1(o, v[i]);
		put1(o, '"');
	}
}

static int
is_boolean(const xmlChar *n)
{
	switch (*n | 0x20) {
	case 'c':
		return same(n, "checked") || same(n, "compact");
	case 'd':
		return same(n, "declare") || same(n, "defer") ||
		    same(n, "disabled");
	case 'i':
		return same(n, "ismap");
	case 'm':
		return same(n, "multiple");
	case 'n':
		return same(n, "nohref") || same(n, "noresize") ||
		    same(n, "noshade") || same(n, "nowrap");
	case 'r':
		return same(n, "readonly");
	case 's':
		return same(n, "selected");
	default:
		return 0;
	}
}

static int
is_uri(const xmlAttr *a, const xmlNode *el)
{
	const xmlChar *n = a->name;

	if (a->ns || el->ns)
		return 0;
	switch (*n | 0x20) {
	case 'h':
		return same(n, "href");
	case 's':
		return same(n, "src");
	case 'a':
		return same(n, "action");
	case 'n':
		return same(n, "name") && same(el->name, "a");
	default:
		return 0;
	}
}

static int common(struct buf *, const xmlNode *, const char *);

static void
attribute(struct buf *o, struct buf *v, const xmlNode *el, const xmlAttr *a)
{
	put1(o, ' ');
	if (a->ns && a->ns->prefix) {
		putz(o, (const char *)a->ns->prefix);
		put1(o, ':');
	}
	putz(o, (const char *)a->name);
	if (a->children == NULL || is_boolean(a->name))
		return;
	v->len = 0;
	for (const xmlNode *k = a->children; k; k = k->next)
		if ((k->type == XML_TEXT_NODE ||
		    k->type == XML_CDATA_SECTION_NODE) && k->content)
			escape(v, k->content, 1);
		else if (k->type == XML_ENTITY_REF_NODE)
			common(v, k, "");
	put1(o, '=');
	if (is_uri(a, el)) {
		size_t i = 0, start = o->len;

		while (i < v->len && (v->data[i] == ' ' || v->data[i] == '\t' ||
		    v->data[i] == '\n' || v->data[i] == '\r'))
			i++;
		/* Escaped into o, then quoted in place of itself. */
		buf_grow(o, 3 * (v->len - i));
		for (; i < v->len; i++) {
			unsigned char c = (unsigned char)v->data[i];

			if (uri_keeps(c))
				o->data[o->len++] = (char)c;
			else {
				o->data[o->len++] = '%';
				o->data[o->len++] = "0123456789ABCDEF"[c >> 4];
				o->data[o->len++] = "0123456789ABCDEF"[c & 15];
			}
		}
		v->len = 0;
		putn(v, o->data + start, o->len - start);
		o->len = start;
	}
	quoted(o, v->data ? v->data : "", v->len);
}

/* HTML 4's empty elements (1) and the one whose end tag goes when it
 * is empty (2), by libxml2's table. */
static int
kind(const xmlNode *n)
{
	const xmlChar *m = n->name;

	if (n->ns)
		return 0;
	switch (*m | 0x20) {
	case 'a':
		return same(m, "area");
	case 'b':
		return same(m, "base") || same(m, "basefont") || same(m, "br");
	case 'c':
		return same(m, "col");
	case 'f':
		return same(m, "frame");
	case 'h':
		return same(m, "hr");
	case 'i':
		return same(m, "img") || same(m, "input") ||
		    same(m, "isindex");
	case 'l':
		return same(m, "link") ? 1 : same(m, "li") ? 2 : 0;
	case 'm':
		return same(m, "meta");
	case 'p':
		return same(m, "param");
	default:
		return 0;
	}
}

static void
name(struct buf *o, const xmlNode *n)
{
	if (n->ns && n->ns->prefix) {
		putz(o, (const char *)n->ns->prefix);
		put1(o, ':');
	}
	putz(o, (const char *)n->name);
}

/* "<name" and the namespaces the element declares, as both serialisers
 * write them. */
static void
start_tag(struct buf *o, const xmlNode *n)
{
	put1(o, '<');
	name(o, n);
	for (const xmlNs *ns = n->nsDef; ns; ns = ns->next) {
		if (ns->type != XML_LOCAL_NAMESPACE || ns->href == NULL ||
		    (ns->prefix && strcmp((const char *)ns->prefix, "xml") == 0))
			continue;
		putz(o, ns->prefix ? " xmlns:" : " xmlns");
		if (ns->prefix)
			putz(o, (const char *)ns->prefix);
		put1(o, '=');
		quoted(o, (const char *)ns->href, strlen((const char *)ns->href));
	}
}

static void
end_tag(struct buf *o, const xmlNode *n)
{
	putn(o, "</", 2);
	name(o, n);
	put1(o, '>');
}

/* The nodes both serialisers write alike: 0 when n was one of them. */
static int
common(struct buf *o, const xmlNode *n, const char *pi_end)
{
	switch (n->type) {
	case XML_COMMENT_NODE:
		if (n->content) {
			putn(o, "<!--", 4);
			putz(o, (const char *)n->content);
			putn(o, "-->", 3);
		}
		return 0;
	case XML_PI_NODE:
		if (n->name == NULL)
			return 0;
		putn(o, "<?", 2);
		putz(o, (const char *)n->name);
		if (n->content) {
			put1(o, ' ');
			putz(o, (const char *)n->content);
		}
		putz(o, pi_end);
		return 0;
	case XML_ENTITY_REF_NODE:
		put1(o, '&');
		putz(o, (const char *)n->name);
		put1(o, ';');
		return 0;
	default:
		return -1;
	}
}

static void
node(struct buf *o, struct buf *v, const xmlNode *n)
{
	switch (n->type) {
	case XML_ELEMENT_NODE: {
		int k = kind(n);

		start_tag(o, n);
		for (const xmlAttr *a = n->properties; a; a = a->next)
			attribute(o, v, n, a);
		put1(o, '>');
		if (k == 1 || (k == 2 && n->children == NULL))
			return;
		for (const xmlNode *c = n->children; c; c = c->next)
			node(o, v, c);
		end_tag(o, n);
		return;
	}
	case XML_TEXT_NODE:
		if (n->content == NULL)
			return;
		if (n->name == xmlStringTextNoenc || (n->parent &&
		    n->parent->name && (same(n->parent->name, "script") ||
		    same(n->parent->name, "style"))))
			putz(o, (const char *)n->content);
		else
			escape(o, n->content, 0);
		return;
	case XML_CDATA_SECTION_NODE:
		if (n->content)
			putz(o, (const char *)n->content);
		return;
	default:
		common(o, n, ">");
	}
}

void
html_serialise(struct buf *o, const xmlNode *n)
{
	struct buf v = { 0 };

	node(o, &v, n);
	buf_free(&v);
}

/* ---- XML ---- */

/* Text (& < > and carriage return escaped) or, attr, an attribute's
 * value (", tab and line feed too), as xmlsave.c escapes them. */
static void
xml_escape(struct buf *o, const unsigned char *s, int attr)
{
	const unsigned char *run, *stop = xml_stop[attr != 0];

	for (;;) {
		run = s;
		while (!stop[*s])
			s++;
		if (s > run)
			putn(o, run, (size_t)(s - run));
		switch (*s++) {
		case '\0':
			return;
		case '<':
			putn(o, "&lt;", 4);
			break;
		case '>':
			putn(o, "&gt;", 4);
			break;
		case '&':
			putn(o, "&amp;", 5);
			break;
		case '"':
			putn(o, "&quot;", 6);
			break;
		case '\n':
			putn(o, "&#10;", 5);
			break;
		case '\r':
			putn(o, "&#13;", 5);
			break;
		default:
			putn(o, "&#9;", 4);
		}
	}
}

/* Whether the fast path writes n and all below it as libxml2 would. */
static int
xml_plain(const xmlNode *n)
{
	for (; n; n = n->next)
		switch (n->type) {
		case XML_ELEMENT_NODE:
			for (const xmlAttr *a = n->properties; a; a = a->next)
				for (const xmlNode *k = a->children; k;
				    k = k->next)
					if (k->type != XML_TEXT_NODE &&
					    k->type != XML_ENTITY_REF_NODE)
						return 0;
			if (!xml_plain(n->children))
				return 0;
			break;
		case XML_TEXT_NODE:
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
		case XML_ENTITY_REF_NODE:
		case XML_CDATA_SECTION_NODE:
			break;
		default:
			return 0;
		}
	return 1;
}

static void
xml_node(struct buf *o, const xmlNode *n)
{
	switch (n->type) {
	case XML_ELEMENT_NODE:
		start_tag(o, n);
		for (const xmlAttr *a = n->properties; a; a = a->next) {
			put1(o, ' ');
			if (a->ns && a->ns->prefix) {
				putz(o, (const char *)a->ns->prefix);
				put1(o, ':');
			}
			putz(o, (const char *)a->name);
			putn(o, "=\"", 2);
			for (const xmlNode *k = a->children; k; k = k->next)
				if (k->type != XML_TEXT_NODE)
					common(o, k, "");
				else if (k->content)
					xml_escape(o, k->content, 1);
			put1(o, '"');
		}
		if (n->children == NULL) {
			putn(o, "/>", 2);
			return;
		}
		put1(o, '>');
		for (const xmlNode *c = n->children; c; c = c->next)
			xml_node(o, c);
		end_tag(o, n);
		return;
	case XML_TEXT_NODE:
		if (n->content == NULL)
			return;
		if (n->name == xmlStringTextNoenc)
			putz(o, (const char *)n->content);
		else
			xml_escape(o, n->content, 0);
		return;
	case XML_CDATA_SECTION_NODE: {
		const char *start, *end;

		if (n->content == NULL || *n->content == '\0') {
			putz(o, "<![CDATA[]]>");
			return;
		}
		start = end = (const char *)n->content;
		for (; *end; end++)
			if (end[0] == ']' && end[1] == ']' && end[2] == '>') {
				end += 2;
				putz(o, "<![CDATA[");
				putn(o, start, (size_t)(end - start));
				putz(o, "]]>");
				start = end;
			}
		if (start != end) {
			putz(o, "<![CDATA[");
			putz(o, start);
			putz(o, "]]>");
		}
		return;
	}
	default:
		common(o, n, "?>");
	}
}

int
xml_serialise(struct buf *o, const xmlNode *n)
{
	xmlNode *next = n->next;
	int plain;

	/* Its siblings are not its to judge. */
	((xmlNode *)n)->next = NULL;
	plain = xml_plain(n);
	((xmlNode *)n)->next = next;
	if (!plain)
		return -1;
	xml_node(o, n);
	return 0;
}

/* The document's shape is one the fast path writes. */
static int
xml_doc_plain(const xmlDoc *doc)
{
	if (doc->type != XML_DOCUMENT_NODE || doc->standalone != -1)
		return 0;
	for (const xmlNode *n = doc->children; n; n = n->next)
		if (n->type == XML_DTD_NODE) {
			const xmlDtd *d = (const xmlDtd *)n;

			if (d->ExternalID || d->SystemID || d->entities ||
			    d->elements || d->attributes || d->notations ||
			    d->pentities || d->name == NULL)
				return 0;
		} else if (n->type == XML_ELEMENT_NODE) {
			if (!xml_plain(n))
				return 0;
		} else if (n->type != XML_COMMENT_NODE && n->type != XML_PI_NODE)
			return 0;
	return 1;
}

static char *
xml_dump_libxml2(xmlDoc *doc, size_t *len)
{
	xmlBuffer *buf = xmlBufferCreate();
	xmlSaveCtxt *save;
	char *out;

	/* Doubled as it grows, not by what each write adds. */
	xmlBufferSetAllocationScheme(buf, XML_BUFFER_ALLOC_DOUBLEIT);
	if ((save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_AS_XML)) == NULL)
		abort();  /* no UTF-8 encoder: libxml2 is broken */
	xmlSaveDoc(save, doc);
	xmlSaveClose(save);
	*len = (size_t)xmlBufferLength(buf);
	out = (char *)xmlBufferDetach(buf);
	xmlBufferFree(buf);
	if (out == NULL) {
		out = xstrdup("");
		*len = 0;
	}
	return out;
}

/* The document as xmlDocDumpMemoryEnc(doc, ..., "UTF-8") writes it.  The
 * caller frees it. */
char *
xml_dump(xmlDoc *doc, size_t *len)
{
	struct buf o = { 0 };

	xhtml_fix_empty(xmlDocGetRootElement(doc));
	if (!xml_doc_plain(doc))
		return xml_dump_libxml2(doc, len);
	putz(&o, "<?xml version=");
	if (doc->version)
		quoted(&o, (const char *)doc->version,
		    strlen((const char *)doc->version));
	else
		putz(&o, "\"1.0\"");
	putz(&o, " encoding=\"UTF-8\"?>\n");
	for (const xmlNode *n = doc->children; n; n = n->next) {
		if (n->type == XML_DTD_NODE) {
			putz(&o, "<!DOCTYPE ");
			putz(&o, (const char *)n->name);
			put1(&o, '>');
		} else
			xml_node(&o, n);
		put1(&o, '\n');
	}
	*len = o.len;
	put1(&o, '\0');
	return o.data;
}
