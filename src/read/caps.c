/* Limits applied to an essay's text before cmark-gfm sees it: block
 * nesting and table columns capped, with a warning; and the rough test
 * for formulas that lets node start early. */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "read/read.h"
#include "private.h"

/* ---- essays ---- */

int
is_fence(const char *s, const char *end, const char *mark)
{
	size_t n = strlen(mark);

	if ((size_t)(end - s) < n || memcmp(s, mark, n) != 0)
		return 0;
	for (s += n; s < end && *s != '\n'; s++)
		if (*s != ' ' && *s != '\t')
			return 0;
	return 1;
}

#define MAX_MARKERS 100   /* block containers opened by one line */
#define MAX_INDENT 400    /* columns of indentation kept */

/* Length of the container markers at the start of a line (block quote
 * '>', list bullets and numbers, indentation) and how many there are. */
static size_t
line_markers(const char *p, const char *eol, size_t *count, size_t *cut)
{
	const char *q = p;
	size_t n = 0;

	*cut = 0;
	for (;;) {
		const char *r = q;

		while (r < eol && (*r == ' ' || *r == '\t'))
			r++;
		if ((size_t)(r - p) > MAX_INDENT && !*cut)
			*cut = (size_t)(q - p);
		if (r < eol && *r == '>')
			r++;
		else if (r + 1 < eol && strchr("-*+", *r) &&
		    (r[1] == ' ' || r[1] == '\t'))
			r++;
		else {
			const char *d = r;
			while (d < eol && d - r < 9 && *d >= '0' && *d <= '9')
				d++;
			if (d == r || d + 1 >= eol || (*d != '.' && *d != ')') ||
			    (d[1] != ' ' && d[1] != '\t'))
				return (size_t)(q - p);
			r = d + 1;
		}
		if (++n == MAX_MARKERS + 1 && !*cut)
			*cut = (size_t)(q - p);
		q = r;
		*count = n;
	}
}

/* cmark-gfm and any HTML5 tree builder spend time in the square of the
 * nesting depth: markers past a hundred levels on a line are dropped, with
 * a warning, so that no input can make a build hang. */
void
cap_nesting(struct essay *e, struct quire_diag *d)
{
	struct buf out = { 0 };
	const char *p = e->text + e->body, *end = e->text + e->len;
	int line = e->body_line, warned = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t count = 0, cut, len = line_markers(p, eol, &count, &cut);

		if (cut) {
			if (!warned++) {
				struct loc l = { e->path, line, (int)cut + 1 };
				diag_warn(d, &l, "nested deeper than %d levels "
				    "or %d columns: the deeper markers are "
				    "ignored", MAX_MARKERS, MAX_INDENT);
			}
			if (out.data == NULL)
				buf_put(&out, e->text, (size_t)(p - e->text));
			buf_put(&out, p, cut);
			p += len;
		}
		if (out.data)
			buf_put(&out, p, (size_t)(eol - p) + (nl != NULL));
		p = eol + (nl != NULL);
		line++;
	}
	if (out.data) {
		free(e->text);
		e->len = out.len;
		e->text = buf_take(&out);
	}
}

#define MIN_TABLE_FILL (1u << 16)  /* empty cells a table may add */
#define MAX_COLUMNS 100            /* cells read in a table row */

/* The cells of a table row, or 0 if it is not a delimiter row (when
 * delim), as cmark-gfm splits them: at every '|' not escaped, a leading
 * and a trailing one left out. */
static size_t
row_cells(const char *p, const char *eol, int delim)
{
	size_t pipes = 0, dashes = 0;
	const char *q;

	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t'))
		eol--;
	if (p == eol)
		return 0;
	for (q = p; q < eol; q++) {
		if (*q == '\\' && q + 1 < eol)
			q++;
		else if (*q == '|')
			pipes++;
		else if (*q == '-')
			dashes++;
		else if (delim && !strchr(": \t", *q))
			return 0;
	}
	if (delim && (pipes == 0 || dashes == 0))
		return 0;
	return pipes + 1 - (*p == '|') - (eol - p > 1 && eol[-1] == '|');
}

/* A line to change: a delimiter row to blank (the table is read as
 * text), or a row whose cells past MAX_COLUMNS are cut. */
struct tfix {
	size_t off;         /* where the line's table text starts */
	int blank, delim;
};

static int
cmp_tfix(const void *a, const void *b)
{
	const struct tfix *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return y->blank - x->blank;  /* the blanking first */
}

/* One row's text, cut to MAX_COLUMNS cells: in a delimiter row, the
 * rest is dropped; in any other, its pipes are escaped (the text stays,
 * in the last cell, or dropped with it as cells past the header are). */
static const char *
put_capped(struct buf *out, const char *p, const char *end, int delim)
{
	const char *q = p;
	size_t keep = MAX_COLUMNS - 1, pipes = 0;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < end && *q == '|')
		keep++;
	for (q = p; q < end && *q != '\n'; q++) {
		if (*q == '\\' && q + 1 < end && q[1] != '\n') {
			q++;
			continue;
		}
		if (*q != '|' || pipes++ < keep)
			continue;
		buf_put(out, p, (size_t)(q - p));
		if (delim) {
			while (q < end && *q != '\n')
				q++;
			return q;
		}
		buf_putc(out, '\\');
		p = q;
	}
	buf_put(out, p, (size_t)(q - p));
	return q;
}

/* cmark-gfm completes every row of a table to the header's number of
 * cells (a header of n cells over n one-character lines makes n^2 cells
 * of 3n bytes), and spends the square of a row's cells on splitting it.
 * So rows are cut to MAX_COLUMNS cells, and when the empty cells a
 * file's tables would add pass its size (or MIN_TABLE_FILL), the
 * delimiter row of the table that passes it is blanked: its lines stay,
 * as text.  Lines are neither added nor removed; each change is warned
 * about once a table. */
void
cap_tables(struct essay *e, struct quire_diag *d)
{
	char *p = e->text + e->body, *end = e->text + e->len;
	const char *prev = NULL, *c;
	size_t budget = e->len > MIN_TABLE_FILL ? e->len : MIN_TABLE_FILL;
	size_t fill = 0, cols = 0, tfill = 0, count, cut, nfix = 0;
	struct tfix *fix = NULL;
	struct buf out = { 0 };
	const char *delim = NULL;
	int line = e->body_line, dline = 0, dcol = 0, wide = 0;

	for (;; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end, *q;
		size_t n;

		q = p + line_markers(p, eol, &count, &cut);
		/* A row's cells count only inside a table. */
		n = delim ? row_cells(q, eol, 0) : 0;
		if (delim && n > MAX_COLUMNS) {
			GROW(fix, nfix);
			fix[nfix++] = (struct tfix){ (size_t)(q - e->text), 0, 0 };
			wide = 1;
		}
		if (delim && n > 0 && n < cols)
			tfill += cols - n;
		if (delim && (n == 0 || nl == NULL)) {
			struct loc l = { e->path, dline, dcol };

			/* The table ended: was it too much? */
			if (tfill > budget - fill) {
				diag_warn(d, &l, "a table whose rows leave %zu "
				    "cells empty: read as text", tfill);
				GROW(fix, nfix);
				fix[nfix++] = (struct tfix){ (size_t)(delim -
				    e->text), 1, 1 };
			} else {
				fill += tfill;
				if (wide)
					diag_warn(d, &l, "a table with rows of "
					    "more than %d cells: the cells past "
					    "them are read as text", MAX_COLUMNS);
			}
			delim = NULL;
		}
		if (delim == NULL && (cols = row_cells(q, eol, 1)) > 0) {
			delim = q;
			dline = line;
			dcol = (int)(q - p) + 1 + (int)strspn(q, " \t");
			tfill = 0;
			wide = 0;
			if (cols > MAX_COLUMNS) {
				cols = MAX_COLUMNS;
				wide = 1;
				GROW(fix, nfix);
				fix[nfix++] = (struct tfix){ (size_t)(q - e->text),
				    0, 1 };
				if (prev) {
					GROW(fix, nfix);
					fix[nfix++] = (struct tfix){ (size_t)(prev -
					    e->text), 0, 0 };
				}
			}
		}
		prev = q;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (nfix == 0)
		return;
	qsort(fix, nfix, sizeof(*fix), cmp_tfix);
	c = e->text;
	for (size_t i = 0; i < nfix; i++) {
		const char *at = e->text + fix[i].off;

		if (at < c)
			continue;  /* that line is done */
		buf_put(&out, c, (size_t)(at - c));
		if (fix[i].blank) {
			for (c = at; c < end && *c != '\n'; c++)
				;
		} else
			c = put_capped(&out, at, end, fix[i].delim);
	}
	buf_put(&out, c, (size_t)(end - c));
	free(fix);
	free(e->text);
	e->len = out.len;
	e->text = buf_take(&out);
}

/* The end of the code span that the backquotes at p open on this line
 * (the byte after its closing run), or NULL if none closes it here. */
static const char *
span_end(const char *p, const char *eol)
{
	size_t k = 0, n;
	const char *q;

	while (p + k < eol && p[k] == '`')
		k++;
	for (q = p + k; (q = memchr(q, '`', (size_t)(eol - q))) != NULL;
	    q += n) {
		for (n = 0; q + n < eol && q[n] == '`'; n++)
			;
		if (n == k)
			return q + n;
	}
	return NULL;
}

/* Pandoc's rules for a formula, looked for roughly, a line at a time:
 * "$$", a ```math or ~~~math fence, or "$x...y$" within the line, not
 * "$ " nor "$5"; not in a fenced code block (fences as the site pre-pass
 * finds them, fence_line()) nor a code span on the line, where a shell's
 * $PATH or SQL's $$ is code (node would start for nothing). */
int
math_candidate(const char *text, size_t len)
{
	const char *end = text + len, *p, *eol, *q, *c, *d, *b;
	char fch = 0, m;    /* fch: in a fenced code block of these */
	size_t flen = 0, n;
	int info;

	for (p = text; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (fence_line(p, end, &m, &n, &info)) {
			if (fch) {
				if (m == fch && n >= flen && !info)
					fch = 0;
				continue;
			}
			/* Its run is the line's first ` or ~ (what comes
			 * before it: spaces, > and list markers). */
			for (c = (const char *)memchr(p, m, (size_t)(eol - p)) +
			    n; c < eol && (*c == ' ' || *c == '\t'); c++)
				;
			if (eol - c >= 4 && memcmp(c, "math", 4) == 0)
				return 1;
			fch = m;
			flen = n;
			continue;
		}
		if (fch)
			continue;
		for (q = p; (d = memchr(q, '$', (size_t)(eol - q))) != NULL;) {
			/* A code span before the dollar: past it. */
			if ((b = memchr(q, '`', (size_t)(d - q))) != NULL) {
				if ((c = span_end(b, eol)) != NULL)
					q = c;
				else
					for (q = b; q < eol && *q == '`'; q++)
						;
				continue;
			}
			q = d + 1;
			if (q >= eol)
				break;
			if (*q == '$')
				return 1;
			if (*q == ' ' || *q == '\t')
				continue;
			for (c = q; c < eol && *c != '$'; c++)
				if (*c == '\\' && c + 1 < eol)
					c++;
			if (c < eol && c[-1] != ' ' && c[-1] != '\t' &&
			    (c + 1 >= end || c[1] < '0' || c[1] > '9'))
				return 1;
		}
	}
	return 0;
}
