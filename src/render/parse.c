/* Parse stage: one cmark-gfm document per essay, with the GitHub
 * extensions and footnotes, kept in the essay until rendering is done. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <gumbo.h>

#include "render/render.h"

/* Declared in a private cmark-gfm header only. */
void cmark_release_plugins(void);
/* Exported by the table extension, declared in no header; set when the
 * extensions are registered. */
extern cmark_node_type CMARK_NODE_TABLE, CMARK_NODE_TABLE_CELL;

static const char *const extensions[] = { "table", "strikethrough",
    "autolink", "tasklist" };

/* cmark-gfm's view of an inline parser's text; declared in a private
 * header only. */
struct cmark_chunk {
	unsigned char *data;
	int32_t len, alloc;
};

/* ---- math ----
 *
 * An inline extension reads $...$ and $$...$$ before anything else sees
 * the text between (backslash escapes, emphasis, smart quotes), so the
 * TeX stays as written.  Pandoc's rules for $: the opening one followed
 * by a non-space, the first unescaped $ after it closes, and only when
 * it follows a non-space and is not followed by a digit ("$5 and $10"
 * stays text).  $$ opens display math, the next unescaped $$ closes it.
 * A math node keeps "LINE COL\n" and then the TeX as its string content
 * until parse_math() converts it. */

/* cmark-gfm allocates through the wrappers that end the run cleanly. */
static cmark_mem cm_mem = { xcalloc, xrealloc, free };

static cmark_syntax_extension *math_ext;
static cmark_node_type NODE_MATH, NODE_MATH_DISPLAY;
/* The user data of a raw HTML node that holds converted math (MathML,
 * for the tree builder), or TeX in a span (plain XHTML). */
static char math_made, math_plain;
/* On the document: parse_math() has been through it, diagrams too. */
static char math_done;
/* A listing's HTML (listing.c), well-formed XHTML like math_plain's. */
static char listing_made;
/* Raw HTML made of a ```dot fence: one whole <svg>, for the tree builder. */
static char diagram_made;
/* A formula in a table cell, which takes no node of an extension's own
 * type: a raw HTML node holding "LINE COL\n" and the TeX, inline or
 * display, until parse_math() converts it. */
static char math_cell, math_cell_display;

/* MathJax's \\( ... \\) as kramdown blogs write it in Markdown (the
 * backslash doubled, as Markdown reads \\( as \(): met at its "(", once
 * cmark-gfm has made the escaped backslash before it a "\" of text, which
 * goes.  The TeX is what the site's MathJax saw: Markdown's backslash
 * escapes done ("\_" is "_", "\\\\" is "\\"), nothing else. */
static cmark_node *
match_paren_math(cmark_syntax_extension *x, cmark_node *parent,
    cmark_inline_parser *ip, const unsigned char *s, int len, int pos)
{
	cmark_node *last, *n;
	const char *lit;
	struct buf b = { 0 };
	char *content;
	int end = -1;

	if (pos < 2 || s[pos - 1] != '\\' || s[pos - 2] != '\\' ||
	    (pos >= 3 && s[pos - 3] == '\\'))
		return NULL;
	for (int i = pos + 1; i + 2 < len; i++)
		if (s[i] == '\\' && s[i + 1] == '\\' && s[i + 2] == ')') {
			end = i;
			break;
		} else if (s[i] == '\\')
			i++;
	last = parent ? cmark_node_last_child(parent) : NULL;
	if (end < 0 || last == NULL ||
	    cmark_node_get_type(last) != CMARK_NODE_TEXT ||
	    (lit = cmark_node_get_literal(last)) == NULL || *lit == '\0' ||
	    lit[strlen(lit) - 1] != '\\')
		return NULL;
	for (int i = pos + 1; i < end; i++) {
		if (s[i] == '\\' && i + 1 < end && ispunct(s[i + 1]))
			i++;
		buf_putc(&b, (char)s[i]);
	}
	buf_putc(&b, '\0');
	{
		char *t = xstrndup(lit, strlen(lit) - 1);
		if (*t)
			cmark_node_set_literal(last, t);
		else {
			cmark_node_unlink(last);
			cmark_node_free(last);
		}
		free(t);
	}
	content = xasprintf("%d %d\n%s", cmark_inline_parser_get_line(ip),
	    cmark_inline_parser_get_column(ip) - 2, b.data);
	buf_free(&b);
	if (strcmp(cmark_node_get_type_string(parent), "table_cell") == 0) {
		n = cmark_node_new_with_mem(CMARK_NODE_HTML_INLINE, &cm_mem);
		cmark_node_set_literal(n, content);
		cmark_node_set_user_data(n, &math_cell);
	} else {
		n = cmark_node_new_with_mem_and_ext(NODE_MATH, &cm_mem, x);
		cmark_node_set_string_content(n, content);
	}
	free(content);
	cmark_inline_parser_set_offset(ip, end + 3);
	return n;
}

static cmark_node *
match_math(cmark_syntax_extension *x, cmark_parser *parser,
    cmark_node *parent, unsigned char c, cmark_inline_parser *ip)
{
	struct cmark_chunk *ch = cmark_inline_parser_get_chunk(ip);
	const unsigned char *s = ch->data;
	int len = ch->len, pos = cmark_inline_parser_get_offset(ip);
	int display, start, end = -1, after, i;
	cmark_node *n;
	char *content;

	(void)parser;
	if (c == '(')
		return match_paren_math(x, parent, ip, s, len, pos);
	if (c != '$')
		return NULL;
	display = pos + 1 < len && s[pos + 1] == '$';
	start = pos + (display ? 2 : 1);
	if (!display && (start >= len || isspace(s[start])))
		return NULL;
	for (i = start; i < len; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] != '$')
			continue;
		if (!display) {
			if (!isspace(s[i - 1]) &&
			    !(i + 1 < len && isdigit(s[i + 1])))
				end = i;
			break;
		}
		if (i + 1 < len && s[i + 1] == '$') {
			end = i;
			break;
		}
	}
	if (end < 0 || end == start)
		return NULL;
	after = end + (display ? 2 : 1);
	content = xasprintf("%d %d\n%.*s", cmark_inline_parser_get_line(ip),
	    cmark_inline_parser_get_column(ip), end - start,
	    (const char *)s + start);
	if (parent && strcmp(cmark_node_get_type_string(parent),
	    "table_cell") == 0) {
		n = cmark_node_new_with_mem(CMARK_NODE_HTML_INLINE, &cm_mem);
		cmark_node_set_literal(n, content);
		cmark_node_set_user_data(n, display ? &math_cell_display :
		    &math_cell);
	} else {
		n = cmark_node_new_with_mem_and_ext(display ?
		    NODE_MATH_DISPLAY : NODE_MATH, &cm_mem, x);
		cmark_node_set_string_content(n, content);
	}
	free(content);
	cmark_inline_parser_set_offset(ip, after);
	return n;
}

static const char *
math_type_string(cmark_syntax_extension *x, cmark_node *n)
{
	(void)x;
	return cmark_node_get_type(n) == NODE_MATH ? "math" : "math_display";
}

static void
math_register(void)
{
	cmark_mem *mem = cmark_get_default_mem_allocator();

	if (math_ext)
		return;
	math_ext = cmark_syntax_extension_new("quire-math");
	NODE_MATH = cmark_syntax_extension_add_node(1);
	NODE_MATH_DISPLAY = cmark_syntax_extension_add_node(1);
	cmark_syntax_extension_set_match_inline_func(math_ext, match_math);
	cmark_syntax_extension_set_get_type_string_func(math_ext,
	    math_type_string);
	cmark_syntax_extension_set_special_inline_chars(math_ext,
	    cmark_llist_append(mem, cmark_llist_append(mem, NULL,
	    (void *)(uintptr_t)'$'), (void *)(uintptr_t)'('));
}

static void
html_escape(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		switch (s[i]) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_putc(b, s[i]);
		}
}

/* The markup for one formula: MathML, or the TeX as written when it
 * cannot be converted (reported at loc). */
static char *
math_markup(const char *tex, size_t len, int display,
    const struct loc *loc, struct quire_diag *d, int *mathml)
{
	struct buf b = { 0 };
	char *out = NULL, *why;
	int rc = d ? math_convert(tex, len, display, &out) : MATH_NONE;

	if ((*mathml = rc == MATH_OK))
		return out;
	if (d == NULL)
		;  /* math left for the renderer: shown as TeX, quietly */
	else if (rc == MATH_BAD)
		diag_warn(d, loc, "math not converted, shown as TeX: %s", out);
	else {
		/* Said once, at the book's first formula whichever thread
		 * meets one first. */
		math_missing(&why);
		diag_once(d, "math: no converter", L_WARNING, loc,
		    "math shown as TeX: no TeX to MathML converter (%s; see "
		    "QUIRE_MATH)", why);
		free(why);
	}
	free(out);
	buf_puts(&b, display ? "<span class=\"math display\">" :
	    "<span class=\"math\">");
	html_escape(&b, tex, len);
	buf_puts(&b, "</span>");
	return buf_take(&b);
}

/* Replaces node n by raw HTML holding html. */
static void
math_replace(cmark_node *n, char *html, int block, int mathml)
{
	cmark_node *r = cmark_node_new_with_mem(block ? CMARK_NODE_HTML_BLOCK :
	    CMARK_NODE_HTML_INLINE, &cm_mem);

	cmark_node_set_literal(r, html);
	cmark_node_set_user_data(r, mathml ? &math_made : &math_plain);
	cmark_node_insert_before(n, r);
	cmark_node_unlink(n);
	cmark_node_free(n);
	free(html);
}

static int
is_math_cell(cmark_node *n)
{
	return cmark_node_get_type(n) == CMARK_NODE_HTML_INLINE &&
	    (cmark_node_get_user_data(n) == &math_cell ||
	    cmark_node_get_user_data(n) == &math_cell_display);
}

/* Whether n is inside an image's description (its alt text). */
static int
in_image(cmark_node *n)
{
	while ((n = cmark_node_parent(n)) != NULL)
		if (cmark_node_get_type(n) == CMARK_NODE_IMAGE)
			return 1;
	return 0;
}

/* Replaces node n by the text of its TeX. */
static void
math_text(cmark_node *n, const char *tex, size_t len)
{
	cmark_node *r = cmark_node_new_with_mem(CMARK_NODE_TEXT, &cm_mem);
	char *t = xstrndup(tex, len);

	cmark_node_set_literal(r, t);
	free(t);
	cmark_node_insert_before(n, r);
	cmark_node_unlink(n);
	cmark_node_free(n);
}

/* Whether paragraph n may be MathJax's display math as kramdown blogs
 * write it, \\[ ... \\] (Markdown made its first "\\" a "\"). */
static int
bracket_start(cmark_node *n)
{
	cmark_node *k = cmark_node_first_child(n);
	const char *lit;

	return k && cmark_node_get_type(k) == CMARK_NODE_TEXT &&
	    (lit = cmark_node_get_literal(k)) != NULL && lit[0] == '\\';
}

/* The TeX of paragraph n when its source, as written, is \\[ TeX \\]
 * and nothing else, with Markdown's backslash escapes done (what the
 * site's MathJax saw); NULL otherwise.  *lines indexes the starts of the
 * body's lines, made at the first call. */
static char *
bracket_tex(struct essay *e, cmark_node *n, size_t **lines, size_t *nlines)
{
	const char *body, *p, *q;
	size_t blen, from, to;
	int sl = cmark_node_get_start_line(n), el = cmark_node_get_end_line(n);
	struct buf b = { 0 };

	if (e->text == NULL || sl < 1 || el < sl)
		return NULL;
	body = e->text + e->body;
	blen = e->len - e->body;
	if (*lines == NULL) {
		GROW(*lines, *nlines);
		(*lines)[(*nlines)++] = 0;
		for (size_t i = 0; i < blen; i++)
			if (body[i] == '\n') {
				GROW(*lines, *nlines);
				(*lines)[(*nlines)++] = i + 1;
			}
	}
	if ((size_t)el > *nlines)
		return NULL;
	from = (*lines)[sl - 1];
	to = (size_t)el < *nlines ? (*lines)[el] : blen;
	p = body + from;
	q = body + to;
	while (p < q && (*p == ' ' || *p == '\t'))
		p++;
	while (q > p && isspace((unsigned char)q[-1]))
		q--;
	if (q - p < 6 || memcmp(p, "\\\\[", 3) != 0 ||
	    memcmp(q - 3, "\\\\]", 3) != 0)
		return NULL;
	for (p += 3, q -= 3; p < q && isspace((unsigned char)*p); p++)
		;
	while (q > p && isspace((unsigned char)q[-1]))
		q--;
	for (; p < q; p++) {
		if (*p == '\\' && p + 1 < q && ispunct((unsigned char)p[1]))
			p++;
		buf_putc(&b, *p);
	}
	buf_putc(&b, '\0');
	return buf_take(&b);
}

/* Converts every formula of the essay: the math nodes, and ```math
 * fences.  After parse_essay(), before parse_segments(); outside the
 * parse lock (the converter is shared under a lock of its own).  With
 * no diagnostics (d NULL), the formulas left are shown as TeX: cmark-gfm
 * cannot render a math node itself. */
static void parse_diagrams(struct essay *, struct quire_diag *);

int
parse_math(struct essay *e, struct quire_diag *d)
{
	cmark_node **v = NULL, *n;
	cmark_iter *it;
	cmark_event_type ev;
	size_t nv = 0, *lines = NULL, nlines = 0;
	int mathml, any = 0;

	if (e->w->doc == NULL)
		return 0;
	/* A build's pass (with d) leaves nothing for a later one. */
	if (d == NULL && cmark_node_get_user_data(e->w->doc) == &math_done)
		return 0;
	if (d) {
		parse_diagrams(e, d);
		cmark_node_set_user_data(e->w->doc, &math_done);
	}
	it = cmark_iter_new(e->w->doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (cmark_node_get_type(n) == NODE_MATH ||
		    cmark_node_get_type(n) == NODE_MATH_DISPLAY ||
		    is_math_cell(n)) {
			GROW(v, nv);
			v[nv++] = n;
		} else if (cmark_node_get_type(n) == CMARK_NODE_PARAGRAPH &&
		    bracket_start(n)) {
			GROW(v, nv);
			v[nv++] = n;
		} else if (cmark_node_get_type(n) == CMARK_NODE_CODE_BLOCK) {
			const char *info = cmark_node_get_fence_info(n);
			if (info && strncmp(info, "math", 4) == 0 &&
			    (info[4] == '\0' || isspace((unsigned char)info[4]))) {
				GROW(v, nv);
				v[nv++] = n;
			}
		}
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < nv; i++) {
		struct loc loc = { e->path, 0, 0 };
		char *html;

		n = v[i];
		if (cmark_node_get_type(n) == CMARK_NODE_PARAGRAPH) {
			char *tex = bracket_tex(e, n, &lines, &nlines);

			if (tex == NULL)
				continue;
			loc.line = cmark_node_get_start_line(n) + e->body_line - 1;
			loc.col = cmark_node_get_start_column(n);
			html = math_markup(tex, strlen(tex), 1, &loc, d,
			    &mathml);
			free(tex);
			{
				char *p = xasprintf("<p data-sourcepos=\"%d:%d-%d:%d\">"
				    "%s</p>\n", cmark_node_get_start_line(n),
				    cmark_node_get_start_column(n),
				    cmark_node_get_end_line(n),
				    cmark_node_get_end_column(n), html);
				free(html);
				html = p;
			}
			math_replace(n, html, 1, mathml);
		} else if (cmark_node_get_type(n) == CMARK_NODE_CODE_BLOCK) {
			const char *tex = cmark_node_get_literal(n);
			size_t len = tex ? strlen(tex) : 0;

			while (len && (tex[len - 1] == '\n' || tex[len - 1] == ' '))
				len--;
			loc.line = cmark_node_get_start_line(n) + e->body_line - 1;
			loc.col = cmark_node_get_start_column(n);
			html = math_markup(tex ? tex : "", len, 1, &loc, d,
			    &mathml);
			/* A paragraph of its own, as display math is. */
			{
				char *p = xasprintf("<p data-sourcepos=\"%d:%d-%d:%d\">"
				    "%s</p>\n", cmark_node_get_start_line(n),
				    cmark_node_get_start_column(n),
				    cmark_node_get_end_line(n),
				    cmark_node_get_end_column(n), html);
				free(html);
				html = p;
			}
			math_replace(n, html, 1, mathml);
		} else {
			const char *s = is_math_cell(n) ?
			    cmark_node_get_literal(n) :
			    cmark_node_get_string_content(n);
			const char *tex = strchr(s, '\n');
			int display = cmark_node_get_type(n) ==
			    NODE_MATH_DISPLAY || cmark_node_get_user_data(n) ==
			    &math_cell_display;
			int line = atoi(s), col = atoi(strchr(s, ' ') + 1);

			tex = tex ? tex + 1 : "";
			while (isspace((unsigned char)*tex))
				tex++;
			loc.line = line + e->body_line - 1;
			loc.col = col;
			{
				size_t len = strlen(tex);
				while (len && isspace((unsigned char)tex[len - 1]))
					len--;
				if (in_image(n)) {
					/* An image's text is its alt=: the TeX. */
					math_text(n, tex, len);
					continue;
				}
				html = math_markup(tex, len, display, &loc, d,
				    &mathml);
			}
			math_replace(n, html, 0, mathml);
		}
		any |= mathml;
	}
	if (any)
		e->w->plain = 0;  /* MathML is for the tree builder */
	free(v);
	free(lines);
	return 0;
}


static int html_opts = CMARK_OPT_UNSAFE | CMARK_OPT_FOOTNOTES |
    CMARK_OPT_SOURCEPOS | CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES;

static char *
render_node(cmark_node *n)
{
	cmark_llist *exts = NULL;
	cmark_mem *mem = cmark_get_default_mem_allocator();
	char *html;

	for (size_t i = 0; i < sizeof(extensions) / sizeof(*extensions); i++) {
		cmark_syntax_extension *x =
		    cmark_find_syntax_extension(extensions[i]);
		if (x)
			exts = cmark_llist_append(mem, exts, x);
	}
	html = cmark_render_html(n, html_opts, exts);
	cmark_llist_free(mem, exts);
	return html;
}

/* The HTML of the essay, for the HTML5 tree builder; caller frees. */
char *
parse_render_html(struct essay *e)
{
	parse_math(e, NULL);
	return render_node(e->w->doc);
}

/* ---- segments ----
 *
 * Most raw HTML in Markdown is a few self-contained lines (a centred
 * logo, badges, a <details> box) in an essay that is otherwise plain.
 * The essay's top-level blocks are rendered one by one and grouped into
 * segments: runs of plain blocks, whose tree is made from their nodes
 * (direct.c) or, failing that, their HTML read as XML (render.c), and
 * the spans around raw HTML, which go through the HTML5 tree builder.
 * A span ends at the first block boundary where the raw HTML seen so far
 * has closed every element it opened, strictly in order, with nothing
 * that changes the tree builder's state beyond that (raw text, foreign
 * content, a link in a link, a stray end tag...): then the builder is
 * back where a whole-document parse would be, in body with nothing
 * open, and reading the span alone gives the same tree.  Anything the
 * scan does not understand makes the span run to the end of the essay.
 * One more way a span ends: a block of the document itself whose own end tags
 * pop what its raw HTML left open (block_closes()): a paragraph whose
 * raw HTML opened only elements of unknown names ("<COPYRIGHT HOLDER>"
 * in a licence), a list item's <details> never closed.  And an
 * <a> left open ("<a name=x />": "/>" closes no HTML element) stays in
 * the builder's list of formatting elements, copied around the text
 * that follows, until the next <a> start tag takes it out of the list
 * and off the stack: the span runs to the end of the first block after
 * it with a Markdown link opened while nothing else was open, outside
 * any table (whose cells hide the list), not to the end of the essay. */

#define SCAN_DEPTH 64

struct scan {
	char open[SCAN_DEPTH][16];  /* raw elements open, innermost last */
	int depth;
	int floor;                  /* in a table cell: the depth there */
	int dirty;                  /* the span runs to the end */
	int known;                  /* a start tag of a known name, bar a
				     * few voids that leave a p open */
	int items;                  /* a start tag of li, dd or dt */
	int pending_a;              /* an <a> left open (see above) */
	int link_clear;             /* a Markdown link opened with nothing
				     * open, outside tables */
};

static int
name_is(const char *name, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(name, *set) == 0)
			return 1;
	return 0;
}

/* Whether an element of that name is open in the span. */
static int
scan_open(const struct scan *sc, const char *name)
{
	for (int i = 0; i < sc->depth; i++)
		if (strcmp(sc->open[i], name) == 0)
			return 1;
	return 0;
}

/* Past the next '>' (a declaration, a bogus comment); with none, the
 * span is dirty: the tokenizer reads on into what follows. */
static const char *
past_gt(struct scan *sc, const char *p)
{
	const char *c = strchr(p, '>');

	if (c == NULL) {
		sc->dirty = 1;
		return p;
	}
	return c + 1;
}

/* Scans one raw HTML literal; in_link: it stands inside a Markdown link;
 * top: it is an HTML block of the document itself, where only what raw
 * HTML opened is open. */
static void
scan_literal(struct scan *sc, const char *p, int in_link, int top)
{
	static const char *const voids[] = { "area", "base", "basefont",
	    "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
	    "input", "keygen", "link", "meta", "param", "source", "track",
	    "wbr", NULL };
	static const char *const neutral[] = { "html", "head", "body",
	    "frameset", NULL };
	/* Voids that do not close an open p (hr does). */
	static const char *const inline_voids[] = { "br", "img", "image",
	    "wbr", "input", "keygen", "area", "embed", NULL };
	/* Elements whose text the tree builder reads raw (script, the
	 * RAWTEXT and RCDATA ones) or in another namespace: what follows
	 * them cannot be told apart from here. */
	static const char *const risky[] = { "plaintext", "svg", "math",
	    "script", "title", "textarea", "style", "xmp", "iframe",
	    "noembed", "noframes", "noscript", NULL };

	const char *end = p + strlen(p);

	while (!sc->dirty && (p = strchr(p, '<')) != NULL) {
		char name[16];
		size_t n = 0;
		int close = 0;

		if (strncmp(p, "<!--", 4) == 0) {
			const char *c = find_bytes(p + 4, end, "-->", 3);
			if (c == NULL)
				sc->dirty = 1;
			else
				p = c + 3;
			continue;
		}
		if (p[1] == '!' || p[1] == '?') {
			p = past_gt(sc, p);
			continue;
		}
		p++;
		if (*p == '\0' || (*p == '/' && p[1] == '\0')) {
			/* What follows the literal decides: no telling. */
			sc->dirty = 1;
			return;
		}
		if (*p == '/') {
			close = 1;
			p++;
			if (*p == '>') {
				p++;  /* "</>": no token at all */
				continue;
			}
			if (*p && !((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z'))) {
				/* A bogus comment, up to the next '>'. */
				p = past_gt(sc, p);
				continue;
			}
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			continue;  /* text, as the tokenizer reads it */
		while (*p && !strchr(" \t\n\f\r/>", *p)) {
			if (n + 1 >= sizeof(name)) {
				sc->dirty = 1;
				return;
			}
			name[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			p++;
		}
		name[n] = '\0';
		/* The attributes, read as the tokenizer reads them: a quote
		 * opens a value only right after '='. */
		while (*p && *p != '>') {
			if (strchr(" \t\n\f\r/", *p)) {
				p++;
				continue;
			}
			p++;  /* an attribute name's first character may be '=' */
			while (*p && !strchr(" \t\n\f\r/>=", *p))
				p++;
			while (*p && strchr(" \t\n\f\r", *p))
				p++;
			if (*p != '=')
				continue;
			p++;
			while (*p && strchr(" \t\n\f\r", *p))
				p++;
			if (*p == '"' || *p == '\'') {
				const char *c = strchr(p + 1, *p);
				if (c == NULL)
					break;
				p = c + 1;
			} else
				while (*p && !strchr(" \t\n\f\r>", *p))
					p++;
		}
		if (*p != '>') {
			sc->dirty = 1;  /* a tag left open: the tokenizer reads on */
			return;
		}
		p++;
		if (!close && gumbo_tag_enum(name) != GUMBO_TAG_UNKNOWN &&
		    !name_is(name, inline_voids))
			sc->known = 1;
		if (!close && (strcmp(name, "li") == 0 ||
		    strcmp(name, "dd") == 0 || strcmp(name, "dt") == 0))
			sc->items = 1;
		if (name_is(name, neutral) || name_is(name, voids))
			continue;
		if (name_is(name, risky) || (in_link && strcmp(name, "a") == 0)) {
			sc->dirty = 1;
			return;
		}
		if (close) {
			/* A table cell is a marker among the tree builder's
			 * formatting elements: an end tag in it cannot close
			 * what was opened before the cell (it is ignored, and
			 * that element stays to be reopened later). */
			if (sc->depth > sc->floor &&
			    strcmp(sc->open[sc->depth - 1], name) == 0)
				sc->depth--;
			else if (!top || scan_open(sc, name))
				sc->dirty = 1;
			/* else: an end tag for nothing open, which the tree
			 * builder ignores (or, for </p>, answers with an empty
			 * paragraph): the state is unchanged. */
		} else {
			/* "/>" closes nothing on an HTML element. */
			if (sc->depth == SCAN_DEPTH)
				sc->dirty = 1;
			else
				memcpy(sc->open[sc->depth++], name, n + 1);
		}
	}
}

/* Whether the block ends with nothing open that raw HTML opened in it,
 * though the scan saw elements left open: cmark-gfm's end tag for the
 * block (</p>, </h2>) pops the ordinary elements raw HTML opened in it
 * when nothing else was opened, and </li>, </ul>, </blockquote> pop
 * any element but those that stop their search (a table, a cell, a
 * list...) or that leave a trace after they are popped (formatting
 * elements are copied again later, a form stays the form, a select
 * changes how what follows is read); no li, dd or dt start tag may have
 * closed an item before its end tag.  Not an HTML block (nothing of
 * cmark-gfm's closes it), not a table (cells and foster parenting). */
static int
block_closes(cmark_node *n, const struct scan *sc)
{
	static const char *const sticky[] = { "a", "b", "big", "code", "em",
	    "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
	    "applet", "caption", "table", "tbody", "thead", "tfoot", "tr",
	    "td", "th", "colgroup", "marquee", "object", "template", "ol",
	    "ul", "li", "dd", "dt", "select", "form", NULL };
	cmark_node_type t = cmark_node_get_type(n);

	if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING)
		return !sc->known;
	if (t != CMARK_NODE_LIST && t != CMARK_NODE_BLOCK_QUOTE)
		return 0;
	if (sc->items)
		return 0;
	for (int i = 0; i < sc->depth; i++)
		if (name_is(sc->open[i], sticky))
			return 0;
	return 1;
}

/* Whether the elements raw HTML left open are all <a>. */
static int
only_a(const struct scan *sc)
{
	for (int i = 0; i < sc->depth; i++)
		if (strcmp(sc->open[i], "a") != 0)
			return 0;
	return 1;
}

/* Whether the block holds raw HTML (or a link in a link), scanning it. */
static int
block_raw(cmark_node *block, struct scan *sc)
{
	cmark_iter *it = cmark_iter_new(block);
	cmark_event_type ev;
	int links = 0, raw = 0, tables = 0, images = 0;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);

		if (t == CMARK_NODE_TABLE_CELL) {
			sc->floor = ev == CMARK_EVENT_ENTER ? sc->depth : 0;
		} else if (t == CMARK_NODE_TABLE) {
			tables += ev == CMARK_EVENT_ENTER ? 1 : -1;
		} else if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
			if (t == CMARK_NODE_IMAGE)
				images += ev == CMARK_EVENT_ENTER ? 1 : -1;
			if (ev == CMARK_EVENT_ENTER) {
				/* A link in an image's text writes no <a>. */
				if (t == CMARK_NODE_LINK && !tables && !images &&
				    !sc->dirty && sc->depth == 0)
					sc->link_clear = 1;
				if (t == CMARK_NODE_LINK && links)
					raw = 1;  /* the builder splits it */
				links++;
			} else
				links--;
		} else if (t == CMARK_NODE_FOOTNOTE_REFERENCE && links) {
			raw = 1;  /* a note's link inside a link: split too */
		} else if ((t == CMARK_NODE_HTML_BLOCK ||
		    t == CMARK_NODE_HTML_INLINE) &&
		    (cmark_node_get_user_data(n) == &math_made ||
		    cmark_node_get_user_data(n) == &diagram_made)) {
			raw = 1;  /* MathML or SVG, whole: the tree builder
				   * reads it */
		} else if ((t == CMARK_NODE_HTML_BLOCK ||
		    t == CMARK_NODE_HTML_INLINE) &&
		    (cmark_node_get_user_data(n) == &math_plain ||
		    cmark_node_get_user_data(n) == &listing_made ||
		    is_math_cell(n))) {
			/* TeX in a span, a listing: well-formed XHTML */
		} else if (t == CMARK_NODE_HTML_BLOCK ||
		    t == CMARK_NODE_HTML_INLINE) {
			const char *lit = cmark_node_get_literal(n);
			raw = 1;
			scan_literal(sc, lit ? lit : "", links > 0,
			    t == CMARK_NODE_HTML_BLOCK && cmark_node_get_type(
			    cmark_node_parent(n)) == CMARK_NODE_DOCUMENT);
		}
	}
	cmark_iter_free(it);
	return raw;
}

/* The length of an English contraction or possessive that ends s: an
 * apostrophe (' or U+2019) and one to three letters ("'s", "'ll"); 0 if
 * there is none. */
static size_t
contraction(const char *s)
{
	size_t n = strlen(s), k = n;

	while (k > 0 && n - k < 3 && ((s[k - 1] >= 'a' && s[k - 1] <= 'z') ||
	    (s[k - 1] >= 'A' && s[k - 1] <= 'Z')))
		k--;
	if (k == n || k == 0)
		return 0;
	if (s[k - 1] == '\'')
		return n - k + 1;
	if (k >= 3 && memcmp(s + k - 3, "\xe2\x80\x99", 3) == 0)
		return n - k + 3;
	return 0;
}

/* Whether the raw inline HTML lit opens an <a> (1), closes one (-1). */
static int
raw_anchor(const char *lit)
{
	if (lit == NULL || lit[0] != '<')
		return 0;
	if (lit[1] == '/')
		return (lit[2] | 32) == 'a' && !isalnum((unsigned char)lit[3]) ?
		    -1 : 0;
	return (lit[1] | 32) == 'a' && (lit[2] == '>' ||
	    isspace((unsigned char)lit[2])) ? 1 : 0;
}

/* <a href="U">U</a> written in raw HTML: cmark-gfm makes an autolink of
 * the U inside, and a link in a link becomes two (an empty one first).
 * An autolink inside a raw anchor is its text again. */
/* Whether s[0, n) has "<a" or "<A": what raw_anchor() needs to open one
 * (the literal of raw HTML is the source's bytes). */
static int
maybe_raw_anchor(const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end && (s = memchr(s, '<', (size_t)(end - s))) != NULL) {
		if (++s < end && (*s | 32) == 'a')
			return 1;
	}
	return 0;
}

static void
unlink_in_anchors(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	cmark_node **v = NULL;
	size_t nv = 0;
	int open = 0;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it), *t;
		cmark_node_type ty = cmark_node_get_type(n);
		const char *lit, *url;

		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (ty == CMARK_NODE_HTML_INLINE) {
			open += raw_anchor(cmark_node_get_literal(n));
			if (open < 0)
				open = 0;
		} else if (ty == CMARK_NODE_LINK && open > 0 &&
		    (t = cmark_node_first_child(n)) != NULL &&
		    cmark_node_next(t) == NULL &&
		    cmark_node_get_type(t) == CMARK_NODE_TEXT &&
		    (lit = cmark_node_get_literal(t)) != NULL &&
		    (url = cmark_node_get_url(n)) != NULL &&
		    strlen(url) >= strlen(lit) &&
		    strcmp(url + strlen(url) - strlen(lit), lit) == 0) {
			GROW(v, nv);
			v[nv++] = n;
		} else if (!(ty & CMARK_NODE_TYPE_INLINE))
			open = 0;  /* a block: the anchor ended with the last */
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < nv; i++) {
		cmark_node *t = cmark_node_first_child(v[i]);

		cmark_node_unlink(t);
		cmark_node_insert_before(v[i], t);
		cmark_node_unlink(v[i]);
		cmark_node_free(v[i]);
	}
	free(v);
}

/* Whether a fence's language is one drawn as a diagram. */
static int
is_dot(const char *lang)
{
	return lang && diagram_lang(lang, strlen(lang));
}

/* A fenced code block whose info string asks for more than a language
 * (listing.c) becomes that listing's HTML. */
static void
listing_replace(cmark_node *k)
{
	cmark_node *r;
	char pos[64], *html;
	const char *code = cmark_node_get_literal(k);

	snprintf(pos, sizeof(pos), "%d:%d-%d:%d",
	    cmark_node_get_start_line(k), cmark_node_get_start_column(k),
	    cmark_node_get_end_line(k), cmark_node_get_end_column(k));
	html = listing_markup(cmark_node_get_fence_info(k),
	    code ? code : "", pos);
	if (html == NULL)
		return;
	r = cmark_node_new_with_mem(CMARK_NODE_HTML_BLOCK, &cm_mem);
	cmark_node_set_literal(r, html);
	cmark_node_set_user_data(r, &listing_made);
	cmark_node_insert_before(k, r);
	cmark_node_unlink(k);
	cmark_node_free(k);
	free(html);
}

/* The fenced code blocks of doc, in order; with dot: only those of a
 * diagram's language, else all but those. */
static size_t
fences(cmark_node *doc, int dot, cmark_node ***out)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	cmark_node **v = NULL;
	size_t n = 0;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *k = cmark_iter_get_node(it);
		int len = 0, off = 0;
		char ch = 0, *lang, *label;

		if (ev != CMARK_EVENT_ENTER ||
		    cmark_node_get_type(k) != CMARK_NODE_CODE_BLOCK ||
		    !cmark_node_get_fenced(k, &len, &off, &ch) || len <= 0)
			continue;
		lang = listing_lang(cmark_node_get_fence_info(k), &label, NULL);
		if (is_dot(lang) == dot) {
			GROW(v, n);
			v[n++] = k;
		}
		free(lang);
		free(label);
	}
	cmark_iter_free(it);
	*out = v;
	return n;
}

/* Fenced code blocks whose info string asks for more than a language
 * become listings; diagrams wait for parse_diagrams(). */
static void
listings(cmark_node *doc)
{
	cmark_node **v;
	size_t n = fences(doc, 0, &v);

	for (size_t i = 0; i < n; i++)
		listing_replace(v[i]);
	free(v);
}

/* Diagram languages quire does not draw: their fences stay code, said
 * once a book for each. */
static const char *
undrawn(const char *lang)
{
	static const char *const kinds[][2] = {
		{ "mermaid", "mermaid" }, { "plantuml", "plantuml" },
		{ "puml", "plantuml" }, { "ditaa", "ditaa" }, { "d2", "d2" },
		{ "pikchr", "pikchr" }, { "svgbob", "svgbob" },
		{ "bob", "svgbob" }, { "nomnoml", "nomnoml" },
		{ "wavedrom", "wavedrom" }, { "blockdiag", "blockdiag" },
		{ "seqdiag", "seqdiag" }, { "actdiag", "actdiag" },
		{ "nwdiag", "nwdiag" }, { "vega", "vega" },
		{ "vega-lite", "vega-lite" }, { "tikz", "tikz" },
		{ "bpmn", "bpmn" }, { "excalidraw", "excalidraw" },
	};

	if (lang == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (strcasecmp(lang, kinds[i][0]) == 0)
			return kinds[i][1];
	return NULL;
}

static void
undrawn_fences(struct essay *e, struct quire_diag *d)
{
	cmark_node **v;
	size_t n = fences(e->w->doc, 0, &v);

	for (size_t i = 0; i < n; i++) {
		char *label, *lang = listing_lang(
		    cmark_node_get_fence_info(v[i]), &label, NULL);
		const char *kind = undrawn(lang);

		if (kind) {
			struct loc loc = { e->path, cmark_node_get_start_line(
			    v[i]) + e->body_line - 1,
			    cmark_node_get_start_column(v[i]) };
			char key[64];

			snprintf(key, sizeof(key), "diagram: %s", kind);
			diag_once(d, key, L_WARNING, &loc, "%s diagrams are not "
			    "drawn; kept as code", kind);
		}
		free(lang);
		free(label);
	}
	free(v);
}

/* Every ```dot (```graphviz, ```{.dot}) fence drawn to an inline SVG;
 * one Graphviz cannot draw (reported) stays code.  After parse_essay(),
 * outside the parse lock (Graphviz has a lock of its own). */
static void
parse_diagrams(struct essay *e, struct quire_diag *d)
{
	cmark_node **v;
	size_t n;
	int drawn = 0;

	if (e->w->doc == NULL)
		return;
	n = fences(e->w->doc, 1, &v);
	for (size_t i = 0; i < n; i++) {
		cmark_node *k = v[i], *r;
		const char *code = cmark_node_get_literal(k);
		char *label, *id, *lang = listing_lang(
		    cmark_node_get_fence_info(k), &label, &id), *svg, *why,
		    prefix[32];
		struct loc loc = { e->path, cmark_node_get_start_line(k) +
		    e->body_line - 1, cmark_node_get_start_column(k) };
		struct buf b = { 0 };

		free(lang);
		snprintf(prefix, sizeof(prefix), "diagram-%zu-", i + 1);
		if (diagram_svg(code ? code : "", label ? label : "Diagram",
		    prefix, &svg, &why) < 0) {
			diag_warn(d, &loc, "dot diagram not drawn, kept as "
			    "code: %s", why);
			free(why);
			free(label);
			free(id);
			listing_replace(k);
			continue;
		}
		buf_puts(&b, "<figure class=\"diagram\"");
		if (id) {
			buf_puts(&b, " id=\"");
			html_escape(&b, id, strlen(id));
			buf_putc(&b, '"');
		}
		buf_printf(&b, " data-sourcepos=\"%d:%d-%d:%d\">",
		    cmark_node_get_start_line(k), cmark_node_get_start_column(k),
		    cmark_node_get_end_line(k), cmark_node_get_end_column(k));
		buf_puts(&b, svg);
		if (label) {
			buf_puts(&b, "<figcaption>");
			html_escape(&b, label, strlen(label));
			buf_puts(&b, "</figcaption>");
		}
		buf_puts(&b, "</figure>\n");
		free(svg);
		free(label);
		free(id);
		r = cmark_node_new_with_mem(CMARK_NODE_HTML_BLOCK, &cm_mem);
		cmark_node_set_literal(r, b.data);
		buf_free(&b);
		cmark_node_set_user_data(r, &diagram_made);
		cmark_node_insert_before(k, r);
		cmark_node_unlink(k);
		cmark_node_free(k);
		drawn = 1;
	}
	free(v);
	if (drawn)
		e->w->plain = 0;  /* SVG is for the tree builder */
}

/* The name of the tag that the raw inline HTML lit is, alone (an open,
 * end or self-closing tag), into name; 0 if lit is anything else (a
 * comment, a declaration, a name too long).  *close: an end tag. */
static int
lone_tag(const char *lit, char name[32], int *close, int *selfclose)
{
	const char *p = lit, *end;
	size_t n = 0;

	if (p == NULL || *p++ != '<')
		return 0;
	*close = *p == '/';
	p += *close;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '-' || *p == ':' ||
	    *p == '_' || *p == '.') {
		if (n == 31)
			return 0;
		name[n++] = *p++;
	}
	name[n] = '\0';
	end = lit + strlen(lit);
	*selfclose = end - lit >= 2 && end[-2] == '/';
	return end > lit && end[-1] == '>';
}

/* Tags in prose that name no HTML element (List<String>, Vec<T>): the
 * HTML5 tree builder would make unknown elements of them, which the
 * sanitiser unwraps, and the words would vanish.  They stay as text,
 * said once for each name in an essay.  Not inside raw SVG or MathML
 * written inline, whose element names are not HTML's. */
static void
prose_tags(struct essay *e, struct quire_diag *d)
{
	cmark_iter *it = cmark_iter_new(e->w->doc);
	cmark_event_type ev;
	cmark_node **v = NULL;
	size_t nv = 0;
	int foreign = 0;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		char name[32];
		int close, selfclose;

		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (!(cmark_node_get_type(n) & CMARK_NODE_TYPE_INLINE)) {
			foreign = 0;  /* a block: raw SVG ended with the last */
			continue;
		}
		if (cmark_node_get_type(n) != CMARK_NODE_HTML_INLINE ||
		    cmark_node_get_user_data(n) != NULL ||
		    !lone_tag(cmark_node_get_literal(n), name, &close,
		    &selfclose))
			continue;
		if (strcasecmp(name, "svg") == 0 ||
		    strcasecmp(name, "math") == 0) {
			if (!selfclose)
				foreign += close ? -1 : 1;
			if (foreign < 0)
				foreign = 0;
			continue;
		}
		if (foreign || gumbo_tag_enum(name) != GUMBO_TAG_UNKNOWN)
			continue;
		GROW(v, nv);
		v[nv++] = n;
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < nv; i++) {
		cmark_node *n = v[i], *t;
		const char *lit = cmark_node_get_literal(n);
		char name[32], *key;
		int close, selfclose;
		struct loc loc = { e->path, cmark_node_get_start_line(n) +
		    e->body_line - 1, cmark_node_get_start_column(n) };

		lone_tag(lit, name, &close, &selfclose);
		key = xasprintf("tag %s\n%s", name, e->path);
		diag_once(d, key, L_WARNING, &loc, "<%s> is not an HTML "
		    "element; kept as text", name);
		free(key);
		t = cmark_node_new_with_mem(CMARK_NODE_TEXT, &cm_mem);
		cmark_node_set_literal(t, lit);
		cmark_node_insert_before(n, t);
		cmark_node_unlink(n);
		cmark_node_free(n);
	}
	free(v);
}

/* cmark-gfm's autolinks take "https://example.com's" whole: an address
 * with an apostrophe in its host, which no reader resolves.  An autolink
 * (a link whose one text is its address) ending in a contraction ends
 * before it; the contraction follows as text. */
static void
trim_autolinks(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it), *t, *tail;
		const char *lit, *url;
		size_t nl, nu, k;
		char *head, *rest;

		if (ev != CMARK_EVENT_ENTER ||
		    cmark_node_get_type(n) != CMARK_NODE_LINK ||
		    (t = cmark_node_first_child(n)) == NULL ||
		    cmark_node_next(t) != NULL ||
		    cmark_node_get_type(t) != CMARK_NODE_TEXT ||
		    (lit = cmark_node_get_literal(t)) == NULL ||
		    (url = cmark_node_get_url(n)) == NULL)
			continue;
		nl = strlen(lit);
		nu = strlen(url);
		if (nu < nl || strcmp(url + nu - nl, lit) != 0 ||
		    (k = contraction(lit)) == 0 || k >= nl)
			continue;
		rest = xstrdup(lit + nl - k);
		head = xstrndup(url, nu - k);
		cmark_node_set_url(n, head);
		free(head);
		head = xstrndup(lit, nl - k);
		cmark_node_set_literal(t, head);
		free(head);
		tail = cmark_node_new_with_mem(CMARK_NODE_TEXT, &cm_mem);
		cmark_node_set_literal(tail, rest);
		cmark_node_insert_after(n, tail);
		free(rest);
	}
	cmark_iter_free(it);
}



static const int parse_opts = CMARK_OPT_FOOTNOTES | CMARK_OPT_VALIDATE_UTF8 |
    CMARK_OPT_SMART | CMARK_OPT_SOURCEPOS;

/* The options for the essay's Markdown: cmark-gfm's own check of its
 * UTF-8 left out when the text is already what it would make of it
 * (read text is, bar what a site's shortcodes or citations put in). */
static int
opts_for(const struct essay *e)
{
	if (xml_clean_span(e->text + e->body, e->len - e->body) ==
	    e->len - e->body)
		return parse_opts & ~CMARK_OPT_VALIDATE_UTF8;
	return parse_opts;
}

/* A node made with the document's allocator (a node of another one
 * cannot be inserted). */
void *
parse_new_node(int type)
{
	return cmark_node_new_with_mem((cmark_node_type)type, &cm_mem);
}

/* The essay's Markdown as parse_essay() has it where citations are
 * found (cite.c's pre-pass); under the parse lock.  Caller frees it. */
void *
parse_cite_doc(struct essay *e)
{
	cmark_parser *p = cmark_parser_new_with_mem(opts_for(e), &cm_mem);
	cmark_node *doc;

	for (size_t i = 0; i < sizeof(extensions) / sizeof(*extensions); i++) {
		cmark_syntax_extension *x =
		    cmark_find_syntax_extension(extensions[i]);
		if (x)
			cmark_parser_attach_syntax_extension(p, x);
	}
	cmark_parser_attach_syntax_extension(p, math_ext);
	cmark_parser_feed(p, e->text + e->body, e->len - e->body);
	doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	trim_autolinks(doc);
	unlink_in_anchors(doc);
	return doc;
}

int
parse_essay(struct essay *e, struct quire_diag *d)
{
	int opts = opts_for(e);
	cmark_parser *p;

	essay_work(e);
	cmark_gfm_core_extensions_ensure_registered();
	math_register();
	/* Front-matter titles get the punctuation the body gets. */
	if (e->title) {
		char *t = site_smart(e->title);
		free(e->title);
		e->title = t;
	}
	if (EMORE(e)->subtitle) {
		char *t = site_smart(e->more->subtitle);
		free(e->more->subtitle);
		e->more->subtitle = t;
	}
	p = cmark_parser_new_with_mem(opts, &cm_mem);
	for (size_t i = 0; i < sizeof(extensions) / sizeof(*extensions); i++) {
		cmark_syntax_extension *x =
		    cmark_find_syntax_extension(extensions[i]);
		if (x)
			cmark_parser_attach_syntax_extension(p, x);
	}
	cmark_parser_attach_syntax_extension(p, math_ext);
	cmark_parser_feed(p, e->text + e->body, e->len - e->body);
	e->w->doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	trim_autolinks(e->w->doc);
	if (d) {
		undrawn_fences(e, d);
		prose_tags(e, d);
	}
	listings(e->w->doc);
	if (maybe_raw_anchor(e->text + e->body, e->len - e->body))
		unlink_in_anchors(e->w->doc);
	cite_essay(e, e->w->doc);  /* citations, when there is a bibliography */
	{
		/* No raw HTML and no link in a link (which the HTML5 tree
		 * builder splits): cmark-gfm's HTML for the document is then
		 * well-formed XML but for its valueless footnote attributes. */
		struct scan sc;

		memset(&sc, 0, sizeof(sc));
		e->w->plain = !block_raw(e->w->doc, &sc);
	}
	return 0;
}

static void
seg_add(struct segment **v, size_t *n, struct buf *b, int raw)
{
	if (b->len == 0)
		return;
	GROW(*v, *n);
	(*v)[*n].html = buf_take(b);
	(*v)[*n].raw = raw;
	(*v)[*n].tree = NULL;
	(*n)++;
}

/* A run of plain blocks (or a document) as a segment: its tree made
 * straight from the nodes (direct.c), else their HTML as before. */
static void
seg_plain(struct segment **v, size_t *n, cmark_node **run, size_t *nrun)
{
	struct buf b = { 0 };
	xmlNode *t;

	if (*nrun == 0)
		return;
	if ((t = direct_tree((void *const *)run, *nrun)) != NULL) {
		if (t->children == NULL)
			xmlFreeNode(t);  /* nothing written: no segment */
		else {
			GROW(*v, *n);
			(*v)[*n].html = NULL;
			(*v)[*n].raw = 0;
			(*v)[*n].tree = t;
			(*n)++;
		}
	} else {
		for (size_t i = 0; i < *nrun; i++) {
			char *h = render_node(run[i]);

			buf_puts(&b, h);
			free(h);
		}
		seg_add(v, n, &b, 0);
	}
	*nrun = 0;
}

/* The segments being made: raw HTML gathered in b, the plain blocks
 * since the last segment in run. */
struct segs {
	struct segment *v;
	size_t nv;
	struct buf b;
	cmark_node **run;
	size_t nrun;
};

/* Ends the segment open, raw or plain. */
static void
segs_close(struct segs *s, int raw)
{
	if (raw)
		seg_add(&s->v, &s->nv, &s->b, 1);
	else
		seg_plain(&s->v, &s->nv, s->run, &s->nrun);
}

/* Adds n to the segment open: its HTML if raw, else n to the run. */
static void
segs_take(struct segs *s, cmark_node *n, int raw)
{
	if (raw) {
		char *h = render_node(n);

		buf_puts(&s->b, h);
		free(h);
	} else {
		GROW(s->run, s->nrun);
		s->run[s->nrun++] = n;
	}
}

/* The essay's HTML as segments (see above); caller frees them. */
size_t
parse_segments(struct essay *e, struct segment **out)
{
	struct segs sg = { NULL, 0, { 0 }, NULL, 0 };
	struct scan sc;
	cmark_node *n, *next, *notes = NULL;
	int raw = 0, span = 0;

	*out = NULL;
	parse_math(e, NULL);  /* nothing left to do after a build's */
	if (e->w->plain) {
		segs_take(&sg, e->w->doc, 0);
		segs_close(&sg, 0);
		free(sg.run);
		*out = sg.v;
		return sg.nv;
	}
	memset(&sc, 0, sizeof(sc));
	for (n = cmark_node_first_child(e->w->doc); n; n = next) {
		int r;

		next = cmark_node_next(n);
		if (cmark_node_get_type(n) == CMARK_NODE_FOOTNOTE_DEFINITION) {
			/* The notes, last: rendered together, in their own
			 * document, for cmark-gfm's section around them. */
			if (notes == NULL)
				notes = cmark_node_new_with_mem(CMARK_NODE_DOCUMENT,
				    &cm_mem);
			r = block_raw(n, &sc);
			span |= r;
			cmark_node_unlink(n);
			cmark_node_append_child(notes, n);
			continue;
		}
		sc.known = sc.items = sc.link_clear = 0;
		r = block_raw(n, &sc) || span;
		if (r != raw) {
			segs_close(&sg, raw);
			raw = r;
		}
		segs_take(&sg, n, r);
		/* A paragraph that started with nothing open closes what
		 * unknown elements its raw HTML opened (see above). */
		if (r && !span && !sc.dirty && sc.depth > 0 &&
		    block_closes(n, &sc))
			sc.depth = 0;
		if (sc.link_clear)
			sc.pending_a = 0;
		if (r && !sc.dirty && sc.depth > 0 && only_a(&sc)) {
			sc.pending_a = 1;
			sc.depth = 0;
		}
		span = r && (sc.dirty || sc.depth > 0 || sc.pending_a);
	}
	if (notes) {
		if (span != raw) {
			segs_close(&sg, raw);
			raw = span;
		}
		segs_take(&sg, notes, raw);
	}
	segs_close(&sg, raw);
	free(sg.run);
	if (notes) {
		/* Back where they were: the document stays whole. */
		while ((n = cmark_node_first_child(notes)) != NULL) {
			cmark_node_unlink(n);
			cmark_node_append_child(e->w->doc, n);
		}
		cmark_node_free(notes);
	}
	*out = sg.v;
	return sg.nv;
}

/* Registers the extensions once, before any thread parses. */
void
cmark_init(void)
{
	cmark_gfm_core_extensions_ensure_registered();
	math_register();
}

void
parse_cleanup(void)
{
	cmark_release_plugins();
	if (math_ext)
		cmark_syntax_extension_free(cmark_get_default_mem_allocator(),
		    math_ext);
	math_ext = NULL;
	math_cleanup();
	diagram_cleanup();
}
