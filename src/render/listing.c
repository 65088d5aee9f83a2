/* Listings: the info string of a fenced code block read as pandoc
 * (```{.python .numberLines startFrom="10"}), mdBook (```rust,ignore),
 * Hugo (```go {linenos=true}) and Python-Markdown (```py linenums="1")
 * write it; rustdoc's hidden lines left out; a caption or file name
 * above the code.  After highlighting, numbered lines and diff lines
 * become one span each, numbered by a CSS counter so that the numbers
 * are never part of the text a reader copies. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

struct listing {
	char *lang;         /* NULL: none */
	char *id;
	char *caption;      /* caption="..." */
	char *title;        /* title="..." */
	char *file;         /* filename="..." */
	int numbered;
	long start;         /* the first line's number */
	int other;          /* anything but a plain language word */
};

static void
listing_free(struct listing *l)
{
	free(l->lang);
	free(l->id);
	free(l->caption);
	free(l->title);
	free(l->file);
}

static int
lang_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '+' || c == '#' ||
	    c == '.';
}

/* A language name as the highlighter and the class attribute take it. */
static char *
lang_of(const char *p, size_t n)
{
	if (n == 0 || n > 64)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!lang_char((unsigned char)p[i]))
			return NULL;
	return xstrndup(p, n);
}

static int
truthy(const char *v)
{
	return strcmp(v, "false") != 0 && strcmp(v, "0") != 0 &&
	    strcmp(v, "no") != 0 && strcmp(v, "off") != 0;
}

static long
number(const char *v, long fallback)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (end == v || *end || n < 0 || n > 999999999)
		return fallback;
	return n;
}

static int
is_numbering(const char *s)
{
	return strcmp(s, "numberLines") == 0 ||
	    strcmp(s, "number-lines") == 0 || strcmp(s, "numbered") == 0 ||
	    strcmp(s, "linenums") == 0 || strcmp(s, "linenos") == 0 ||
	    strcmp(s, "lineNumbers") == 0;
}

static void
take(char **slot, char *v)
{
	free(*slot);
	*slot = v;
}

/* One attribute: #id, .class, key=value (value bare, "quoted" or
 * 'quoted'), or a bare word. */
static void
attribute(struct listing *l, const char *k, size_t kn, char *v)
{
	char *key = xstrndup(k, kn);

	if (v == NULL && key[0] == '#') {
		if (key[1])
			take(&l->id, xstrdup(key + 1));
	} else if (v == NULL && key[0] == '.') {
		if (is_numbering(key + 1))
			l->numbered = 1;
		else if (l->lang == NULL)
			l->lang = lang_of(key + 1, kn - 1);
	} else if (v == NULL) {
		if (is_numbering(key))
			l->numbered = 1;
		else if (l->lang == NULL)
			l->lang = lang_of(key, kn);
	} else if (strcmp(key, "startFrom") == 0 ||
	    strcmp(key, "start-from") == 0 ||
	    strcmp(key, "linenostart") == 0) {
		l->numbered = 1;
		l->start = number(v, 1);
	} else if (strcmp(key, "linenums") == 0) {
		/* Python-Markdown: the first line's number, "1" most often. */
		if ((l->numbered = truthy(v)))
			l->start = number(v, 1) ? number(v, 1) : 1;
	} else if (is_numbering(key)) {
		l->numbered = truthy(v);
	} else if (strcmp(key, "caption") == 0) {
		take(&l->caption, v), v = NULL;
	} else if (strcmp(key, "title") == 0) {
		take(&l->title, v), v = NULL;
	} else if (strcmp(key, "filename") == 0 || strcmp(key, "file") == 0) {
		take(&l->file, v), v = NULL;
	} else if (strcmp(key, "id") == 0) {
		take(&l->id, v), v = NULL;
	}
	free(v);
	free(key);
}

/* Attributes from p to end, separated by spaces or commas. */
static void
attributes(struct listing *l, const char *p, const char *end)
{
	while (p < end) {
		const char *k = p;
		char *v = NULL;
		size_t kn;

		if (isspace((unsigned char)*p) || *p == ',' || *p == '{' ||
		    *p == '}') {
			p++;
			continue;
		}
		while (p < end && !isspace((unsigned char)*p) && *p != ',' &&
		    *p != '=' && *p != '}')
			p++;
		kn = (size_t)(p - k);
		if (p < end && *p == '=') {
			const char *s = ++p;
			if (p < end && (*p == '"' || *p == '\'')) {
				char q = *p++;
				s = p;
				while (p < end && *p != q)
					p++;
				v = xstrndup(s, (size_t)(p - s));
				if (p < end)
					p++;
			} else {
				while (p < end && !isspace((unsigned char)*p) &&
				    *p != ',' && *p != '}')
					p++;
				v = xstrndup(s, (size_t)(p - s));
			}
		}
		if (kn)
			attribute(l, k, kn, v);
		else
			free(v);
	}
}

/* Reads an info string; l->other says whether it asks for more than
 * the one language word cmark-gfm takes from it itself. */
static void
info_read(struct listing *l, const char *info)
{
	const char *p = info, *end = info + strlen(info), *w;
	size_t wn;

	memset(l, 0, sizeof(*l));
	l->start = 1;
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	for (w = p; p < end && !isspace((unsigned char)*p); p++)
		;
	wn = (size_t)(p - w);
	if (wn && *w == '{') {
		attributes(l, w + 1, end);
	} else {
		for (p = w; p < end && !isspace((unsigned char)*p) &&
		    *p != ',' && *p != '{'; p++)
			;
		l->lang = lang_of(w, (size_t)(p - w));
		/* mdBook: rust,ignore,should_panic; the flags say how to
		 * test the code, nothing a book shows. */
		while (p < end && !isspace((unsigned char)*p) && *p != '{')
			p++;
		attributes(l, p, end);
	}
	/* The class cmark-gfm would write is not the language's. */
	l->other = (wn && *w == '{') || (l->lang && (strlen(l->lang) != wn ||
	    memcmp(l->lang, w, wn) != 0));
	l->other |= l->numbered || l->caption || l->title || l->file ||
	    l->id;
}

/* mdBook's rule for Rust: a line whose first non-blank is '#' followed
 * by anything but '#', '!' or '[' is hidden; "##" shows as "#".  Returns
 * the code without them, or NULL when no line is hidden or escaped. */
static char *
rust_visible(const char *code)
{
	struct buf b = { 0 };
	const char *p = code;
	int changed = 0;

	while (*p) {
		const char *eol = strchr(p, '\n'), *q = p;
		size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p);

		while (q < p + n && (*q == ' ' || *q == '\t'))
			q++;
		if (q < p + n && *q == '#' && q + 1 < p + n && q[1] == '#') {
			buf_put(&b, p, (size_t)(q - p));
			buf_put(&b, q + 1, n - (size_t)(q + 1 - p));
			changed = 1;
		} else if (q < p + n && *q == '#' && !(q + 1 < p + n &&
		    (q[1] == '!' || q[1] == '['))) {
			changed = 1;
		} else
			buf_put(&b, p, n);
		p += n;
	}
	if (!changed) {
		buf_free(&b);
		return NULL;
	}
	if (b.len == 0)
		buf_putc(&b, '\0'), b.len = 0;
	return buf_take(&b);
}

static void
put_escaped(struct buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_putc(b, *s);
		}
}

char *
listing_lang(const char *info, char **label, char **id)
{
	struct listing l;
	char *lang;

	info_read(&l, info ? info : "");
	lang = l.lang, l.lang = NULL;
	if (id)
		*id = l.id, l.id = NULL;
	*label = l.title ? l.title : l.caption;
	if (*label == l.title)
		l.title = NULL;
	else
		l.caption = NULL;
	listing_free(&l);
	return lang;
}

char *
listing_markup(const char *info, const char *code, const char *sourcepos)
{
	struct listing l;
	struct buf b = { 0 };
	char *shown = NULL;
	int figure;

	info_read(&l, info ? info : "");
	if (l.lang && strcmp(l.lang, "rust") == 0)
		shown = rust_visible(code);
	if (!l.other && shown == NULL) {
		listing_free(&l);
		return NULL;
	}
	figure = l.caption || l.title || l.file;
	if (figure) {
		buf_puts(&b, "<figure class=\"listing\"");
		if (l.id) {
			buf_puts(&b, " id=\"");
			put_escaped(&b, l.id);
			buf_putc(&b, '"');
		}
		buf_puts(&b, "><figcaption>");
		if (l.file) {
			buf_puts(&b, "<code>");
			put_escaped(&b, l.file);
			buf_puts(&b, "</code>");
		}
		if (l.title || l.caption) {
			if (l.file)
				buf_puts(&b, ": ");
			put_escaped(&b, l.title ? l.title : l.caption);
			if (l.title && l.caption) {
				buf_puts(&b, ": ");
				put_escaped(&b, l.caption);
			}
		}
		buf_puts(&b, "</figcaption>");
	}
	buf_puts(&b, "<pre");
	if (sourcepos)
		buf_printf(&b, " data-sourcepos=\"%s\"", sourcepos);
	if (!figure && l.id) {
		buf_puts(&b, " id=\"");
		put_escaped(&b, l.id);
		buf_putc(&b, '"');
	}
	if (l.numbered) {
		buf_puts(&b, " class=\"numbered");
		if (l.start != 1)
			buf_printf(&b, " start-%ld", l.start);
		buf_putc(&b, '"');
	}
	buf_puts(&b, "><code");
	if (l.lang)
		buf_printf(&b, " class=\"language-%s\"", l.lang);
	buf_putc(&b, '>');
	put_escaped(&b, shown ? shown : code);
	buf_puts(&b, "</code></pre>");
	if (figure)
		buf_puts(&b, "</figure>");
	buf_putc(&b, '\n');
	free(shown);
	listing_free(&l);
	return buf_take(&b);
}

/* ---- after highlighting: one span a line ---- */

static int
has_class(xmlNode *n, const char *cls, long *num)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "class");
	size_t cn = strlen(cls);
	int found = 0;

	if (v == NULL)
		return 0;
	for (const char *p = (const char *)v; *p; ) {
		const char *q = p;
		while (*q && *q != ' ')
			q++;
		if ((size_t)(q - p) >= cn && memcmp(p, cls, cn) == 0 &&
		    (num ? (size_t)(q - p) > cn : (size_t)(q - p) == cn)) {
			found = 1;
			if (num)
				*num = strtol(p + cn, NULL, 10);
		}
		p = *q ? q + 1 : q;
	}
	xmlFree(v);
	return found;
}

static const char *
diff_kind(const char *line, size_t n)
{
	if ((n >= 4 && (memcmp(line, "+++ ", 4) == 0 ||
	    memcmp(line, "--- ", 4) == 0)) ||
	    (n >= 5 && memcmp(line, "diff ", 5) == 0))
		return "line diff-file";
	if (n >= 2 && memcmp(line, "@@", 2) == 0)
		return "line diff-hunk";
	if (n >= 1 && line[0] == '+')
		return "line diff-add";
	if (n >= 1 && line[0] == '-')
		return "line diff-del";
	return "line";
}

struct run {
	xmlChar *text;
	xmlChar *cls;       /* NULL: plain text */
};

/* The code's text and highlight spans as runs; -1 if it holds anything
 * else (then it is left as it is). */
static int
runs_of(xmlNode *code, struct run **out, size_t *nout)
{
	struct run *v = NULL;
	size_t n = 0;

	for (xmlNode *k = code->children; k; k = k->next) {
		if (k->type == XML_TEXT_NODE) {
			GROW(v, n);
			v[n].text = xmlNodeGetContent(k);
			v[n++].cls = NULL;
		} else if (k->type == XML_ELEMENT_NODE && is_el(k, "span") &&
		    (k->children == NULL || (k->children->type ==
		    XML_TEXT_NODE && k->children->next == NULL))) {
			GROW(v, n);
			v[n].text = xmlNodeGetContent(k);
			v[n++].cls = xmlGetProp(k, BAD_CAST "class");
		} else {
			for (size_t i = 0; i < n; i++) {
				xmlFree(v[i].text);
				xmlFree(v[i].cls);
			}
			free(v);
			return -1;
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

static void
line_lines(xmlNode *code, int diff)
{
	struct run *v;
	size_t n;
	struct buf text = { 0 };
	xmlNode *line = NULL, *k;

	if (runs_of(code, &v, &n) < 0)
		return;
	while ((k = code->children) != NULL) {
		xmlUnlinkNode(k);
		xmlFreeNode(k);
	}
	for (size_t i = 0; i < n; i++)
		buf_puts(&text, v[i].text ? (const char *)v[i].text : "");
	{
		const char *all = text.data ? text.data : "";
		size_t at = 0, len = text.len;

		for (size_t i = 0; i < n; i++) {
			const char *s = v[i].text ? (const char *)v[i].text : "";

			while (*s) {
				const char *nl = strchr(s, '\n');
				size_t piece = nl ? (size_t)(nl - s) : strlen(s);

				if (line == NULL) {
					const char *eol = memchr(all + at, '\n',
					    len - at);
					size_t ln = eol ? (size_t)(eol - all -
					    at) : len - at;
					line = xmlNewDocNode(code->doc, code->ns,
					    BAD_CAST "span", NULL);
					xmlNewProp(line, BAD_CAST "class",
					    BAD_CAST (diff ? diff_kind(all + at,
					    ln) : "line"));
					xmlAddChild(code, line);
				}
				if (piece) {
					xmlNode *t = xmlNewDocTextLen(code->doc,
					    BAD_CAST s, (int)piece);
					if (v[i].cls) {
						xmlNode *sp = xmlNewDocNode(
						    code->doc, code->ns,
						    BAD_CAST "span", NULL);
						xmlNewProp(sp, BAD_CAST "class",
						    v[i].cls);
						xmlAddChild(sp, t);
						xmlAddChild(line, sp);
					} else
						xmlAddChild(line, t);
				}
				at += piece;
				s += piece;
				if (*s == '\n') {
					xmlAddChild(code, xmlNewDocText(
					    code->doc, BAD_CAST "\n"));
					line = NULL;
					at++;
					s++;
				}
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		xmlFree(v[i].text);
		xmlFree(v[i].cls);
	}
	free(v);
	buf_free(&text);
}

/* Every numbered listing and every diff under root: its lines. */
void
listing_lines(xmlNode *root)
{
	xmlNode *n = root;

	while (n) {
		if (n->type == XML_ELEMENT_NODE && is_el(n, "pre")) {
			long start = 1;
			int numbered = has_class(n, "numbered", NULL);
			xmlNode *code;

			if (numbered && has_class(n, "start-", &start)) {
				char style[48];

				set_attr(n, "class", "numbered");
				for (code = n->children; code &&
				    !is_el(code, "code"); code = code->next)
					;
				if (code) {
					snprintf(style, sizeof(style),
					    "counter-reset: line %ld", start - 1);
					set_attr(code, "style", style);
				}
			}
			for (code = n->children; code; code = code->next)
				if (code->type == XML_ELEMENT_NODE &&
				    is_el(code, "code")) {
					int diff = has_class(code,
					    "language-diff", NULL);
					if (numbered || diff)
						line_lines(code, diff);
				}
		} else if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && n != root && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
}
