/* The tree of a run of an essay's top-level blocks made straight from
 * cmark-gfm's nodes: the very tree libxml2 reads from cmark-gfm's HTML
 * for them (render.c's XML way in), its elements, attributes and the
 * newlines written between blocks, without the HTML written and read.
 *
 * It follows what cmark-gfm 0.29.0.gfm.6's HTML renderer writes, and
 * the table, strikethrough and tasklist extensions' renderers, with the
 * options parse.c renders with (raw HTML kept, footnotes, source
 * positions, table alignment as a style).  Text is kept as it is: what
 * the renderer escapes, the XML reader unescapes.  Whatever it does not
 * follow exactly (a node of another extension, a custom block, a
 * character that XML would refuse or change, raw HTML that does not read
 * as XML alone) it refuses, and the run goes the way of the HTML. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
/* cmark-gfm's own headers, as the library installs them: the footnotes'
 * numbers and labels are in no public accessor. */
#include <cmark-gfm/houdini.h>
#include <cmark-gfm/node.h>
#include <cmark-gfm/syntax_extension.h>
#include <libxml/tree.h>

#include "render/render.h"

/* Exported by the extensions, declared in no header. */
extern cmark_node_type CMARK_NODE_TABLE, CMARK_NODE_TABLE_ROW,
    CMARK_NODE_TABLE_CELL, CMARK_NODE_STRIKETHROUGH;

/* Deeper than this, libxml2 might refuse the HTML: that way decides. */
#define DIRECT_DEPTH 200

struct direct {
	xmlNode *root, *cur;
	struct buf text;     /* text written into cur, not yet a node */
	int nl;              /* the HTML so far is empty or ends in "\n" */
	int depth;
	int bad;
	/* cmark-gfm's renderer state, anew for each node rendered */
	cmark_node *plain;   /* the image whose alt text is being written */
	struct buf alt;
	int in_head, body_open;  /* the table extension's */
	unsigned fn_ix, fn_written;
};

/* What a byte asks of clean(): 0 nothing, 1 a look (a control, DEL;
 * in an attribute, "d"), 2 the start of a multibyte character. */
static const unsigned char text_kind[256] = {
	[0 ... 0x1f] = 1, [0x7f] = 1, [0x80 ... 0xff] = 2,
};
static const unsigned char attr_kind[256] = {
	[0 ... 0x1f] = 1, ['d'] = 1, [0x7f] = 1, [0x80 ... 0xff] = 2,
};

/* Whether s reads back from the HTML as it is: no character that XML
 * refuses or changes (controls, a carriage return) or that makes the
 * HTML go to the HTML5 tree builder; in an attribute's value, no
 * "data-footnote", which the XML way in takes, in a tag, for the
 * renderer's valueless attribute. */
static int
clean(const unsigned char *s, size_t n, int in_attr)
{
	const unsigned char *kind = in_attr ? attr_kind : text_kind;
	size_t i = 0;

	for (;;) {
		unsigned char c;

		while (i < n && !kind[s[i]])
			i++;
		if (i == n)
			return 1;
		c = s[i];
		if (c == 'd') {
			if (n - i >= 13 && memcmp(s + i, "data-footnote", 13) == 0)
				return 0;
			i++;
		} else if (c < 0x80) {
			if (c != '\n' && c != '\t')
				return 0;  /* a control, DEL */
			i++;
		} else {
			uint32_t cp;
			size_t k = utf8_decode(s + i, n - i, &cp);

			if (k == 0 || html5_replaces(cp) || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return 0;
			i += k;
		}
	}
}

/* Text written: s as the renderer writes it, escaped. */
static void
put(struct direct *d, const void *s, size_t n)
{
	if (n == 0)
		return;
	if (!clean(s, n, 0))
		d->bad = 1;
	buf_put(&d->text, s, n);
	d->nl = ((const char *)s)[n - 1] == '\n';
}

static void
put_nl(struct direct *d)
{
	buf_putc(&d->text, '\n');
	d->nl = 1;
}

/* cmark-gfm's cr(): a newline unless the HTML is empty or ends in one. */
static void
cr(struct direct *d)
{
	if (!d->nl)
		put_nl(d);
}

static void
flush(struct direct *d)
{
	if (d->text.len > INT32_MAX)
		d->bad = 1;  /* the HTML would be more than libxml2 reads */
	else if (d->text.len) {
		xmlAddChild(d->cur, xmlNewTextLen(BAD_CAST d->text.data,
		    (int)d->text.len));
		d->text.len = 0;
	}
}

/* An element written into cur (a void one: <hr />, <img />). */
static xmlNode *
element(struct direct *d, const char *name)
{
	xmlNode *n = xmlNewNode(NULL, BAD_CAST name);

	flush(d);
	xmlAddChild(d->cur, n);
	d->nl = 0;
	return n;
}

static xmlNode *
open_el(struct direct *d, const char *name)
{
	xmlNode *n = element(d, name);

	d->cur = n;
	if (++d->depth > DIRECT_DEPTH)
		d->bad = 1;
	return n;
}

static void
close_el(struct direct *d)
{
	flush(d);
	if (d->cur == d->root) {
		d->bad = 1;
		return;
	}
	d->cur = d->cur->parent;
	d->depth--;
	d->nl = 0;
}

static void
attr(xmlNode *n, const char *name, const char *value)
{
	xmlNewProp(n, BAD_CAST name, BAD_CAST value);
}

/* data-sourcepos="L:C-L:C", as the renderer prints it. */
static void
sourcepos(xmlNode *n, cmark_node *k)
{
	char v[64], *p = v + sizeof(v) - 1;

	*p = '\0';
	p = dec_digits(p, k->end_column);
	*--p = ':';
	p = dec_digits(p, k->end_line);
	*--p = '-';
	p = dec_digits(p, k->start_column);
	*--p = ':';
	p = dec_digits(p, k->start_line);
	attr(n, "data-sourcepos", p);
}

/* s escaped as the renderer escapes an href (cmark-gfm's own escaper),
 * then read back as the XML reader reads it: the references it wrote
 * for & and ' are those characters again; into b. */
static void
href_escape(struct buf *b, const unsigned char *s, size_t n)
{
	cmark_mem *mem = cmark_get_default_mem_allocator();
	cmark_strbuf esc, back;

	cmark_strbuf_init(mem, &esc, 0);
	cmark_strbuf_init(mem, &back, 0);
	houdini_escape_href(&esc, s, (bufsize_t)n);
	houdini_unescape_html_f(&back, esc.ptr, esc.size);
	buf_put(b, back.ptr, (size_t)back.size);
	cmark_strbuf_free(&esc);
	cmark_strbuf_free(&back);
}

static void
href_attr(xmlNode *n, const char *name, const char *prefix,
    const cmark_chunk *s, const char *suffix)
{
	struct buf b = { 0 };

	buf_puts(&b, prefix);
	href_escape(&b, s->data, (size_t)s->len);
	buf_puts(&b, suffix);
	buf_putc(&b, '\0');
	attr(n, name, b.data);
	buf_free(&b);
}

/* A value written escaped (a title, an alt text, a language). */
static void
text_attr(struct direct *d, xmlNode *n, const char *name,
    const unsigned char *s, size_t len)
{
	char *v;

	if (len == 0) {
		attr(n, name, "");
		return;
	}
	v = xstrndup((const char *)s, len);
	if (!clean(s, len, 1) || strlen(v) != len)
		d->bad = 1;
	attr(n, name, v);
	free(v);
}

/* The footnote's links back to its references, once (see the renderer's
 * S_put_footnote_backref); 1 if written. */
static int
backrefs(struct direct *d, cmark_node *def)
{
	if (d->fn_written >= d->fn_ix)
		return 0;
	d->fn_written = d->fn_ix;
	for (int i = 1; i <= (def->footnote.def_count > 1 ?
	    def->footnote.def_count : 1); i++) {
		xmlNode *a;
		char suffix[32];

		if (i > 1) {
			put(d, " ", 1);
			snprintf(suffix, sizeof(suffix), "-%d", i);
		} else
			suffix[0] = '\0';
		a = open_el(d, "a");
		href_attr(a, "href", "#fnref-", &def->as.literal, suffix);
		attr(a, "class", "footnote-backref");
		attr(a, "data-footnote-backref", "");
		attr(a, "aria-label", "Back to content");
		put(d, "\xe2\x86\xa9", 3);
		if (i > 1) {
			attr(open_el(d, "sup"), "class", "footnote-ref");
			put(d, suffix + 1, strlen(suffix + 1));
			close_el(d);
		}
		close_el(d);
	}
	return 1;
}

/* Raw HTML: quire's own (a listing, TeX in a span), well-formed XHTML,
 * read as XML alone, its nodes moved in. */
static void
graft(struct direct *d, cmark_node *k)
{
	const char *lit = cmark_node_get_literal(k);
	xmlDoc *x;
	xmlNode *body, *c, *next;

	if (lit == NULL || *lit == '\0')
		return;
	if ((x = render_read_xml(lit)) == NULL) {
		d->bad = 1;
		return;
	}
	flush(d);
	body = xmlDocGetRootElement(x);
	for (c = body ? body->children : NULL; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlAddChild(d->cur, c);  /* a text may merge into the last */
	}
	xmlFreeDoc(x);
	d->nl = lit[strlen(lit) - 1] == '\n';
}

static void
heading(struct direct *d, cmark_node *k, int entering)
{
	char name[4] = "h0";
	int level = k->as.heading.level;

	if (level < 1 || level > 6) {
		d->bad = 1;
		return;
	}
	if (entering) {
		cr(d);
		name[1] = (char)('0' + level);
		sourcepos(open_el(d, name), k);
	} else {
		close_el(d);
		put_nl(d);
	}
}

static void
code_block(struct direct *d, cmark_node *k)
{
	const cmark_chunk *info = &k->as.code.info;
	xmlNode *code;

	cr(d);
	sourcepos(open_el(d, "pre"), k);
	code = open_el(d, "code");
	if (info->len > 0) {
		bufsize_t first = 0;
		struct buf b = { 0 };

		while (first < info->len && info->data[first] != ' ' &&
		    info->data[first] != '\t' && info->data[first] != '\n' &&
		    info->data[first] != '\r')
			first++;
		buf_puts(&b, "language-");
		buf_put(&b, info->data, (size_t)first);
		text_attr(d, code, "class", (unsigned char *)b.data, b.len);
		buf_free(&b);
	}
	put(d, k->as.code.literal.data, (size_t)k->as.code.literal.len);
	close_el(d);
	close_el(d);
	put_nl(d);
}

/* The table extension's rendering of a table, a row or a cell. */
static void
table(struct direct *d, cmark_node *k, int entering)
{
	cmark_node_type t = (cmark_node_type)k->type;

	if (t == CMARK_NODE_TABLE) {
		if (entering) {
			cr(d);
			sourcepos(open_el(d, "table"), k);
			d->body_open = 0;
		} else {
			if (d->body_open) {
				cr(d);
				close_el(d);
				cr(d);
			}
			d->body_open = 0;
			cr(d);
			close_el(d);
			cr(d);
		}
	} else if (t == CMARK_NODE_TABLE_ROW) {
		int head = cmark_gfm_extensions_get_table_row_is_header(k);

		if (entering) {
			cr(d);
			if (head) {
				d->in_head = 1;
				open_el(d, "thead");
				cr(d);
			} else if (!d->body_open) {
				open_el(d, "tbody");
				cr(d);
				d->body_open = 1;
			}
			sourcepos(open_el(d, "tr"), k);
		} else {
			cr(d);
			close_el(d);
			if (head) {
				cr(d);
				close_el(d);
				d->in_head = 0;
			}
		}
	} else if (entering) {
		cmark_node *row = k->parent, *tab = row ? row->parent : NULL, *c;
		uint8_t *align;
		xmlNode *cell;
		int i = 0;

		if (tab == NULL || tab->type != CMARK_NODE_TABLE) {
			d->bad = 1;
			return;
		}
		for (c = row->first_child; c && c != k; c = c->next)
			i++;
		if (i >= cmark_gfm_extensions_get_table_columns(tab)) {
			d->bad = 1;  /* the renderer would read past its array */
			return;
		}
		align = cmark_gfm_extensions_get_table_alignments(tab);
		cr(d);
		cell = open_el(d, d->in_head ? "th" : "td");
		switch (align ? align[i] : 0) {
		case 'l': attr(cell, "style", "text-align: left"); break;
		case 'c': attr(cell, "style", "text-align: center"); break;
		case 'r': attr(cell, "style", "text-align: right"); break;
		}
		sourcepos(cell, k);
	} else
		close_el(d);
}

/* One event of the walk: what the renderer writes for it. */
static void
render(struct direct *d, cmark_node *k, cmark_event_type ev)
{
	int entering = ev == CMARK_EVENT_ENTER;
	cmark_node_type t = (cmark_node_type)k->type;
	xmlNode *n;

	if (d->plain == k)
		d->plain = NULL;
	if (d->plain) {
		/* An image's description: its text, for alt. */
		if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE ||
		    t == CMARK_NODE_HTML_INLINE)
			buf_put(&d->alt, k->as.literal.data,
			    (size_t)k->as.literal.len);
		else if (t == CMARK_NODE_LINEBREAK || t == CMARK_NODE_SOFTBREAK)
			buf_putc(&d->alt, ' ');
		return;
	}
	if (k->extension && k->extension->html_render_func) {
		const char *x = k->extension->name;

		if (strcmp(x, "table") == 0 && (t == CMARK_NODE_TABLE ||
		    t == CMARK_NODE_TABLE_ROW || t == CMARK_NODE_TABLE_CELL))
			table(d, k, entering);
		else if (strcmp(x, "strikethrough") == 0 &&
		    t == CMARK_NODE_STRIKETHROUGH) {
			if (entering)
				open_el(d, "del");
			else
				close_el(d);
		} else if (strcmp(x, "tasklist") == 0 && t == CMARK_NODE_ITEM) {
			if (entering) {
				cr(d);
				sourcepos(open_el(d, "li"), k);
				n = element(d, "input");
				attr(n, "type", "checkbox");
				if (k->as.list.checked)
					attr(n, "checked", "");
				attr(n, "disabled", "");
				put(d, " ", 1);
			} else {
				close_el(d);
				put_nl(d);
			}
		} else
			d->bad = 1;
		return;
	}
	switch (t) {
	case CMARK_NODE_DOCUMENT:
		if (!entering && d->fn_ix) {
			close_el(d);  /* </ol> */
			put_nl(d);
			close_el(d);  /* </section> */
			put_nl(d);
		}
		break;
	case CMARK_NODE_BLOCK_QUOTE:
		cr(d);
		if (entering) {
			sourcepos(open_el(d, "blockquote"), k);
			put_nl(d);
		} else {
			close_el(d);
			put_nl(d);
		}
		break;
	case CMARK_NODE_LIST:
		if (entering) {
			int ordered = k->as.list.list_type != CMARK_BULLET_LIST;

			cr(d);
			n = open_el(d, ordered ? "ol" : "ul");
			if (ordered && k->as.list.start != 1) {
				char v[32];

				snprintf(v, sizeof(v), "%d", k->as.list.start);
				attr(n, "start", v);
			}
			sourcepos(n, k);
			put_nl(d);
		} else {
			close_el(d);
			put_nl(d);
		}
		break;
	case CMARK_NODE_ITEM:
		if (entering) {
			cr(d);
			sourcepos(open_el(d, "li"), k);
		} else {
			close_el(d);
			put_nl(d);
		}
		break;
	case CMARK_NODE_HEADING:
		heading(d, k, entering);
		break;
	case CMARK_NODE_CODE_BLOCK:
		code_block(d, k);
		break;
	case CMARK_NODE_HTML_BLOCK:
		cr(d);
		graft(d, k);
		cr(d);
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		cr(d);
		sourcepos(element(d, "hr"), k);
		put_nl(d);
		break;
	case CMARK_NODE_PARAGRAPH: {
		cmark_node *parent = k->parent, *grand = parent ?
		    parent->parent : NULL;

		if (grand && grand->type == CMARK_NODE_LIST &&
		    grand->as.list.tight)
			break;
		if (entering) {
			cr(d);
			sourcepos(open_el(d, "p"), k);
		} else {
			if (parent && parent->type ==
			    CMARK_NODE_FOOTNOTE_DEFINITION && k->next == NULL) {
				put(d, " ", 1);
				backrefs(d, parent);
			}
			close_el(d);
			put_nl(d);
		}
		break;
	}
	case CMARK_NODE_TEXT:
		put(d, k->as.literal.data, (size_t)k->as.literal.len);
		break;
	case CMARK_NODE_LINEBREAK:
		element(d, "br");
		put_nl(d);
		break;
	case CMARK_NODE_SOFTBREAK:
		put_nl(d);
		break;
	case CMARK_NODE_CODE:
		open_el(d, "code");
		put(d, k->as.literal.data, (size_t)k->as.literal.len);
		close_el(d);
		break;
	case CMARK_NODE_HTML_INLINE:
		graft(d, k);
		break;
	case CMARK_NODE_STRONG:
	case CMARK_NODE_EMPH:
		if (entering)
			open_el(d, t == CMARK_NODE_STRONG ? "strong" : "em");
		else
			close_el(d);
		break;
	case CMARK_NODE_LINK:
		if (entering) {
			n = open_el(d, "a");
			href_attr(n, "href", "", &k->as.link.url, "");
			if (k->as.link.title.len)
				text_attr(d, n, "title", k->as.link.title.data,
				    (size_t)k->as.link.title.len);
		} else
			close_el(d);
		break;
	case CMARK_NODE_IMAGE:
		if (entering) {
			d->plain = k;
			d->alt.len = 0;
		} else {
			n = element(d, "img");
			href_attr(n, "src", "", &k->as.link.url, "");
			text_attr(d, n, "alt", (unsigned char *)d->alt.data,
			    d->alt.len);
			if (k->as.link.title.len)
				text_attr(d, n, "title", k->as.link.title.data,
				    (size_t)k->as.link.title.len);
		}
		break;
	case CMARK_NODE_FOOTNOTE_DEFINITION:
		if (k->parent == NULL ||
		    k->parent->type != CMARK_NODE_DOCUMENT) {
			d->bad = 1;
			break;
		}
		if (entering) {
			if (d->fn_ix == 0) {
				n = open_el(d, "section");
				attr(n, "class", "footnotes");
				attr(n, "data-footnotes", "");
				put_nl(d);
				open_el(d, "ol");
				put_nl(d);
			}
			d->fn_ix++;
			href_attr(open_el(d, "li"), "id", "fn-", &k->as.literal,
			    "");
			put_nl(d);
		} else {
			if (backrefs(d, k))
				put_nl(d);
			close_el(d);
			put_nl(d);
		}
		break;
	case CMARK_NODE_FOOTNOTE_REFERENCE: {
		cmark_node *def = k->parent_footnote_def;
		char suffix[32] = "";

		if (!entering)
			break;
		if (def == NULL) {
			d->bad = 1;
			break;
		}
		attr(open_el(d, "sup"), "class", "footnote-ref");
		n = open_el(d, "a");
		href_attr(n, "href", "#fn-", &def->as.literal, "");
		if (k->footnote.ref_ix > 1)
			snprintf(suffix, sizeof(suffix), "-%d",
			    k->footnote.ref_ix);
		href_attr(n, "id", "fnref-", &def->as.literal, suffix);
		attr(n, "data-footnote-ref", "");
		{
			struct buf b = { 0 };

			href_escape(&b, k->as.literal.data,
			    (size_t)k->as.literal.len);
			put(d, b.data, b.len);
			buf_free(&b);
		}
		close_el(d);
		close_el(d);
		break;
	}
	default:
		d->bad = 1;  /* custom blocks and inlines, anything else */
		break;
	}
}

/* The tree of the nodes v[0..n-1] (top-level blocks, or a document),
 * under a <body> element the caller frees; NULL if it cannot be made
 * exactly (the HTML way then). */
xmlNode *
direct_tree(void *const *v, size_t n)
{
	struct direct d;

	memset(&d, 0, sizeof(d));
	d.root = d.cur = xmlNewNode(NULL, BAD_CAST "body");
	for (size_t i = 0; i < n && !d.bad; i++) {
		cmark_iter *it = cmark_iter_new(v[i]);
		cmark_event_type ev;

		/* Each is rendered on its own: the renderer starts anew. */
		d.nl = 1;
		d.plain = NULL;
		d.in_head = d.body_open = 0;
		d.fn_ix = d.fn_written = 0;
		while (!d.bad && (ev = cmark_iter_next(it)) !=
		    CMARK_EVENT_DONE)
			render(&d, cmark_iter_get_node(it), ev);
		cmark_iter_free(it);
		if (d.cur != d.root)
			d.bad = 1;
	}
	flush(&d);
	buf_free(&d.text);
	buf_free(&d.alt);
	if (d.bad) {
		xmlFreeNode(d.root);
		return NULL;
	}
	return d.root;
}
