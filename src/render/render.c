/* Render stage: cmark-gfm's HTML goes through an HTML5 tree builder
 * (gumbo) into a libxml2 XHTML tree, and is normalised on the way: XHTML
 * namespace, an allow-list of elements and attributes, obsolete markup
 * mapped, content models repaired, so any input gives valid EPUB 3. */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>
#include <libxml/parser.h>

#include "render/render.h"

#define MAX_NEST 200   /* deeper elements are flattened into their parent */
#define MAX_ATTRS 100  /* attributes kept in one tag of raw HTML */
#define BIG_ESSAY ((size_t)1 << 20)  /* past this, blocks on every core */
#define MAX_HELPERS 3  /* threads helping one big essay */
#define BLOCKS_AT_ONCE ((size_t)32)  /* top-level blocks a thread takes at a time */

/* The rules are the sanitiser's (sanitize.c). */
static const struct rule *
find_rule(const char *name)
{
	return san_rule(SAN_HTML, name);
}

struct conv {
	struct essay *e;
	struct quire_diag *d;
	xmlDoc *doc;
	xmlNs *xhtml, *xlink;
	int depth, flattened;
	int line;           /* of the last block seen, for messages */
	size_t scan;        /* where line_of() found the last name */
	int scan_line;
	struct embed_state embed;
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

/* The "line:col" where the block at cmark-gfm's v ("L:C-L:C") starts,
 * absolute in the file, written at the end of pos; NULL for no line. */
static const char *
sourcepos_at(const struct conv *c, const char *v, char pos[32])
{
	int line = atoi(v), col = 1;
	const char *colon = strchr(v, ':');
	char *p = pos + 31;

	if (colon)
		col = atoi(colon + 1);
	if (line <= 0)
		return NULL;
	*p = '\0';
	p = dec_digits(p, col);
	*--p = ':';
	return dec_digits(p, (long long)line + c->e->body_line - 1);
}

static void
set_sourcepos(struct conv *c, xmlNode *n, const char *v)
{
	char pos[32];
	const char *p = sourcepos_at(c, v, pos);

	if (p)
		set_attr(n, "data-sourcepos", p);
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
		    strcmp(k, "data-references") == 0 ||  /* cite.c's */
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
			buf_grow(&b, strlen(p));
			while (*p) {
				size_t run = strcspn(p, " \n\t");

				buf_put(&b, p, run);
				if ((p += run)[0] == ' ')
					buf_puts(&b, "%20");
				if (*p)
					p++;
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

/* A name as shown in a message: at most 40 bytes, cut on a character. */
static int
clip(const char *s)
{
	size_t n = strlen(s);

	if (n <= 40)
		return (int)n;
	for (n = 40; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	return (int)n;
}

/* The line of the next place the essay spells name (in any case), from
 * where the last one was found: names are met in the order of the text,
 * so all the searches of an essay read it once.  Else the block's line. */
static int
line_of(struct conv *c, const char *name)
{
	const char *t = c->e->text, *p, *end;
	size_t n = strlen(name);

	if (t == NULL || n == 0)
		return c->line;
	if (c->scan_line == 0 || c->scan < c->e->body) {
		c->scan = c->e->body;
		c->scan_line = c->e->body_line;
	}
	end = t + c->e->len;
	p = t + c->scan;
	/* Never behind the block being converted. */
	for (const char *nl; c->scan_line < c->line &&
	    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL; p = nl + 1)
		c->scan_line++;
	c->scan = (size_t)(p - t);
	for (const char *q = p; q + n <= end && q < p + 65536; q++)
		if (strncasecmp(q, name, n) == 0) {
			for (; p < q; p++)
				if (*p == '\n')
					c->scan_line++;
			c->scan = (size_t)(q - t);
			return c->scan_line;
		}
	return c->scan_line > c->line ? c->scan_line : c->line;
}

static void
not_a_name(struct conv *c, const char *what, const char *name)
{
	struct loc l = { c->e->path, line_of(c, name), 0 };

	diag_warn(c->d, &l, "%s '%.*s%s' in SVG or MathML is not an XML "
	    "name; dropped", what, clip(name), name, name[clip(name)] ?
	    "..." : "");
}

/* Foreign (SVG, MathML) attributes, by the sanitiser's allow-list; each
 * name is set once, so a long list costs its length. */
static void
foreign_attrs(struct conv *c, xmlNode *n, const GumboElement *g,
    enum san_ns ns, const struct rule *r)
{
	unsigned char *seen = xcalloc(san_nattrs(ns), 1);
	int xml_lang = 0, xml_space = 0, warned = 0;

	for (unsigned i = 0; i < g->attributes.length; i++) {
		const GumboAttribute *a = g->attributes.data[i];
		const char *name = a->name;
		char *v;
		int k;

		if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_XMLNS ||
		    (a->attr_namespace == GUMBO_ATTR_NAMESPACE_NONE &&
		    strncmp(name, "xmlns", 5) == 0 &&
		    (name[5] == '\0' || name[5] == ':')))
			continue;
		if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_XML) {
			int *once = strcmp(name, "lang") == 0 ? &xml_lang :
			    strcmp(name, "space") == 0 ? &xml_space : NULL;
			if (once == NULL || (*once)++)
				continue;
			v = xml_clean(a->value, strlen(a->value));
			xmlSetNsProp(n, xmlSearchNsByHref(c->doc, n,
			    XML_XML_NAMESPACE), BAD_CAST name, BAD_CAST v);
			free(v);
			continue;
		}
		if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_NONE &&
		    !san_xml_name(name)) {
			if (!warned++)
				not_a_name(c, "attribute", name);
			continue;
		}
		if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_XLINK &&
		    strcmp(name, "href") != 0)
			continue;
		if ((k = san_attr(ns, r, name)) < 0 || seen[k])
			continue;
		v = xml_clean(a->value, strlen(a->value));
		if (strcmp(name, "href") == 0 ? san_url(v) != URL_FRAG :
		    (ns == SAN_SVG || strcmp(name, "style") == 0 ||
		    strncmp(name, "math", 4) == 0) && !san_text_attr(name) &&
		    !san_css_ok(v, 0)) {
			free(v);
			continue;
		}
		seen[k] = 1;
		if (a->attr_namespace == GUMBO_ATTR_NAMESPACE_XLINK) {
			if (c->xlink == NULL)
				c->xlink = xmlNewNs(xmlDocGetRootElement(c->doc),
				    BAD_CAST "http://www.w3.org/1999/xlink",
				    BAD_CAST "xlink");
			xmlSetNsProp(n, c->xlink, BAD_CAST name, BAD_CAST v);
		} else
			set_attr(n, name, v);
		free(v);
	}
	free(seen);
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

	if (r && r->act == R_DROP)
		return NULL;
	if (r == NULL || r->act == R_UNWRAP || c->depth >= MAX_NEST) {
		if (c->depth >= MAX_NEST && !c->flattened++) {
			struct loc l = { c->e->path, c->line, 1 };
			diag_warn(c->d, &l, "elements nested deeper than %d "
			    "levels are flattened", MAX_NEST);
		}
		return NULL;
	}
	n = xmlNewDocNode(c->doc, c->xhtml, BAD_CAST(r->act == R_RENAME ?
	    r->to : r->name), NULL);
	xmlAddChild(parent, n);
	return n;
}

/* The walk over gumbo's tree keeps its own stack: no recursion follows
 * the input's depth.  The mode says what the children may become. */
enum mode {
	M_HTML,
	M_SVG,
	M_MATH,
	M_TEXT      /* text only: elements give their text (SVG title and
		     * desc, MathML tokens, HTML inside SVG or MathML) */
};

struct frame {
	const GumboVector *kids;
	unsigned i;
	xmlNode *parent;
	int depth;
	enum mode mode;
};

struct stack {
	struct frame *v;
	size_t n, cap;
};

static void
push(struct stack *s, const GumboVector *kids, xmlNode *parent, int depth,
    enum mode mode)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = (struct frame){ kids, 0, parent, depth, mode };
}

/* An SVG or MathML element: kept, unwrapped or dropped by the
 * sanitiser's tables. */
/* An SVG element that holds text: <text>, <tspan>, <textPath>. */
static int
is_svg_text(const xmlNode *n)
{
	return n && n->type == XML_ELEMENT_NODE &&
	    (!strcmp((const char *)n->name, "text") ||
	    !strcmp((const char *)n->name, "tspan") ||
	    !strcmp((const char *)n->name, "textPath"));
}

static void
convert_foreign(struct conv *c, struct stack *st, const GumboNode *gn,
    xmlNode *parent, int depth, enum mode mode)
{
	const GumboElement *g = &gn->v.element;
	enum san_ns sns = g->tag_namespace == GUMBO_NAMESPACE_SVG ? SAN_SVG :
	    SAN_MATHML;
	char *name = original_name(g);
	const struct rule *r;
	const char *href;
	enum mode inner;
	xmlNode *n;
	xmlNs *ns;

	if (sns == SAN_SVG) {
		GumboStringPiece t = { name, strlen(name) };
		const char *svgname = gumbo_normalize_svg_tagname(&t);
		if (svgname != NULL) {
			free(name);
			name = xstrdup(svgname);
		}
	}
	if (!san_xml_name(name)) {
		not_a_name(c, "element", name);
		free(name);
		return;
	}
	r = san_rule(sns, name);
	/* Inline, an SVG style sheet would be raw text in the archive, and
	 * an image a file the link stage never sees. */
	if (r == NULL || r->act == R_DROP || san_raw_text(name) ||
	    (sns == SAN_SVG && strcmp(name, "image") == 0) ||
	    (mode != M_HTML && strcmp(name, "math") == 0)) {
		free(name);
		return;
	}
	if (strcmp(name, "annotation") == 0) {
		GumboAttribute *enc = gumbo_get_attribute(&g->attributes,
		    "encoding");
		if (enc == NULL || strcmp(enc->value, "application/x-tex")) {
			free(name);
			return;
		}
	}
	if (r->act == R_UNWRAP) {
		free(name);
		push(st, &g->children, parent, depth, mode);
		return;
	}
	href = sns == SAN_SVG ? NS_SVG : NS_MATHML;
	c->e->props |= sns == SAN_SVG ? P_SVG : P_MATHML;
	n = xmlNewDocNode(c->doc, NULL, BAD_CAST name, NULL);
	xmlAddChild(parent, n);
	if (mode == M_HTML ||
	    (ns = xmlSearchNsByHref(c->doc, parent, BAD_CAST href)) == NULL)
		ns = xmlNewNs(n, BAD_CAST href, NULL);
	xmlSetNs(n, ns);
	foreign_attrs(c, n, g, sns, r);
	if (sns == SAN_SVG)
		inner = !strcmp(name, "title") || !strcmp(name, "desc") ?
		    M_TEXT : M_SVG;
	else
		inner = (name[0] == 'm' && strchr("inost", name[1]) &&
		    (name[2] == '\0' || !strcmp(name, "mtext"))) ||
		    !strcmp(name, "annotation") ? M_TEXT : M_MATH;
	free(name);
	push(st, &g->children, n, depth + 1, inner);
}

static void
convert_element(struct conv *c, struct stack *st, const GumboNode *gn,
    xmlNode *parent, int depth, enum mode mode)
{
	const GumboElement *g = &gn->v.element;
	const struct rule *r;
	char *name;
	xmlNode *n;

	c->depth = depth;
	if (gn->parse_flags & GUMBO_INSERTION_FROM_ISINDEX)
		return;  /* the form the tree builder makes of <isindex> */
	if (mode == M_TEXT || (mode != M_HTML &&
	    g->tag_namespace == GUMBO_NAMESPACE_HTML)) {
		/* Its text, unless it is dropped whole. */
		name = original_name(g);
		r = g->tag_namespace == GUMBO_NAMESPACE_HTML ?
		    find_rule(name) : NULL;
		if (!san_raw_text(name) && !(r && r->act == R_DROP))
			push(st, &g->children, parent, depth, M_TEXT);
		free(name);
		return;
	}
	if (g->tag_namespace != GUMBO_NAMESPACE_HTML) {
		if (depth < MAX_NEST)
			convert_foreign(c, st, gn, parent, depth, mode);
		return;
	}
	c->embed.line = c->line;
	switch (embed_convert(c->e, c->d, &c->embed, gn, parent)) {
	case 2:  /* an anchor: what it held goes to its parent */
		push(st, &g->children, parent, depth, M_HTML);
		/* FALLTHROUGH */
	case 1:
		return;
	}
	if (g->tag == GUMBO_TAG_INPUT) {
		GumboAttribute *t = gumbo_get_attribute(&g->attributes, "type");
		task_box(c, parent, t ? t->value : NULL,
		    gumbo_get_attribute(&g->attributes, "checked") != NULL);
		return;
	}
	name = original_name(g);
	r = find_rule(name);
	free(name);
	if ((n = element_for(c, r, parent)) == NULL) {
		if (r == NULL || r->act != R_DROP)
			push(st, &g->children, parent, depth, M_HTML);
		return;
	}
	html_attrs(c, n, g, r);
	push(st, &g->children, n, depth + 1, M_HTML);
}

/* Converts the nodes of v (gumbo's) into children of parent. */
static void
convert_children(struct conv *c, const GumboVector *v, xmlNode *parent)
{
	struct stack st = { NULL, 0, 0 };
	int depth = c->depth;

	push(&st, v, parent, depth, M_HTML);
	while (st.n) {
		struct frame *f = &st.v[st.n - 1];
		const GumboNode *gn;
		char *t;

		if (f->i == f->kids->length) {
			st.n--;
			continue;
		}
		gn = f->kids->data[f->i++];
		switch (gn->type) {
		case GUMBO_NODE_ELEMENT:
			convert_element(c, &st, gn, f->parent, f->depth,
			    f->mode);
			break;
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_CDATA:
			/* Text straight inside an SVG or MathML container
			 * (not <text>, <tspan>, <textPath>, a token element)
			 * is not allowed there by their schemas: dropped. */
			if ((f->mode == M_MATH || (f->mode == M_SVG &&
			    !is_svg_text(f->parent))))
				break;
			/* FALLTHROUGH */
		case GUMBO_NODE_WHITESPACE:
			t = xml_clean(gn->v.text.text, strlen(gn->v.text.text));
			xmlAddChild(f->parent, xmlNewDocText(c->doc,
			    BAD_CAST t));
			free(t);
			break;
		default:  /* comments, the document, templates */
			break;
		}
	}
	free(st.v);
	c->depth = depth;
}

/* ---- content-model repair ---- */

/* The elements repair() tells apart, by id: a node's id is found once
 * (one binary search of the sorted table below) rather than its name
 * compared with list after list. */
enum el {
	EL_OTHER = -1,  /* not XHTML, or not in the table */
	EL_A, EL_ABBR, EL_ADDRESS, EL_ARTICLE, EL_ASIDE, EL_B, EL_BDI, EL_BDO,
	EL_BLOCKQUOTE, EL_CAPTION, EL_CITE, EL_CODE, EL_DD, EL_DEL,
	EL_DETAILS, EL_DFN, EL_DIV, EL_DL, EL_DT, EL_EM, EL_FIGCAPTION,
	EL_FIGURE, EL_FOOTER, EL_H1, EL_H2, EL_H3, EL_H4, EL_H5, EL_H6,
	EL_HEADER, EL_HR, EL_I, EL_INS, EL_KBD, EL_LI, EL_MARK, EL_NAV, EL_OL,
	EL_P, EL_PRE, EL_Q, EL_RP, EL_RT, EL_RUBY, EL_S, EL_SAMP, EL_SECTION,
	EL_SMALL, EL_SPAN, EL_STRONG, EL_SUB, EL_SUMMARY, EL_SUP, EL_TABLE,
	EL_TBODY, EL_TD, EL_TFOOT, EL_TH, EL_THEAD, EL_TR, EL_U, EL_UL, EL_VAR
};

/* What an element is to repair(): BLOCK, a block; PHRASING, holds
 * phrasing content only (it becomes a div around a block); TRANSPARENT,
 * a block if one of its children is. */
enum { BLOCK = 1, PHRASING = 2, TRANSPARENT = 4 };

static const struct el_info {
	const char *name;
	unsigned char is;
} els[] = {  /* sorted by name, in the order of enum el */
	{ "a", TRANSPARENT }, { "abbr", PHRASING }, { "address", BLOCK },
	{ "article", BLOCK }, { "aside", BLOCK }, { "b", PHRASING },
	{ "bdi", PHRASING }, { "bdo", PHRASING }, { "blockquote", BLOCK },
	{ "caption", BLOCK }, { "cite", PHRASING }, { "code", PHRASING },
	{ "dd", BLOCK }, { "del", TRANSPARENT }, { "details", BLOCK },
	{ "dfn", PHRASING }, { "div", BLOCK }, { "dl", BLOCK },
	{ "dt", BLOCK }, { "em", PHRASING }, { "figcaption", BLOCK },
	{ "figure", BLOCK }, { "footer", BLOCK }, { "h1", BLOCK | PHRASING },
	{ "h2", BLOCK | PHRASING }, { "h3", BLOCK | PHRASING },
	{ "h4", BLOCK | PHRASING }, { "h5", BLOCK | PHRASING },
	{ "h6", BLOCK | PHRASING }, { "header", BLOCK }, { "hr", BLOCK },
	{ "i", PHRASING }, { "ins", TRANSPARENT }, { "kbd", PHRASING },
	{ "li", BLOCK }, { "mark", PHRASING }, { "nav", BLOCK },
	{ "ol", BLOCK }, { "p", BLOCK | PHRASING },
	{ "pre", BLOCK | PHRASING }, { "q", PHRASING }, { "rp", PHRASING },
	{ "rt", PHRASING }, { "ruby", PHRASING }, { "s", PHRASING },
	{ "samp", PHRASING }, { "section", BLOCK }, { "small", PHRASING },
	{ "span", PHRASING }, { "strong", PHRASING }, { "sub", PHRASING },
	{ "summary", BLOCK | PHRASING }, { "sup", PHRASING },
	{ "table", BLOCK }, { "tbody", BLOCK }, { "td", BLOCK },
	{ "tfoot", BLOCK }, { "th", BLOCK }, { "thead", BLOCK },
	{ "tr", BLOCK }, { "u", PHRASING }, { "ul", BLOCK },
	{ "var", PHRASING },
};

/* Where the names of each first letter (a to z) start in els, and end:
 * made once, whichever thread asks first. */
static unsigned char el_from[27];
static pthread_once_t el_once = PTHREAD_ONCE_INIT;

static void
el_index(void)
{
	size_t i = 0;

	for (int c = 0; c < 26; c++) {
		el_from[c] = (unsigned char)i;
		while (i < sizeof(els) / sizeof(els[0]) &&
		    els[i].name[0] == 'a' + c)
			i++;
	}
	el_from[26] = (unsigned char)i;
}

/* The id of an XHTML element's name: among the few of its first letter,
 * the second letters compared before strcmp. */
static enum el
el_named(const xmlChar *name)
{
	unsigned c = (unsigned)name[0] - 'a';

	if (c >= 26)
		return EL_OTHER;
	pthread_once(&el_once, el_index);
	for (size_t i = el_from[c]; i < el_from[c + 1]; i++)
		if (els[i].name[1] == (char)name[1] &&
		    (name[1] == '\0' || strcmp((const char *)name + 2,
		    els[i].name + 2) == 0))
			return (enum el)i;
	return EL_OTHER;
}

static enum el
el_of(const xmlNode *n)
{
	return is_html(n) ? el_named(n->name) : EL_OTHER;
}

static int
el_is(enum el id, unsigned what)
{
	return id != EL_OTHER && (els[id].is & what);
}

static int
is_block(const xmlNode *n)
{
	enum el id = el_of(n);

	if (el_is(id, BLOCK))
		return 1;
	if (el_is(id, TRANSPARENT))
		for (xmlNode *k = n->children; k; k = k->next)
			if (is_block(k))
				return 1;
	return 0;
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

/* Whether the text of n is only white space, no-break spaces included
 * (U+00A0, U+2000-U+200B, U+202F, U+205F, U+3000, U+FEFF). */
static int
nothing_to_read(xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	const unsigned char *p = t;
	int empty = 1;

	while (p && *p && empty) {
		if (isspace(*p))
			p++;
		else if (p[0] == 0xc2 && p[1] == 0xa0)
			p += 2;
		else if ((p[0] == 0xe2 && p[1] == 0x80 && (p[2] <= 0x8b ||
		    p[2] == 0xaf)) || (p[0] == 0xe2 && p[1] == 0x81 &&
		    p[2] == 0x9f) || (p[0] == 0xe3 && p[1] == 0x80 &&
		    p[2] == 0x80) || (p[0] == 0xef && p[1] == 0xbb &&
		    p[2] == 0xbf))
			p += 3;
		else
			empty = 0;
	}
	xmlFree(t);
	return empty;
}

/* A link around images without alt text and no text of its own has no
 * name for a screen reader: it gets one (aria-label) from its title, an
 * image's title, the first image's file name, else where it leads. */
static void
name_link(xmlNode *a)
{
	xmlNode *img = NULL;
	char *name = NULL;

	if (!nothing_to_read(a) || xmlHasProp(a, BAD_CAST "aria-label"))
		return;
	for (xmlNode *k = a->children; k; k = k->next) {
		if (is_el(k, "img")) {
			char *alt = get_attr(k, "alt");
			int has = alt && *alt;
			free(alt);
			if (has)
				return;
			if (img == NULL)
				img = k;
		}
		if (k->children && k->type == XML_ELEMENT_NODE &&
		    !is_el(k, "svg") && !is_el(k, "math")) {
			/* One level of wrapping (<picture>, <span>) is enough
			 * for what Markdown writes. */
			for (xmlNode *c = k->children; c; c = c->next)
				if (is_el(c, "img") && img == NULL)
					img = c;
		}
	}
	if (img == NULL)
		return;
	if ((name = get_attr(a, "title")) == NULL || *name == '\0') {
		free(name);
		name = get_attr(img, "title");
	}
	if (name == NULL || *name == '\0') {
		char *src = get_attr(img, "src");
		free(name);
		name = NULL;
		if (src && strncmp(src, "data:", 5) != 0) {
			char *q = src + strcspn(src, "?#");
			*q = '\0';
			while (q > src && q[-1] == '/')
				*--q = '\0';
			if (*path_basename(src))
				name = url_decode(path_basename(src),
				    strlen(path_basename(src)));
		}
		free(src);
	}
	if (name == NULL || *name == '\0') {
		free(name);
		name = get_attr(a, "href");
	}
	if (name && *name)
		set_attr(a, "aria-label", name);
	free(name);
}

static void repair_node(xmlNode *);

static int
is_mathml(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	    strcmp((const char *)n->ns->href, NS_MATHML) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* A <semantics> must begin with the formula it annotates: one the
 * sanitiser emptied (its presentation dropped, or nothing but an
 * annotation left) goes with its annotations.  Formulas nest at most
 * MAX_NEST deep. */
static void
fix_semantics(xmlNode *n)
{
	for (xmlNode *k = n->children, *next; k; k = next) {
		next = k->next;
		if (k->type != XML_ELEMENT_NODE)
			continue;
		fix_semantics(k);
		if (is_mathml(k, "semantics")) {
			xmlNode *first = xmlFirstElementChild(k);
			if (first == NULL || is_mathml(first, "annotation")) {
				xmlUnlinkNode(k);
				xmlFreeNode(k);
			}
		}
	}
}

static void
repair(xmlNode *n)
{
	for (xmlNode *k = n->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && is_html(k))
			repair(k);
	repair_node(n);
}

/* The repairs of n itself and of its children's names, once its
 * children are repaired. */
static void
repair_node(xmlNode *n)
{
	enum el id, kid;
	int th = 0, p = 0, other = 0;

	if (!is_html(n))
		return;
	id = el_named(n->name);
	if (id == EL_UL || id == EL_OL)
		wrap_children(n, "li", NULL, "li");
	else if (id == EL_DL && !dl_ok(n)) {
		rename_node(n, "div");
		id = EL_DIV;
		for (xmlNode *k = n->children; k; k = k->next)
			if (is_el(k, "dt") || is_el(k, "dd"))
				rename_node(k, "div");
	}
	for (xmlNode *k = n->children; k; k = k->next) {
		if ((kid = el_of(k)) == EL_OTHER) {
			other |= k->type == XML_ELEMENT_NODE;
			continue;
		}
		th |= kid == EL_TH;
		p |= kid == EL_P;
		if (kid == EL_LI && id != EL_UL && id != EL_OL)
			rename_node(k, "div");
		else if ((kid == EL_DT || kid == EL_DD) && id != EL_DL)
			rename_node(k, "div");
		else if (kid == EL_FIGCAPTION && (id != EL_FIGURE ||
		    (xmlFirstElementChild(n) != k &&
		    xmlLastElementChild(n) != k)))
			rename_node(k, "div");
		else if (kid == EL_SUMMARY && (id != EL_DETAILS ||
		    xmlFirstElementChild(n) != k))
			rename_node(k, "div");
		else if ((kid == EL_RT || kid == EL_RP) && id != EL_RUBY)
			rename_node(k, "span");
	}
	if (el_is(id, PHRASING))
		for (xmlNode *k = n->children; k; k = k->next)
			if (is_block(k)) {
				rename_node(n, "div");
				id = EL_DIV;
				break;
			}
	/* A header cell with nothing to read is an ordinary cell.  (No
	 * step here makes a th or a p: the names seen above tell which
	 * loops have work.) */
	for (xmlNode *k = th ? n->children : NULL; k; k = k->next)
		if (el_of(k) == EL_TH && nothing_to_read(k))
			rename_node(k, "td");
	if (id == EL_A && xmlHasProp(n, BAD_CAST "href"))
		name_link(n);
	for (xmlNode *k = other ? n->children : NULL; k; k = k->next)
		if (is_mathml(k, "math"))
			fix_semantics(k);
	/* Paragraphs left empty by stray end tags go. */
	for (xmlNode *k = p ? n->children : NULL, *next; k; k = next) {
		next = k->next;
		if (el_of(k) == EL_P && (k->children == NULL ||
		    (k->children->next == NULL && blank_text(k->children)))) {
			xmlUnlinkNode(k);
			xmlFreeNode(k);
		}
	}
}

/* ---- a big essay's blocks on every core ---- */

/* Repairing and highlighting a top-level block touch that block's nodes
 * alone and report nothing, so a big essay's blocks go through them on
 * several threads, each taking the next few blocks in turn.  The one
 * thing the threads share is the document's dictionary of names, which
 * libxml2 only reads when the name is in it already: every name these
 * passes give a node is put in it first. */
struct blocks_work {
	xmlNode **v;        /* the top-level blocks */
	size_t n;
	atomic_size_t next; /* the first block no thread has taken */
};

static const char *const pass_names[] = { "div", "span", "li", "td",
    "class", "aria-label", NULL };

static void *
blocks_worker(void *arg)
{
	struct blocks_work *w = arg;
	size_t i, end;

	while ((i = atomic_fetch_add(&w->next, BLOCKS_AT_ONCE)) < w->n) {
		end = w->n - i < BLOCKS_AT_ONCE ? w->n : i + BLOCKS_AT_ONCE;
		for (; i < end; i++) {
			xmlNode *k = w->v[i];

			if (k->type == XML_ELEMENT_NODE && is_html(k))
				repair(k);
			highlight_tree(k);
		}
	}
	return NULL;
}

/* repair() then highlight_tree() of box, the same, on up to threads
 * threads when the essay is big. */
static void __attribute__((noinline))  /* a row of bench --count */
repair_and_highlight(xmlNode *box, size_t len, int threads)
{
	struct blocks_work w = { NULL, 0, 0 };
	pthread_t tid[MAX_HELPERS];
	size_t nh = 0, cap = 0, before;
	xmlDict *dict = box->doc->dict;

	if (len < BIG_ESSAY || threads < 2 || dict == NULL) {
		repair(box);
		highlight_tree(box);
		return;
	}
	for (size_t i = 0; pass_names[i]; i++)
		xmlDictLookup(dict, BAD_CAST pass_names[i], -1);
	before = (size_t)xmlDictSize(dict);
	for (xmlNode *k = box->children; k; k = k->next) {
		if (w.n == cap) {
			cap = cap ? cap * 2 : 1024;
			w.v = xreallocarray(w.v, cap, sizeof(*w.v));
		}
		w.v[w.n++] = k;
	}
	while (nh < MAX_HELPERS && nh + 1 < (size_t)threads &&
	    pthread_create(&tid[nh], NULL, blocks_worker, &w) == 0)
		nh++;
	blocks_worker(&w);
	for (size_t i = 0; i < nh; i++)
		pthread_join(tid[i], NULL);
	free(w.v);
	/* A name new to the dictionary would have been added while other
	 * threads read it: pass_names lacks it. */
	if ((size_t)xmlDictSize(dict) != before)
		abort();
	repair_node(box);
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

/* The headings above the one met, each with the level it was written
 * at and the one it has now. */
struct levels {
	int was[8], now[8];
	int n;
};

/* No level skipped on the way down (h2 then h4): screen readers
 * navigate by level.  A heading moves up under the nearest one written
 * shallower than itself, so that siblings stay siblings (# then three
 * ###: three h2).  With demote, every heading one level down first (h1
 * to h2, h6 stays), in the same walk. */
static void
normalise_levels(xmlNode *n, struct levels *up, int demote)
{
	for (xmlNode *k = n->children; k; k = k->next) {
		int lv = heading_level(k), to;

		if (lv && demote && lv < 6) {
			char name[3] = { 'h', (char)('1' + lv), '\0' };
			rename_node(k, name);
			lv++;
		}
		if (lv) {
			while (up->n > 1 && up->was[up->n - 1] >= lv)
				up->n--;
			to = up->now[up->n - 1] + 1;
			if (to > lv)
				to = lv;
			if (to != lv) {
				char name[3] = { 'h', (char)('0' + to), 0 };
				rename_node(k, name);
			}
			if (up->n < 8) {
				up->was[up->n] = lv;
				up->now[up->n] = to;
				up->n++;
			}
		} else if (is_el(k, "details")) {
			/* Hidden until opened: what it holds does not set
			 * the level for what follows it. */
			struct levels inner = *up;
			normalise_levels(k, &inner, demote);
		} else if (k->children)
			normalise_levels(k, up, demote);
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

/* A heading that became the essay's title goes; links to its id (its
 * own, else GitHub's slug of it: chapter.html#what-is-ownership) still
 * land: the essay's header takes it.  Returns that id, or NULL. */
static char *
drop_title_heading(xmlNode *h)
{
	char *id = get_attr(h, "id");

	if (id == NULL) {
		char *raw = node_text(h);
		id = slug_github(raw);
		free(raw);
	}
	if (*id == '\0' || strcmp(id, "essay-title") == 0) {
		free(id);
		id = NULL;
	}
	xmlUnlinkNode(h);
	xmlFreeNode(h);
	return id;
}

/* Whether n holds a formula (MathML, or math drawn as a named SVG). */
static int
has_formula(const xmlNode *n)
{
	for (const xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (is_mathml(k, "math") || (k->ns && k->ns->href &&
		    strcmp((const char *)k->ns->href, NS_SVG) == 0 &&
		    xmlHasProp(k, BAD_CAST "role")) || has_formula(k))
			return 1;
	}
	return 0;
}

/* The title: front matter, else the heading that opens the essay,
 * whatever its level (an mdBook chapter opens with "## What Is
 * Ownership?"), else the file name.  A leading heading that repeats
 * the title is dropped. */
/* Whether n is only anchors: empty <span id>s (what <a name> and
 * <a id> became), alone or in a paragraph of their own. */
static int
anchor_only(xmlNode *n)
{
	int any = 0;

	if (is_el(n, "span"))
		return n->children == NULL || (n->children->type ==
		    XML_TEXT_NODE && n->children->next == NULL &&
		    *(const char *)n->children->content == '\0');
	if (!is_el(n, "p"))
		return 0;
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type == XML_TEXT_NODE) {
			for (const xmlChar *c = k->content; c && *c; c++)
				if (!isspace(*c))
					return 0;
		} else if (k->type == XML_ELEMENT_NODE && anchor_only(k))
			any = 1;
		else
			return 0;
	}
	return any;
}

static char *
settle_title(struct essay *e, xmlNode *box, xmlNode **marked)
{
	xmlNode *first = xmlFirstElementChild(box);

	/* A chapter may start with an anchor (after a comment, gone by
	 * now): the heading after it is the first. */
	while (first && anchor_only(first))
		first = xmlNextElementSibling(first);
	char *text = NULL, *id = NULL;
	const char *label;

	if (first && heading_level(first)) {
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
		/* A formula in the title stays one in the essay's heading
		 * (the title's text, for the contents, has its TeX). */
		if (has_formula(first))
			*marked = xmlDocCopyNode(first, first->doc, 1);
		id = drop_title_heading(first);
	} else if (e->title && text && strcmp(text, e->title) == 0) {
		id = drop_title_heading(first);
	}
	free(text);
	label = ESITE(e)->label;
	if ((e->title == NULL || *e->title == '\0') && label && *label) {
		free(e->title);
		e->title = xstrdup(label);
	}
	if (e->title == NULL || *e->title == '\0') {
		char *stem = xstrdup(path_basename(e->rel)), *dot;
		if ((dot = strrchr(stem, '.')) != NULL)
			*dot = '\0';
		free(e->title);
		e->title = stem;
	}
	{
		struct levels up = { { 1 }, { 1 }, 1 };
		normalise_levels(box, &up, has_h1(box));
	}
	return id;
}

/* A copy of a node declares on itself the namespaces it used from
 * outside it (xmlDocCopyNode): what is moved out of the copy into the
 * document points at the same namespaces in scope at scope instead,
 * before the copy, and its declarations, are freed. */
static xmlNs *
ns_home(const xmlNs *d, xmlNode *scope)
{
	xmlNs *in = xmlSearchNsByHref(scope->doc, scope, d->href);

	return in ? in : xmlNewNs(scope, d->href, d->prefix);
}

static void
ns_rehome(xmlNode *n, xmlNs *defs, xmlNode *scope)
{
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		for (xmlNs *d = defs; d; d = d->next) {
			for (xmlAttr *a = k->properties; a; a = a->next)
				if (a->ns == d)
					a->ns = ns_home(d, scope);
			if (k->ns == d)
				k->ns = ns_home(d, scope);
		}
		ns_rehome(k, defs, scope);
	}
}

/* id: the id of the heading the title came from, for the header. */
static void
essay_header(struct book *b, struct essay *e, xmlNode *section, char *id,
    xmlNode *marked)
{
	xmlNode *hd = el(section, "header"), *h, *p;
	const struct essay_more *m = EMORE(e);

	if (id)
		set_attr(hd, "id", id);
	free(id);

	if (marked) {
		h = el(hd, "h1");
		while (marked->children) {
			xmlNode *k = marked->children;
			xmlUnlinkNode(k);
			xmlAddChild(h, k);
		}
		ns_rehome(h, marked->nsDef, h);
		xmlFreeNode(marked);
	} else
		h = el_text(hd, "h1", e->title);
	set_attr(h, "id", "essay-title");
	if (m->subtitle)
		set_attr(el_text(hd, "p", m->subtitle), "class", "subtitle");
	if (e->date || m->authors.n) {
		p = el(hd, "p");
		set_attr(p, "class", "byline");
		if (m->authors.n) {
			char *names = i18n_list(node_lang(p), &m->authors);
			add_text(p, names);
			free(names);
		}
		if (e->date)
			add_date(p, e->date, " \xc2\xb7 ");
	}
	if (m->summary)
		set_attr(el_text(hd, "p", m->summary), "class", "summary");
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

/* ---- attributes past the limit ---- */

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* The HTML5 tokenizer compares each attribute of a tag with every one
 * before it (duplicates are dropped), so a tag of n attributes costs
 * n^2.  Tags are read here as the tokenizer reads them (a quote opens a
 * value only after '='; comments and declarations skipped), and every
 * attribute after the first MAX_ATTRS of a tag is cut, its "/>" kept.
 * NULL when nothing is cut; else the new HTML, *ncut the tags cut and
 * *first where the first cut tag starts in html. */
static char *
cap_attrs(const char *html, size_t *ncut, size_t *first)
{
	struct buf b = { 0 };
	const char *p = html, *copied = html, *end = html + strlen(html);

	*ncut = 0;
	while ((p = strchr(p, '<')) != NULL) {
		const char *tag = p, *cut = NULL;
		size_t n = 0;

		if (strncmp(p, "<!--", 4) == 0) {
			if ((p = find_bytes(p + 4, end, "-->", 3)) == NULL)
				break;
			p += 3;
			continue;
		}
		p++;
		if (*p == '!' || *p == '?') {
			if ((p = strchr(p, '>')) == NULL)
				break;
			continue;
		}
		if (*p == '/')
			p++;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			continue;
		while (*p && !is_space(*p) && *p != '/' && *p != '>')
			p++;
		while (*p && *p != '>') {
			if (is_space(*p) || *p == '/') {
				p++;
				continue;
			}
			if (n++ == MAX_ATTRS)
				cut = p;
			p++;  /* a name's first character may be '=' */
			while (*p && !is_space(*p) && !strchr("/>=", *p))
				p++;
			while (is_space(*p))
				p++;
			if (*p != '=')
				continue;
			p++;
			while (is_space(*p))
				p++;
			if (*p == '"' || *p == '\'') {
				const char *c = strchr(p + 1, *p);
				p = c ? c + 1 : end;
			} else
				while (*p && !is_space(*p) && *p != '>')
					p++;
		}
		if (cut) {
			if ((*ncut)++ == 0)
				*first = (size_t)(tag - html);
			buf_put(&b, copied, (size_t)(cut - copied));
			if (*p == '>' && p[-1] == '/')
				buf_putc(&b, '/');
			copied = p;
		}
		if (*p == '\0')
			break;
	}
	if (*ncut == 0)
		return NULL;
	buf_puts(&b, copied);
	return buf_take(&b);
}

/* The line of the essay where the text at p (a tag of raw HTML, which
 * cmark-gfm copies as written) is found; the body's first line if not. */
static int
tag_line(const struct essay *e, const char *p)
{
	size_t n = strcspn(p, "\n");
	const char *body = e->text + e->body, *at;
	int line = e->body_line;

	if (n > 64)
		n = 64;
	at = find_bytes(body, e->text + e->len, p, n);
	for (const char *q = body; at && q < at; q++)
		line += *q == '\n';
	return line;
}

/* ---- the XML way in ---- */

int
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
xmlDoc *
render_read_xml(const char *html)
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

struct xframe {
	xmlNode *next;      /* the next node of x to convert */
	xmlNode *parent;
	int depth;
	int taken;          /* the nodes are the children parent had */
};

static void
xpush(struct xframe **v, size_t *n, size_t *cap, xmlNode *next,
    xmlNode *parent, int depth, int taken)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = (struct xframe){ next, parent, depth, taken };
}

/* Element k of a tree made by direct.c, moved to parent as the XHTML
 * element rule r keeps under its own name: what element_for() and
 * html_attr() would make, without a copy.  Its attributes are taken
 * off and given again through html_attr(); its children are taken off
 * too, to be converted into it (*kids). */
static void
xkeep(struct conv *c, xmlNode *k, const struct rule *r, xmlNode *parent,
    xmlNode **kids)
{
	xmlAttr *props = k->properties, *keep = NULL;

	/* The block's position, its first attribute, rewritten where it
	 * is (set_sourcepos() would make the same). */
	if (props && props->ns == NULL &&
	    strcmp((const char *)props->name, "data-sourcepos") == 0 &&
	    props->children && props->children->next == NULL &&
	    props->children->type == XML_TEXT_NODE &&
	    props->children->content) {
		char *v = (char *)props->children->content, pos[32];
		const char *q = sourcepos_at(c, v, pos);

		if (q && strlen(q) <= strlen(v)) {
			c->line = atoi(v) + c->e->body_line - 1;
			memcpy(v, q, strlen(q) + 1);
			keep = props;
			props = props->next;
			keep->next = NULL;
			if (props)
				props->prev = NULL;
		}
	}
	*kids = k->children;
	k->properties = keep;
	k->children = k->last = NULL;
	xmlUnlinkNode(k);
	k->ns = c->xhtml;
	xmlAddChild(parent, k);
	for (const xmlAttr *a = props; a; a = a->next) {
		char *copy;

		html_attr(c, k, r, (const char *)a->name, attr_text(a, &copy));
		xmlFree(copy);
	}
	xmlFreePropList(props);
}

/* convert_children(), for the children of a node libxml2 read: HTML
 * elements and text only, with a stack of its own.  Text moves over as
 * it is (libxml2 took only characters XML allows, which is what
 * xml_clean() would keep). */
static void
xconvert_children(struct conv *c, xmlNode *x, xmlNode *parent)
{
	struct xframe *v = NULL;
	size_t n = 0, cap = 0;
	int depth = c->depth;
	xmlNode *spent = NULL;  /* what stays of taken children, to free */

	xpush(&v, &n, &cap, x->children, parent, depth, 0);
	while (n) {
		struct xframe *f = &v[n - 1];
		xmlNode *k = f->next, *p = f->parent, *out, *kids;
		const struct rule *r;
		int d = f->depth, taken = f->taken;

		if (k == NULL) {
			n--;
			continue;
		}
		f->next = k->next;
		if (k->type == XML_TEXT_NODE) {
			xmlUnlinkNode(k);
			xmlAddChild(p, k);  /* may merge it into the last text */
			continue;
		}
		if (k->type != XML_ELEMENT_NODE)
			goto spend;
		c->depth = d;
		if (strcmp((const char *)k->name, "input") == 0) {
			xmlChar *type = xmlGetProp(k, BAD_CAST "type");
			task_box(c, p, (const char *)type,
			    xmlHasProp(k, BAD_CAST "checked") != NULL);
			xmlFree(type);
			goto spend;
		}
		r = find_rule((const char *)k->name);
		/* direct.c's elements (of no document) move over. */
		if (k->doc == NULL && k->nsDef == NULL && r &&
		    r->act == R_KEEP && d < MAX_NEST) {
			xkeep(c, k, r, p, &kids);
			xpush(&v, &n, &cap, kids, k, d + 1, 1);
			continue;
		}
		if ((out = element_for(c, r, p)) == NULL) {
			if (r == NULL || r->act != R_DROP)
				xpush(&v, &n, &cap, k->children, p, d, 0);
			goto spend;
		}
		for (const xmlAttr *a = k->properties; a; a = a->next) {
			char *copy;

			html_attr(c, out, r, (const char *)a->name,
			    attr_text(a, &copy));
			xmlFree(copy);
		}
		xpush(&v, &n, &cap, k->children, out, d + 1, 0);
	spend:
		/* Taken off a node moved over, k is in no tree: kept until
		 * the end (its children are still to be converted). */
		if (taken) {
			if (spent == NULL)
				spent = xmlNewNode(NULL, BAD_CAST "spent");
			xmlUnlinkNode(k);
			xmlAddChild(spent, k);
		}
	}
	free(v);
	xmlFreeNode(spent);
	c->depth = depth;
}

/* In right-to-left text, code, keyboard input, sample output and formulas
 * read left to right: dir="ltr" on each (the reading system makes them
 * isolates), so that a brace or a comment marker keeps its side.  Not
 * below one: it already reads left to right; not where a dir is said.
 * An inline one also gets a left-to-right mark (U+200E) on each side,
 * outside it: an engine that takes no isolate from dir (MuPDF's, as on
 * e-ink readers) would otherwise give a closing brace or semicolon at
 * its end the paragraph's direction.  Not in a heading, whose text
 * names it in the contents and makes its id. */
static void
ltr_islands(xmlNode *n, int heading)
{
	for (xmlNode *k = n->children; k; k = k->next) {
		int inline_;

		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (xmlHasProp(k, BAD_CAST "dir")) {
			xmlChar *v = xmlGetProp(k, BAD_CAST "dir");
			int rtl = v && strcmp((char *)v, "rtl") == 0;
			xmlFree(v);
			if (rtl)
				ltr_islands(k, heading || heading_level(k));
			continue;
		}
		inline_ = is_el(k, "code") || is_el(k, "kbd") ||
		    is_el(k, "samp") || (strcmp((char *)k->name, "math") == 0 &&
		    k->ns && strcmp((char *)k->ns->href, NS_MATHML) == 0);
		if (is_el(k, "pre") || inline_) {
			set_attr(k, "dir", "ltr");
			if (inline_ && !heading) {
				xmlAddPrevSibling(k, xmlNewDocText(k->doc,
				    BAD_CAST "\xe2\x80\x8e"));
				k = xmlAddNextSibling(k, xmlNewDocText(k->doc,
				    BAD_CAST "\xe2\x80\x8e"));
			}
		} else
			ltr_islands(k, heading || heading_level(k));
	}
}

/* The tree of an essay from cmark-gfm's HTML for it.  Touches nothing
 * shared but the diagnostics (locked): essays render in parallel. */
int
render_essay_html(struct book *b, struct essay *e,
    struct segment *segs, size_t nsegs, struct quire_diag *d)
{
	struct conv c = { 0 };
	struct arena arena = { NULL, 0 };
	GumboOutput *out;
	xmlDoc *x;
	char *in, *capped;
	size_t ncut, at;
	GumboOptions gopt = kGumboDefaultOptions;
	xmlNode *body, *box, *section, *k, *next;
	char *title_id;
	xmlNode *marked = NULL;
	const char *lang = e->lang ? e->lang : b->lang;
	gopt.max_errors = 0;
	gopt.allocator = arena_alloc;
	gopt.deallocator = arena_free;
	gopt.userdata = &arena;
	essay_work(e);
	e->w->xml = xhtml_new(lang, "", NULL, &body);
	xhtml_styles(e->w->xml, b);
	if (EMORE(e)->dir) {
		set_attr(xmlDocGetRootElement(e->w->xml), "dir", e->more->dir);
		set_attr(body, "dir", e->more->dir);
	}
	c.e = e;
	c.d = d;
	c.doc = e->w->xml;
	c.xhtml = xmlDocGetRootElement(e->w->xml)->ns;
	box = xmlNewDocNode(e->w->xml, c.xhtml, BAD_CAST "div", NULL);
	xmlAddChild(body, box);
	for (size_t i = 0; i < nsegs; i++) {
		const char *html = segs[i].html;

		if (segs[i].tree) {
			/* Made from cmark-gfm's nodes (direct.c) */
			xconvert_children(&c, segs[i].tree, box);
			xmlFreeNode(segs[i].tree);
			segs[i].tree = NULL;
			continue;
		}
		if (!segs[i].raw && (x = render_read_xml(html)) != NULL) {
			xconvert_children(&c, xmlDocGetRootElement(x), box);
			xmlFreeDoc(x);
			continue;
		}
		if ((capped = cap_attrs(html, &ncut, &at)) != NULL) {
			struct loc l = { e->path, tag_line(e, html + at), 0 };
			diag_warn(d, &l, "%zu tag%s with more than %d "
			    "attributes: the rest dropped", ncut,
			    ncut == 1 ? "" : "s", MAX_ATTRS);
			html = capped;
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
		free(capped);
	}
	idset_free(&c.embed.anchors);
	repair_and_highlight(box, e->len, b->threads);
	listing_lines(box);
	blocks_essay(box, lang);
	index_marks(e, box);
	if (EMORE(e)->dir ? strcmp(e->more->dir, "rtl") == 0 :
	    lang_rtl(lang))
		ltr_islands(box, 0);
	title_id = settle_title(e, box, &marked);

	/* Now the real title is known. */
	{
		xmlNode *title = xmlDocGetRootElement(e->w->xml)->children;
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
	section = xmlNewDocNode(e->w->xml, c.xhtml, BAD_CAST "section", NULL);
	xmlAddPrevSibling(box, section);
	{
		const char *type = e->part_page ? "part" :
		    essay_roles[e->role];
		char aria[32];

		snprintf(aria, sizeof(aria), "doc-%s", type);
		set_epub_type(section, type);
		set_attr(section, "role", aria);
	}
	set_attr(section, "aria-labelledby", "essay-title");
	set_attr(section, "class", e->part_page ? "essay part" : "essay");
	essay_header(b, e, section, title_id, marked);
	for (k = box->children; k; k = next) {
		next = k->next;
		xmlUnlinkNode(k);
		xmlAddChild(section, k);
	}
	xmlUnlinkNode(box);
	xmlFreeNode(box);
	e->w->content = section;
	return 0;
}
