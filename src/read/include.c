/* Includes: mdBook's {{#include path}}, {{#include path:N:M}},
 * {{#include path:anchor}}, {{#rustdoc_include ...}} and
 * {{#playground ...}}, and Quarto's {{< include path >}}, expanded in an
 * essay's source before anything else reads it.  Paths are relative to
 * the file that names them and read by the content folder's rules;
 * "ANCHOR: name" and "ANCHOR_END: name" lines never appear; a file that
 * includes itself, directly or not, is refused.  The lines of the
 * result are mapped back to the files they came from, so that every
 * later diagnostic points into the included file. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "read/read.h"
#include "private.h"

#define MAX_INCLUDE_DEPTH 10   /* mdBook's own limit */

/* From line `line` of the result on, path's lines from `from`. */
struct span {
	int line;
	const char *path;
	int from;
};

struct line {
	const char *s;
	size_t n;           /* without the newline */
	int no;             /* its line in its file, from 1 */
};

struct inc {
	const struct book *b;
	struct quire_diag *d;
	struct buf out;
	int out_line;       /* the line being written, from 1 */
	int bol;            /* at the start of a line */
	struct span *map;
	size_t nmap;
	const char *stack[MAX_INCLUDE_DEPTH + 1];  /* rels, outermost first */
	int depth;
	struct strv *shown;  /* paths as shown, kept for the map */
	struct strv *md;     /* Markdown files included */
	int any, rc;
};

static void
put(struct inc *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n')
			c->out_line++;
	if (n)
		c->bol = s[n - 1] == '\n';
	buf_put(&c->out, s, n);
}

/* Line no of path starts here, if a line starts here. */
static void
mark(struct inc *c, const char *path, int no)
{
	struct span *last = c->nmap ? &c->map[c->nmap - 1] : NULL;

	if (!c->bol)
		return;
	if (last && last->path == path &&
	    last->from + (c->out_line - last->line) == no)
		return;
	GROW(c->map, c->nmap);
	c->map[c->nmap++] = (struct span){ c->out_line, path, no };
}

static struct line *
split(const char *s, size_t len, size_t *n)
{
	struct line *v = NULL;
	size_t k = 0;
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);

		GROW(v, k);
		v[k].s = p;
		v[k].n = ln && p[ln - 1] == '\r' ? ln - 1 : ln;
		v[k].no = (int)k + 1;
		k++;
		p += ln + (nl != NULL);
	}
	*n = k;
	return v;
}

/* The name after "ANCHOR:" or "ANCHOR_END:" in a line, if it has one. */
static int
anchor_line(const struct line *l, const char **name, size_t *nn, int *end)
{
	const char *p = l->s, *stop = l->s + l->n;

	for (; p + 7 <= stop; p++) {
		const char *q;

		if (memcmp(p, "ANCHOR", 6) != 0)
			continue;
		q = p + 6;
		*end = 0;
		if (q + 4 <= stop && memcmp(q, "_END", 4) == 0) {
			*end = 1;
			q += 4;
		}
		if (q >= stop || *q != ':')
			continue;
		for (q++; q < stop && (*q == ' ' || *q == '\t'); q++)
			;
		*name = q;
		while (q < stop && (isalnum((unsigned char)*q) || *q == '_' ||
		    *q == '-'))
			q++;
		*nn = (size_t)(q - *name);
		if (*nn)
			return 1;
	}
	return 0;
}

static int expand(struct inc *, const char *rel, const char *shown,
    const struct line *, size_t);

/* The directive at p (after "{{"): its kind, its argument, its end. */
enum kind { K_NONE, K_INCLUDE, K_RUSTDOC, K_PLAYGROUND, K_QUARTO };

static enum kind
directive(const char *p, const char *stop, const char **arg, size_t *an,
    const char **after)
{
	static const struct { const char *name; enum kind k; } names[] = {
		{ "include", K_INCLUDE }, { "rustdoc_include", K_RUSTDOC },
		{ "playground", K_PLAYGROUND },
	};
	const char *q = p, *close;
	enum kind k = K_NONE;

	while (q < stop && (*q == ' ' || *q == '\t'))
		q++;
	if (q < stop && *q == '#') {
		size_t n;
		q++;
		for (n = 0; q + n < stop && (isalnum((unsigned char)q[n]) ||
		    q[n] == '_'); n++)
			;
		for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
			if (strlen(names[i].name) == n &&
			    memcmp(q, names[i].name, n) == 0)
				k = names[i].k;
		if (k == K_NONE)
			return K_NONE;
		q += n;
		close = q;
		while (close + 1 < stop && !(close[0] == '}' && close[1] == '}'))
			close++;
		if (close + 1 >= stop)
			return K_NONE;
		*after = close + 2;
	} else if (q < stop && *q == '<') {
		for (q++; q < stop && (*q == ' ' || *q == '\t'); q++)
			;
		if ((size_t)(stop - q) < 8 || memcmp(q, "include", 7) != 0 ||
		    !(q[7] == ' ' || q[7] == '\t'))
			return K_NONE;
		q += 7;
		close = q;
		while (close + 2 < stop && !(close[0] == '>' &&
		    close[1] == '}' && close[2] == '}'))
			close++;
		if (close + 2 >= stop)
			return K_NONE;
		*after = close + 3;
		k = K_QUARTO;
	} else
		return K_NONE;
	while (q < close && (*q == ' ' || *q == '\t'))
		q++;
	while (close > q && (close[-1] == ' ' || close[-1] == '\t'))
		close--;
	*arg = q;
	*an = (size_t)(close - q);
	return *an ? k : K_NONE;
}

/* N, N:, N:M or :M (mdBook: "1st" is an anchor, not a line). */
static int
is_range(const char *s)
{
	s += strspn(s, "0123456789");
	if (*s == ':')
		s += 1 + strspn(s + 1, "0123456789");
	return *s == '\0';
}

/* The lines of v that a range or an anchor picks, anchor lines left out;
 * nothing (and a warning) if there is no such anchor or line. */
static struct line *
pick(struct inc *c, const struct loc *l, const char *path,
    const struct line *v, size_t n, const char *sel, size_t *nout)
{
	struct line *o = xreallocarray(NULL, n ? n : 1, sizeof(*o));
	size_t k = 0, from = 0, to = n;
	const char *name;
	size_t nn;
	int end;

	if (sel && *sel && !is_range(sel)) {
		int in = 0, found = 0;

		for (size_t i = 0; i < n; i++) {
			if (anchor_line(&v[i], &name, &nn, &end)) {
				if (nn == strlen(sel) && memcmp(name, sel, nn) == 0) {
					if (!end)
						in = found = 1;
					else
						in = 0;
				}
				continue;
			}
			if (in)
				o[k++] = v[i];
		}
		if (!found)
			diag_warn(c->d, l, "%s has no anchor '%s'", path, sel);
		*nout = k;
		return o;
	}
	if (sel && *sel) {
		/* N, N:, N:M, :M (mdBook: N alone is that one line). */
		char *colon;
		long a = strtol(sel, &colon, 10);

		if (colon != sel)
			from = a > 0 ? (size_t)a - 1 : 0;
		if (*colon == ':') {
			char *e2;
			long b = strtol(colon + 1, &e2, 10);

			to = e2 != colon + 1 && b >= 0 ? (size_t)b : n;
		} else
			to = from + 1;
		if (to > n)
			to = n;
		if (from >= n && n > 0)
			diag_warn(c->d, l, "%s has %zu line%s: nothing from "
			    "line %zu", path, n, n == 1 ? "" : "s", from + 1);
	}
	for (size_t i = from; i < to; i++)
		if (!anchor_line(&v[i], &name, &nn, &end))
			o[k++] = v[i];
	*nout = k;
	return o;
}

/* One directive: its file read, its lines picked and expanded in turn. */
static void
include(struct inc *c, enum kind k, const char *rel, const char *arg,
    size_t an, const struct loc *l)
{
	char *spec = xstrndup(arg, an), *p = spec, *sel = NULL, *attrs = NULL;
	char *target, *data = NULL, *shown;
	size_t len = 0, nv, np;
	struct line *v, *picked;
	int r;

	if (*p == '"' || *p == '\'') {
		char q = *p++;
		char *e = strchr(p, q);
		if (e)
			*e++ = '\0', attrs = e;
	} else {
		attrs = p + strcspn(p, " \t");
		if (*attrs)
			*attrs++ = '\0';
	}
	if (k != K_QUARTO && (sel = strchr(p, ':')) != NULL)
		*sel++ = '\0';
	if (*p == '\0') {
		c->rc = diag_error(c->d, l, "include of no file");
		free(spec);
		return;
	}
	if ((target = path_resolve(rel, p)) == NULL) {
		c->rc = diag_error(c->d, l, "%s is outside the content folder",
		    p);
		free(spec);
		return;
	}
	for (int i = 0; i <= c->depth; i++)
		if (strcmp(c->stack[i], target) == 0) {
			c->rc = diag_error(c->d, l, "include cycle: %s "
			    "already includes this file", p);
			goto out;
		}
	if (c->depth >= MAX_INCLUDE_DEPTH) {
		c->rc = diag_error(c->d, l, "includes nested more than %d deep",
		    MAX_INCLUDE_DEPTH);
		goto out;
	}
	r = read_inside(c->b, target, l, c->d, &data, &len, NULL);
	if (r == Q_ABSENT) {
		c->rc = diag_error(c->d, l, "%s: no such file", p);
		goto out;
	}
	if (r != 0) {
		c->rc = -1;
		goto out;
	}
	if (memchr(data, '\0', len)) {
		c->rc = diag_error(c->d, l, "%s is not a text file", p);
		goto out;
	}
	shown = path_join(c->b->root, target);
	strv_push(c->shown, shown);
	if (k == K_QUARTO || path_has_ext(target, ".md") ||
	    path_has_ext(target, ".markdown"))
		strv_push(c->md, xstrdup(target));
	/* A byte order mark is no text (the essays lose theirs too). */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		v = split(data + 3, len - 3, &nv);
	else
		v = split(data, len, &nv);
	picked = pick(c, l, p, v, nv, sel, &np);
	c->stack[++c->depth] = target;
	if (k == K_PLAYGROUND) {
		/* mdBook: a Rust listing of the file, its flags after the
		 * language. */
		while (attrs && (*attrs == ' ' || *attrs == '\t'))
			attrs++;
		put(c, "```rust", 7);
		for (char *t = attrs ? strtok(attrs, " \t") : NULL; t;
		    t = strtok(NULL, " \t")) {
			put(c, ",", 1);
			put(c, t, strlen(t));
		}
		put(c, "\n", 1);
		expand(c, target, shown, picked, np);
		put(c, np ? "\n```" : "```", np ? 4 : 3);
	} else
		expand(c, target, shown, picked, np);
	c->depth--;
	free(picked);
	free(v);
	c->any = 1;
out:
	free(data);
	free(target);
	free(spec);
}

/* The lines v of rel, shown as shown, with their directives expanded;
 * one newline between lines, none after the last. */
static int
expand(struct inc *c, const char *rel, const char *shown,
    const struct line *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = v[i].s, *stop = v[i].s + v[i].n, *run = p;

		mark(c, shown, v[i].no);
		while (p + 1 < stop) {
			const char *arg, *after;
			size_t an;
			enum kind k;

			if (p[0] == '\\' && p[1] == '{' && p + 2 < stop &&
			    p[2] == '{' && directive(p + 3, stop, &arg, &an,
			    &after) != K_NONE) {
				/* Escaped: as written, less the backslash. */
				put(c, run, (size_t)(p - run));
				put(c, p + 1, (size_t)(after - p - 1));
				p = run = after;
				continue;
			}
			if (p[0] != '{' || p[1] != '{' ||
			    (k = directive(p + 2, stop, &arg, &an, &after)) ==
			    K_NONE) {
				p++;
				continue;
			}
			{
				struct loc l = { shown, v[i].no,
				    (int)(arg - v[i].s) + 1 };
				put(c, run, (size_t)(p - run));
				include(c, k, rel, arg, an, &l);
			}
			p = run = after;
		}
		put(c, run, (size_t)(stop - run));
		if (i + 1 < n)
			put(c, "\n", 1);
	}
	return 0;
}

/* Whether "{{" opens a directive anywhere: most essays have none. */
static int
any_directive(const char *s, size_t len)
{
	const char *p = s, *end = s + len, *arg, *after;
	size_t an;

	while ((p = memchr(p, '{', (size_t)(end - p))) != NULL) {
		if (p + 1 < end && p[1] == '{') {
			const char *eol = memchr(p, '\n', (size_t)(end - p));
			if (directive(p + 2, eol ? eol : end, &arg, &an,
			    &after) != K_NONE)
				return 1;
		}
		p++;
	}
	return 0;
}

/* Expands the includes of essay e; md gets the Markdown files it
 * included (which are then no essays of their own). */
int
include_expand(const struct book *b, struct essay *e, struct quire_diag *d,
    struct strv *md)
{
	const char *body = e->text + e->body;
	size_t blen = e->len - e->body, nv;
	struct inc c;
	struct line *v;
	struct strv shown = { 0 };

	if (!any_directive(body, blen))
		return 0;
	memset(&c, 0, sizeof(c));
	c.b = b;
	c.d = d;
	c.shown = &shown;
	c.md = md;
	c.stack[0] = e->rel;
	c.out_line = 1;
	c.bol = 1;
	put(&c, e->text, e->body);
	v = split(body, blen, &nv);
	for (size_t i = 0; i < nv; i++)
		v[i].no += e->body_line - 1;
	expand(&c, e->rel, e->path, v, nv);
	if (blen && body[blen - 1] == '\n')
		put(&c, "\n", 1);
	free(v);
	if (c.any) {
		for (size_t i = 0; i < c.nmap; i++)
			diag_map_line(d, e->path, c.map[i].line,
			    c.map[i].path, c.map[i].from);
		free(e->text);
		e->len = c.out.len;
		e->text = buf_take(&c.out);
	} else
		buf_free(&c.out);
	free(c.map);
	strv_free(&shown);
	return c.rc;
}
