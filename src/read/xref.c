/* The cross-reference marks of an essay's text, found while the book
 * loads so that everything can be numbered before any essay renders
 * (essays render in parallel): pandoc-crossref's and Quarto's labels
 * ({#fig:x} after an image, {#tbl:x} on a table's caption, #lst:x in a
 * code block's attributes, {#eq:x} after display math) and the
 * headings, with the {#sec:x} ids the site pass took off them.  The
 * render stage finds the same things in the tree and looks their
 * numbers up by label or, for headings, by line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/read.h"
#include "private.h"

static const char *const kinds[] = { "fig", "tbl", "lst", "eq", "sec",
    NULL };

/* The kind of a label ("fig:x", "fig-x"), or NULL when it is none. */
const char *
xref_kind(const char *s, size_t n)
{
	for (int i = 0; kinds[i]; i++) {
		size_t k = strlen(kinds[i]);
		if (n > k + 1 && memcmp(s, kinds[i], k) == 0 &&
		    (s[k] == ':' || s[k] == '-'))
			return kinds[i];
	}
	return NULL;
}

/* Characters of a label after its prefix. */
int
xref_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == ':' || c == '.' ||
	    (c & 0x80);
}

int
diagram_lang(const char *s, size_t n)
{
	return (n == 3 && memcmp(s, "dot", 3) == 0) ||
	    (n == 8 && memcmp(s, "graphviz", 8) == 0);
}

/* A fence whose info string names Graphviz's language: it is drawn as
 * a figure (render/diagram.c). */
static int
diagram_fence(const char *s, const char *eol)
{
	const char *w;

	if (s < eol && *s == '{')
		s++;
	if (s < eol && *s == '.')
		s++;
	for (w = s; w < eol && isalnum((unsigned char)*w); w++)
		;
	return diagram_lang(s, (size_t)(w - s));
}

/* A mark: one struct, no string but a label and a labelled heading's
 * text (a book of 100,000 essays has a million headings). */
static void
mark(struct essay *e, int line, const char *kind, const char *label,
    size_t n, char *text)
{
	struct xmark *m;

	GROW(e->xmarks, e->nxmarks);
	m = &e->xmarks[e->nxmarks++];
	memset(m, 0, sizeof(*m));
	m->line = line;
	snprintf(m->kind, sizeof(m->kind), "%s", kind);
	m->label = label ? xstrndup(label, n) : NULL;
	m->text = text;
}

/* Labels written "{#kind:x}" or "#kind:x" in [s, eol), outside code
 * spans; hash: a bare #label counts (a code block's attributes), a
 * listing's, or with 2 (a diagram's fence, drawn as a figure) a
 * figure's too. */
static void
labels(struct essay *e, int line, const char *s, const char *eol, int hash)
{
	const char *start = s;
	size_t tick = 0;

	/* Most lines have no '#': nothing to find on them. */
	if (memchr(s, '#', (size_t)(eol - s)) == NULL)
		return;
	while (s < eol) {
		if (*s == '`') {
			size_t k = 0;
			while (s + k < eol && s[k] == '`')
				k++;
			tick = tick == k ? 0 : tick ? tick : k;
			s += k;
			continue;
		}
		if (!tick && *s == '#' && (hash || (s > start &&
		    s[-1] == '{'))) {
			const char *t = s + 1, *q = t, *kind;

			while (q < eol && xref_char((unsigned char)*q))
				q++;
			kind = xref_kind(t, (size_t)(q - t));
			if (kind && (hash ? strcmp(kind, "lst") == 0 ||
			    (hash == 2 && strcmp(kind, "fig") == 0) :
			    strcmp(kind, "sec") != 0 && strcmp(kind, "lst") != 0))
				mark(e, line, kind, t, (size_t)(q - t), NULL);
			s = q;
			continue;
		}
		s++;
	}
}

static int
atx_level(const char *s, const char *eol)
{
	int n = 0, sp = 0;

	while (s < eol && *s == ' ' && sp < 4)
		s++, sp++;
	if (sp > 3)
		return 0;
	while (s < eol && *s == '#')
		s++, n++;
	if (n == 0 || n > 6 || (s < eol && *s != ' ' && *s != '\t'))
		return 0;
	return n;
}

/* A setext underline: 1 ("==="), 2 ("---"), else 0. */
static int
underline(const char *s, const char *eol)
{
	int sp = 0;
	char c;

	while (s < eol && *s == ' ' && sp < 4)
		s++, sp++;
	if (sp > 3 || s == eol || (*s != '=' && *s != '-'))
		return 0;
	c = *s;
	while (s < eol && *s == c)
		s++;
	while (s < eol && (*s == ' ' || *s == '\t'))
		s++;
	return s == eol ? (c == '=' ? 1 : 2) : 0;
}

/* The fence a line opens or closes: its mark and length, else 0. */
static size_t
fence(const char *s, const char *eol, char *m)
{
	int sp = 0;
	size_t n = 0;

	while (s < eol && *s == ' ' && sp < 4)
		s++, sp++;
	if (sp > 3 || s == eol || (*s != '`' && *s != '~'))
		return 0;
	while (s + n < eol && s[n] == *s)
		n++;
	if (n < 3 || (*s == '`' && memchr(s + n, '`', (size_t)(eol - s - n))))
		return 0;
	*m = *s;
	return n;
}

static const char *
hid_at(const struct essay *e, int line)
{
	const struct strv *h = &ESITE(e)->hids;

	for (size_t i = 0; i + 1 < h->n; i += 2)
		if (atoi(h->v[i]) == line)
			return h->v[i + 1];
	return NULL;
}

/* A heading, its line [text, eol); a setext heading's "{#sec:x}" is
 * still on it (the site pass takes only an ATX heading's off).  A
 * labelled one keeps its text, which a reference reads when the
 * heading has no number. */
static void
heading(struct essay *e, int line, int level, const char *text,
    const char *eol, int setext)
{
	const char *id = hid_at(e, line), *open = eol;
	size_t n = id ? strlen(id) : 0;
	char kind[4];

	while (eol > text && (eol[-1] == ' ' || eol[-1] == '\t'))
		eol--;
	if (id == NULL && setext) {
		for (open = eol; open > text && open[-1] != '{'; open--)
			;
		if (eol > text && eol[-1] == '}' && open > text &&
		    *open == '#') {
			id = open + 1;
			for (n = 0; id + n < eol - 1 &&
			    xref_char((unsigned char)id[n]); n++)
				;
			eol = open - 1;
		}
	}
	if (id && !xref_kind(id, n))
		id = NULL;
	if (!setext)
		while (text < eol && (*text == ' ' || *text == '#'))
			text++;
	while (eol > text && (eol[-1] == ' ' || (!setext && eol[-1] == '#')))
		eol--;
	snprintf(kind, sizeof(kind), "h%d", level);
	mark(e, line, kind, id, id ? n : 0, id ? xstrndup(text,
	    (size_t)(eol - text)) : NULL);
}

/* Whether the heading text in [s, eol) is the essay's title, which the
 * render stage takes out of the text (settle_title). */
static int
is_title(const struct essay *e, const char *s, const char *eol)
{
	size_t n;

	while (s < eol && (*s == ' ' || *s == '#'))
		s++;
	while (eol > s && (eol[-1] == ' ' || eol[-1] == '#'))
		eol--;
	n = (size_t)(eol - s);
	return e->title == NULL || (strlen(e->title) == n &&
	    memcmp(e->title, s, n) == 0);
}

void
xref_scan(struct essay *e, int shown)
{
	const char *s = e->text + e->body, *end = e->text + e->len;
	const char *prev = s, *prev_eol = s;
	int line = e->body_line, para = 0, first = 1;
	char fm = 0, m;
	size_t flen = 0, n;

	xmarks_free(e);
	for (; s < end; line++) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		int lv;

		if (eol == NULL)
			eol = end;
		if (fm) {
			if ((n = fence(s, eol, &m)) >= flen && m == fm) {
				const char *q = s;
				while (q < eol && (*q == ' ' || *q == m))
					q++;
				if (q == eol)
					fm = 0;
			}
		} else if ((flen = fence(s, eol, &fm)) != 0) {
			const char *q = s;
			while (q < eol && (*q == ' ' || *q == fm))
				q++;
			labels(e, line, q, eol, diagram_fence(q, eol) ? 2 : 1);
			para = 0;
			first = 0;
		} else if ((lv = atx_level(s, eol)) != 0) {
			/* The first heading may be the essay's title (the
			 * render stage takes it out). */
			if (!first || !is_title(e, s, eol))
				heading(e, line, lv, s, eol, 0);
			para = 0;
			first = 0;
		} else if (para && (lv = underline(s, eol)) != 0) {
			if (para > 1 || !is_title(e, prev, prev_eol))
				heading(e, line - 1, lv, prev, prev_eol, 1);
			para = 0;
		} else {
			const char *q = s;
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if (q == eol)
				para = 0;
			else {
				labels(e, line, s, eol, 0);
				/* para 1: the first block's line, which may be
				 * the essay's title as a setext heading. */
				para = first ? 1 : 2;
				first = 0;
				prev = s;
				prev_eol = eol;
			}
		}
		s = eol < end ? eol + 1 : end;
	}
	/* A heading is marked for its number: shown, or read by a reference
	 * to its label.  With neither in the essay, its headings' marks go
	 * (a book of 100,000 essays has a million headings); what is left
	 * is kept to size. */
	if (!shown) {
		size_t k = 0;
		int labelled = 0;

		for (size_t i = 0; i < e->nxmarks; i++)
			if (e->xmarks[i].kind[0] == 'h' && e->xmarks[i].label)
				labelled = 1;
		for (size_t i = 0; !labelled && i < e->nxmarks; i++)
			if (e->xmarks[i].kind[0] != 'h')
				e->xmarks[k++] = e->xmarks[i];
		if (!labelled)
			e->nxmarks = k;  /* a heading's has no string */
	}
	if (e->nxmarks == 0) {
		free(e->xmarks);
		e->xmarks = NULL;
	} else
		e->xmarks = xreallocarray(e->xmarks, e->nxmarks,
		    sizeof(*e->xmarks));
}
