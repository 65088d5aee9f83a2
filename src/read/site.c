/* Site stage: what Hugo, Jekyll and mdBook add to Markdown.  A pre-pass
 * over each essay's source rewrites the template syntax that carries
 * content (shortcodes, Liquid tags, kramdown attribute lines) into
 * Markdown or HTML, line for line and outside code, and an index finds
 * an essay by the URL its site gives it (pretty URLs, permalinks). */
#include <sys/stat.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark-gfm.h>

#include "read/read.h"

#define MAX_TEMPLATE 4096   /* longest template construct looked for */

struct found {
	const char *from, *hit;   /* hit: NULL when none after from */
};

struct pre {
	struct book *b;
	struct essay *e;
	struct quire_diag *d;
	struct buf out;
	const char *s, *end;     /* the source */
	const char *line;        /* start of the current line */
	int lineno;
	const char *col_at;      /* where here() last counted to, */
	int col;                 /* and the column there */
	struct idset kinds;      /* kinds of unknown syntax reported */
	int code;                /* in code: replacements are not padded */
	int craw;                /* in code, inside {% raw %} */
	struct found found[5];   /* closers[], as last found */
	struct found ticks[33];  /* runs of n backticks, as last found */
};

/* ---- small helpers ---- */

static int
starts(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* The closing delimiters, each searched for once per stretch of text:
 * the next one found stays the answer until the scan passes it, so that
 * a file of nothing but "{{" is read a bounded number of times. */
static const char *const closers[] = { ">}}", "%}}", "%}", "}}", "}" };
#define NCLOSERS (sizeof(closers) / sizeof(*closers))

/* The first lit at or after p, within MAX_TEMPLATE bytes; NULL if none. */
static const char *
find(struct found *cache, const char *p, const char *end, const char *lit)
{
	struct found *c = NULL;
	const char *hit;

	for (size_t i = 0; i < NCLOSERS; i++)
		if (strcmp(closers[i], lit) == 0)
			c = &cache[i];
	if (c && c->from && c->from <= p && (c->hit == NULL || c->hit >= p))
		hit = c->hit;
	else {
		hit = find_bytes(p, end, lit, strlen(lit));
		if (c) {
			c->from = p;
			c->hit = hit;
		}
	}
	return hit && hit - p <= MAX_TEMPLATE ? hit : NULL;
}

static void
put_html(struct buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\n': buf_putc(b, ' '); break;
		default: buf_putc(b, *s);
		}
}

/* Link text in Markdown: brackets and backslashes escaped. */
static void
put_md(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("[]\\*_`<", *s))
			buf_putc(b, '\\');
		buf_putc(b, *s == '\n' ? ' ' : *s);
	}
}

/* The arguments of a shortcode or tag: positional and name="value"
 * (quotes ", ' or ` or none). */
struct args {
	char *name[16], *value[16];
	size_t n;
};

static void
args_parse(struct args *a, const char *p, const char *end)
{
	a->n = 0;
	while (p < end && a->n < 16) {
		const char *k = p, *ke, *v, *ve;

		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end)
			break;
		k = p;
		while (p < end && !isspace((unsigned char)*p) && *p != '=' &&
		    *p != '"' && *p != '\'' && *p != '`')
			p++;
		ke = p;
		if (p < end && *p == '=' && ke > k)
			p++;
		else {
			ke = k;  /* positional */
			p = k;
		}
		if (p < end && (*p == '"' || *p == '\'' || *p == '`')) {
			/* Go's string syntax: \" and \\ in "..." only. */
			struct buf val = { 0 };
			char q = *p++;

			while (p < end && *p != q) {
				if (q == '"' && *p == '\\' && p + 1 < end)
					p++;
				buf_putc(&val, *p++);
			}
			if (p < end)
				p++;
			a->name[a->n] = xstrndup(k, (size_t)(ke - k));
			a->value[a->n] = val.data ? buf_take(&val) :
			    xstrdup("");
			a->n++;
			continue;
		} else {
			v = p;
			while (p < end && !isspace((unsigned char)*p))
				p++;
			ve = p;
		}
		if (ke == k && ve == v && p == k) {
			p++;  /* a stray quote or '=' */
			continue;
		}
		a->name[a->n] = xstrndup(k, (size_t)(ke - k));
		a->value[a->n] = xstrndup(v, (size_t)(ve - v));
		a->n++;
	}
}

static void
args_free(struct args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->name[i]);
		free(a->value[i]);
	}
	a->n = 0;
}

/* The named argument, else the positional one at index pos (-1: none). */
static const char *
arg(const struct args *a, const char *name, int pos)
{
	int k = 0;

	for (size_t i = 0; i < a->n; i++)
		if (*a->name[i] && strcmp(a->name[i], name) == 0)
			return a->value[i];
	for (size_t i = 0; i < a->n; i++)
		if (*a->name[i] == '\0' && k++ == pos)
			return a->value[i];
	return NULL;
}

static struct loc
here(struct pre *p, const char *at)
{
	struct loc l = { p->e->path, p->lineno, 1 };
	const char *q = p->line;

	/* Counted on from the last place on this line: a line of many
	 * messages is counted once, not once a message. */
	if (p->col_at && p->col_at >= p->line && p->col_at <= at) {
		q = p->col_at;
		l.col = p->col;
	}
	for (; q < at; q++)
		if (((unsigned char)*q & 0xc0) != 0x80)
			l.col++;
	p->col_at = at;
	p->col = l.col;
	return l;
}

/* Unknown syntax: shown as text, one warning per kind per essay. */
static void
unknown(struct pre *p, const char *at, const char *what, const char *kind)
{
	char *k = xasprintf("%s %s", what, kind);

	if (idset_add(&p->kinds, k)) {
		struct loc l = here(p, at);
		diag_warn(p->d, &l, "%s '%s' is not supported: shown as text",
		    what, kind);
	}
	free(k);
}

static const char *
param(const struct strv *v, const char *key)
{
	for (size_t i = 0; i + 1 < v->n; i += 2)
		if (strcasecmp(v->v[i], key) == 0)
			return v->v[i + 1];
	return NULL;
}

/* The value of key that the nearest section above rel gives every page
 * under it (Hugo's cascade), NULL if none does. */
static const char *
cascaded(const struct book *b, const char *rel, const char *key)
{
	char *dir = path_dirname(rel);
	const char *v = NULL;

	while (b->cascades.n && v == NULL) {
		for (size_t i = 0; i + 1 < b->cascades.n && !v; i += 2) {
			const char *q = b->cascades.v[i + 1];

			if (strcmp(b->cascades.v[i], dir))
				continue;
			for (; *q && !v; q += strlen(q) + 1) {
				const char *val = q + strlen(q) + 1;

				if (strcasecmp(q, key) == 0)
					v = val;
				q = val;
			}
		}
		if (*dir == '\0')
			break;
		{
			char *up = path_dirname(dir);
			free(dir);
			dir = up;
		}
	}
	free(dir);
	return v;
}

/* The replacement for the construct [at, stop), written to p->out: the
 * same number of lines, so that every line keeps its number, and where
 * it can the same length, so that columns after it stay true. */
static void
replace(struct pre *p, const char *at, const char *stop, const char *with)
{
	size_t n = strlen(with), old = (size_t)(stop - at), nl = 0;

	for (const char *q = at; q < stop; q++)
		nl += *q == '\n';
	buf_puts(&p->out, with);
	/* Padded only where blanks change nothing: before a blank, or at
	 * the end of a link's destination or an attribute's value. */
	if (nl == 0 && n < old && !p->code && stop < p->end &&
	    strchr(" \t)\"'>", *stop))
		for (; n < old; n++)
			buf_putc(&p->out, ' ');
	for (; nl > 0; nl--)
		buf_putc(&p->out, '\n');
}

/* Whether only blanks and container markers stand before at on its
 * line and only blanks after stop. */
static int
alone(struct pre *p, const char *at, const char *stop)
{
	for (const char *q = p->line; q < at; q++)
		if (!strchr(" \t>", *q))
			return 0;
	for (; stop < p->end && *stop != '\n'; stop++)
		if (*stop != ' ' && *stop != '\t')
			return 0;
	return 1;
}

/* Past the name at p: letters, digits, '_', '.', '/' (and '-'). */
static const char *
name_end(const char *p, const char *end, int dash)
{
	while (p < end && (isalnum((unsigned char)*p) || *p == '_' ||
	    *p == '.' || *p == '/' || (dash && *p == '-')))
		p++;
	return p;
}

/* Whether the line after the one that ends at or after p is text that
 * continues a paragraph (not blank, a fence, a list item, a heading, a
 * quote or another construct). */
static int
text_follows(const char *p, const char *end)
{
	const char *q = memchr(p, '\n', (size_t)(end - p));

	if (q == NULL)
		return 0;
	for (q++; q < end && (*q == ' ' || *q == '\t'); q++)
		;
	if (q >= end || strchr("\n`~{<#>*-+|", *q))
		return 0;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	return q >= end || !strchr(".)", *q);
}

/* ---- Hugo shortcodes: {{< name args >}} and {{% name args %}} ---- */

static char *
video_link(const char *site, const char *url, const char *title)
{
	struct buf b = { 0 };

	buf_putc(&b, '[');
	put_md(&b, title && *title ? title : site);
	buf_printf(&b, "](%s)", url);
	return buf_take(&b);
}

/* An image with its caption, as the figure shortcode writes it. */
static char *
figure(const struct args *a)
{
	const char *src = arg(a, "src", 0), *cap = arg(a, "caption", -1);
	const char *alt = arg(a, "alt", -1), *title = arg(a, "title", -1);
	const char *link = arg(a, "link", -1);
	struct buf b = { 0 };

	if (src == NULL)
		return NULL;
	if (cap == NULL || !*cap)
		cap = title;
	if (alt == NULL || !*alt)
		alt = cap ? cap : "";
	if (cap && *cap)
		buf_puts(&b, "<figure>");
	if (link) {
		buf_puts(&b, "<a href=\"");
		put_html(&b, link);
		buf_puts(&b, "\">");
	}
	buf_puts(&b, "<img src=\"");
	put_html(&b, src);
	buf_puts(&b, "\" alt=\"");
	put_html(&b, alt);
	buf_puts(&b, "\">");
	if (link)
		buf_puts(&b, "</a>");
	if (cap && *cap) {
		buf_puts(&b, "<figcaption>");
		if (title && *title && title != cap) {
			buf_puts(&b, "<strong>");
			put_html(&b, title);
			buf_puts(&b, "</strong> ");
		}
		put_html(&b, cap);
		buf_puts(&b, "</figcaption></figure>");
	}
	return buf_take(&b);
}

/* A reference to another page (ref, relref, post_url): the target as
 * written, which the link stage resolves as the site would. */
static char *
site_ref(struct pre *p, const char *target)
{
	char *t = xstrdup(target), *hash = strchr(t, '#');

	if (hash)
		*hash = '\0';
	if (*t)
		idset_add(&essay_site(p->e)->siterefs, t);
	free(t);
	return xstrdup(target);
}

/* Returns where the construct at p ends, having written its
 * replacement; NULL when it is not one (the caller copies a byte). */
static const char *
shortcode(struct pre *p, const char *at, int *fence)
{
	int pct = at[2] == '%';
	const char *in = at + 3, *close, *stop, *q;
	char *name, *with = NULL;
	struct args a;
	int comment = 0, told = 0;

	close = find(p->found, in, p->end, pct ? "%}}" : ">}}");
	if (close == NULL)
		return NULL;
	stop = close + 3;
	while (in < close && isspace((unsigned char)*in))
		in++;
	if (starts(in, close, "/*")) {
		/* The escaped form (the shortcode between comment marks inside
		 * its braces): the shortcode shown as written. */
		struct buf b = { 0 };
		const char *ie = close;

		while (ie > in && isspace((unsigned char)ie[-1]))
			ie--;
		if (ie - in >= 4 && starts(ie - 2, close, "*/")) {
			buf_puts(&b, pct ? "{{% " : "{{< ");
			q = in + 2;
			while (q < ie - 2 && isspace((unsigned char)*q))
				q++;
			{
				const char *qe = ie - 2;
				while (qe > q && isspace((unsigned char)qe[-1]))
					qe--;
				buf_put(&b, q, (size_t)(qe - q));
			}
			buf_puts(&b, pct ? " %}}" : " >}}");
			replace(p, at, stop, b.data);
			buf_free(&b);
			return stop;
		}
		buf_free(&b);
		comment = 1;
	}
	if (comment)
		return NULL;
	q = name_end(in, close, 1);
	if (q == in || q - in > 64 || (q < close && !isspace((unsigned char)*q)
	    && *q != '/'))
		return NULL;  /* not a shortcode: braces in the text */
	name = xstrndup(in, (size_t)(q - in));
	{
		const char *ae = close;
		while (ae > q && isspace((unsigned char)ae[-1]))
			ae--;
		if (ae > q && ae[-1] == '/')
			ae--;  /* self-closing */
		args_parse(&a, q, ae);
	}
	if (!strcmp(name, "ref") || !strcmp(name, "relref")) {
		const char *t = arg(&a, "path", 0);
		if (t)
			with = site_ref(p, t);
	} else if (!strcmp(name, "figure")) {
		with = figure(&a);
	} else if (!strcmp(name, "highlight") && alone(p, at, stop)) {
		const char *lang = arg(&a, "lang", 0);
		with = xasprintf("```%s", lang ? lang : "");
		*fence = 1;
	} else if (!strcmp(name, "/highlight") && alone(p, at, stop) &&
	    *fence) {
		with = xstrdup("```");
		*fence = 0;
	} else if (!strcmp(name, "tabpane") || !strcmp(name, "/tabpane")) {
		with = xstrdup("");  /* Docsy's tabs: one after another */
	} else if (!strcmp(name, "tab")) {
		const char *h = arg(&a, "header", 0), *lang = arg(&a, "lang", -1);

		if (lang && *lang && !pct && alone(p, at, stop)) {
			/* A tab of code: a code block till its end. */
			with = xasprintf("```%s", lang);
			*fence = 3;
		} else if (h && *h) {
			struct buf b = { 0 };

			buf_puts(&b, "**");
			put_md(&b, h);
			buf_puts(&b, "**");
			if (alone(p, at, stop) && text_follows(stop, p->end))
				buf_putc(&b, '\\');  /* a line break */
			with = buf_take(&b);
		} else
			with = xstrdup("");
	} else if (!strcmp(name, "/tab")) {
		if (*fence == 3) {
			with = xstrdup("```");
			*fence = 0;
		} else
			with = xstrdup("");
	} else if (!strcmp(name, "youtube")) {
		const char *id = arg(&a, "id", 0);
		if (id) {
			char *url = xasprintf("https://www.youtube.com/watch?"
			    "v=%s", id);
			with = video_link("Video on YouTube", url,
			    arg(&a, "title", -1));
			free(url);
		}
	} else if (!strcmp(name, "vimeo")) {
		const char *id = arg(&a, "id", 0);
		if (id) {
			char *url = xasprintf("https://vimeo.com/%s", id);
			with = video_link("Video on Vimeo", url,
			    arg(&a, "title", -1));
			free(url);
		}
	} else if (!strcmp(name, "gist")) {
		const char *u = arg(&a, "user", 0), *id = arg(&a, "id", 1);
		if (u && id) {
			char *url = xasprintf("https://gist.github.com/%s/%s",
			    u, id);
			with = video_link("Gist on GitHub", url, NULL);
			free(url);
		}
	} else if (!strcmp(name, "tweet") || !strcmp(name, "twitter") ||
	    !strcmp(name, "x")) {
		const char *u = arg(&a, "user", -1), *id = arg(&a, "id", 0);
		if (id) {
			char *url = xasprintf("https://twitter.com/%s/status/%s",
			    u ? u : "i", id);
			with = video_link("Post on Twitter", url, NULL);
			free(url);
		}
	} else if (!strcmp(name, "details")) {
		const char *sum = arg(&a, "summary", 0);
		struct buf b = { 0 };

		buf_puts(&b, "<details><summary>");
		put_html(&b, sum ? sum : "Details");
		buf_puts(&b, "</summary>");
		with = buf_take(&b);
	} else if (!strcmp(name, "/details")) {
		with = xstrdup("</details>");
	} else if (!strcmp(name, "param")) {
		const char *k = arg(&a, "name", 0), *v = NULL;
		if (k) {
			const char *kk = strncasecmp(k, "params.", 7) == 0 ?
			    k + 7 : k;
			v = param(&ESITE(p->e)->params, kk);
			if (v == NULL)
				v = cascaded(p->b, p->e->rel, kk);
			if (v == NULL)
				v = param(&p->b->params, kk);
			if (v == NULL) {
				struct loc l = here(p, at);
				diag_warn(p->d, &l, "{{< param %s >}}: no such "
				    "key in the front matter or collection.yaml; "
				    "shown as text", k);
				told = 1;
			} else if (p->code) {
				with = xstrdup(v);  /* code shows it as is */
			} else {
				struct buf b = { 0 };
				put_md(&b, v);
				with = buf_take(&b);
			}
		}
	}
	if (with) {
		replace(p, at, stop, with);
		free(with);
	} else {
		/* Shown as written, and not read again as Liquid. */
		if (!told)
			unknown(p, at, "Hugo shortcode", *name == '/' ?
			    name + 1 : name);
		buf_put(&p->out, at, (size_t)(stop - at));
	}
	args_free(&a);
	free(name);
	return stop;
}

/* ---- Liquid (Jekyll): {% tag args %} and {{ expression }} ---- */

static const char *
liquid_tag(struct pre *p, const char *at, int *fence, int *raw)
{
	const char *in = at + 2, *close, *stop, *q;
	char *name, *with = NULL;
	struct args a;

	if ((close = find(p->found, in, p->end, "%}")) == NULL)
		return NULL;
	stop = close + 2;
	if (*in == '-')
		in++;
	while (in < close && isspace((unsigned char)*in))
		in++;
	q = name_end(in, close, 0);
	if (q == in || q - in > 64 || (q < close && !isspace((unsigned char)*q)
	    && *q != '-'))
		return NULL;  /* not a tag: braces in the text */
	name = xstrndup(in, (size_t)(q - in));
	{
		const char *ae = close;
		if (ae > q && ae[-1] == '-')
			ae--;
		args_parse(&a, q, ae);
	}
	if (!strcmp(name, "raw")) {
		with = xstrdup("");
		*raw = 1;
	} else if (!strcmp(name, "endraw")) {
		with = xstrdup("");
		*raw = 0;
	} else if (!strcmp(name, "highlight") && alone(p, at, stop)) {
		const char *lang = arg(&a, "lang", 0);
		with = xasprintf("```%s", lang ? lang : "");
		*fence = 2;
	} else if (!strcmp(name, "endhighlight") && alone(p, at, stop) &&
	    *fence) {
		with = xstrdup("```");
		*fence = 0;
	} else if (!strcmp(name, "link")) {
		const char *t = arg(&a, "path", 0);
		if (t)
			with = *t == '/' ? xstrdup(t) : xasprintf("/%s", t);
	} else if (!strcmp(name, "post_url")) {
		const char *t = arg(&a, "name", 0);
		if (t)
			with = site_ref(p, t);
	}
	if (with) {
		replace(p, at, stop, with);
		free(with);
	} else
		unknown(p, at, "Liquid tag", name);
	args_free(&a);
	free(name);
	return with ? stop : NULL;
}

/* A site's variable from collection.yaml: Hugo's .Site.Params.x (and
 * site.Params.x) from params:, Jekyll's site.x from site:. */
static const char *
site_var(struct pre *p, const char *expr)
{
	static const char *const hugo[] = { ".Site.Params.", "site.Params.",
	    "site.params.", ".site.params.", NULL };

	for (size_t i = 0; hugo[i]; i++)
		if (strncmp(expr, hugo[i], strlen(hugo[i])) == 0)
			return param(&p->b->params, expr + strlen(hugo[i]));
	if (strncmp(expr, "site.", 5) == 0)
		return param(&p->b->sitevars, expr + 5);
	return NULL;
}

/* {{ site.baseurl }}, {{ site.url }}: the site's root, which is the
 * book's; {{ "x" | relative_url }}: x. */
static const char *
liquid_output(struct pre *p, const char *at)
{
	const char *in = at + 2, *close, *stop, *ie, *v;
	char *expr, *with = NULL, *bar;

	if ((close = find(p->found, in, p->end, "}}")) == NULL)
		return NULL;
	stop = close + 2;
	if (*in == '-' || *in == '<' || *in == '%')
		return NULL;
	if (starts(in, close, "/*")) {
		replace(p, at, stop, "");  /* a Go template comment */
		return stop;
	}
	while (in < close && isspace((unsigned char)*in))
		in++;
	ie = close;
	if (ie > in && ie[-1] == '-')
		ie--;
	while (ie > in && isspace((unsigned char)ie[-1]))
		ie--;
	expr = xstrndup(in, (size_t)(ie - in));
	if (!strcmp(expr, "site.baseurl") || !strcmp(expr, "site.url") ||
	    !strcmp(expr, "site.github.url") || !strcmp(expr, ".Site.BaseURL"))
		with = xstrdup("");
	else if ((v = site_var(p, expr)) != NULL) {
		struct buf b = { 0 };
		put_md(&b, v);
		with = buf_take(&b);
	}
	else if ((*expr == '"' || *expr == '\'') && (bar = strchr(expr, '|'))
	    && (strstr(bar, "relative_url") || strstr(bar, "absolute_url") ||
	    strstr(bar, "prepend: site.baseurl"))) {
		char *e2 = strchr(expr + 1, *expr);
		if (e2 && e2 < bar)
			with = xstrndup(expr + 1, (size_t)(e2 - expr - 1));
	}
	if (with) {
		replace(p, at, stop, with);
		free(with);
	} else {
		const char *ke = name_end(expr, expr + strlen(expr), 0);

		if (ke > expr && ke - expr <= 64 && !isdigit((unsigned char)
		    *expr)) {
			char *k = xstrndup(expr, (size_t)(ke - expr));
			unknown(p, at, "template expression", k);
			free(k);
		}  /* else not a template: braces in the text */
	}
	free(expr);
	return with ? stop : NULL;
}

/* ---- kramdown: {:toc}, {: .class #id} ---- */

static int
ial_body(const char *p, const char *end)
{
	int tokens = 0;

	while (p < end) {
		const char *t;

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		t = p;
		if (*p == '.' || *p == '#') {
			p++;
			while (p < end && (isalnum((unsigned char)*p) ||
			    *p == '-' || *p == '_' || (*t == '#' && *p == ':')))
				p++;
			if (p == t + 1)
				return 0;
		} else if (end - p >= 3 && memcmp(p, "toc", 3) == 0 &&
		    (p + 3 == end || p[3] == ' ')) {
			p += 3;
		} else {
			while (p < end && (isalnum((unsigned char)*p) ||
			    *p == '-' || *p == '_'))
				p++;
			if (p == t || p >= end || *p != '=')
				return 0;
			p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				const char *c = memchr(p + 1, *p,
				    (size_t)(end - p - 1));
				if (c == NULL)
					return 0;
				p = c + 1;
			} else
				while (p < end && *p != ' ')
					p++;
		}
		tokens++;
	}
	return tokens > 0;
}

/* The #id among the attributes [p, end), its length in *n; NULL if
 * none. */
static const char *
ial_id(const char *p, const char *end, size_t *n)
{
	for (const char *t = p; t < end; t++)
		if (*t == '#' && (t == p || t[-1] == ' ' || t[-1] == ':')) {
			const char *ie = t + 1;

			while (ie < end && (isalnum((unsigned char)*ie) ||
			    *ie == '-' || *ie == '_'))
				ie++;
			if (ie > t + 1) {
				*n = (size_t)(ie - t - 1);
				return t + 1;
			}
		}
	return NULL;
}

static const char *
kramdown(struct pre *p, const char *at)
{
	const char *in = at + 2, *close, *eol, *id;
	size_t idn;

	eol = memchr(at, '\n', (size_t)(p->end - at));
	if (eol == NULL)
		eol = p->end;
	if ((close = find(p->found, in, p->end, "}")) == NULL || close > eol)
		return NULL;
	if (*in == ':') {
		/* {::comment}, {::options ...}: extensions, dropped. */
		replace(p, at, close + 1, "");
		return close + 1;
	}
	if (!ial_body(in, close))
		return NULL;
	if (close - in >= 3 && find_bytes(in, close, "toc", 3) &&
	    alone(p, at, close + 1)) {
		/* The list item before it stands for the contents, which
		 * the book has of its own: both go. */
		const char *o = p->out.data, *ls = o + p->out.len;
		if (ls > o && ls[-1] == '\n') {
			const char *prev = ls - 1;
			while (prev > o && prev[-1] != '\n')
				prev--;
			while (prev < ls && strchr(" \t", *prev))
				prev++;
			if (prev + 1 < ls && strchr("*-+", *prev) &&
			    prev[1] == ' ') {
				size_t cut = (size_t)(prev - o);
				while (cut > 0 && o[cut - 1] != '\n')
					cut--;
				p->out.len = cut;
				buf_putc(&p->out, '\n');
			}
		}
	}
	if (alone(p, at, close + 1) && (id = ial_id(in, close, &idn))) {
		/* {: #id} on the line after a heading: the heading's id;
		 * after or before another block: an anchor there. */
		const char *o = p->out.data, *ls = o + p->out.len;

		while (ls > o && ls[-1] != '\n')
			ls--;
		if (ls > o) {
			const char *prev = ls - 1, *q;

			while (prev > o && prev[-1] != '\n')
				prev--;
			q = prev;
			while (q < ls && (*q == ' ' || *q == '>'))
				q++;
			if (q < ls && *q == '#') {
				struct strv *h = &essay_site(p->e)->hids;
				char line[24];
				snprintf(line, sizeof(line), "%d", p->lineno - 1);
				strv_push(h, xstrdup(line));
				strv_push(h, xstrndup(id, idn));
				replace(p, at, close + 1, "");
				return close + 1;
			}
		}
		{
			char *span = xasprintf("<span id=\"%.*s\"></span>",
			    (int)idn, id);
			replace(p, at, close + 1, span);
			free(span);
		}
		return close + 1;
	}
	replace(p, at, close + 1, "");
	return close + 1;
}

/* ---- heading attributes: ## Title {#id .class} ---- */

/* Where the attributes that end an ATX heading line start (goldmark's,
 * kramdown's and pandoc's {#id}), after recording the id for the link
 * stage by the heading's line; NULL when the line is not such a
 * heading. */
static const char *
heading_attrs(struct pre *p, const char *s, const char *eol)
{
	const char *q = s, *open, *in, *end = eol;
	int hashes = 0;

	while (q < eol && (*q == ' ' || *q == '>'))
		q++;
	while (q < eol && *q == '#' && hashes < 7) {
		q++;
		hashes++;
	}
	if (hashes == 0 || hashes > 6 || q >= eol || *q != ' ')
		return NULL;
	while (end > q && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == q || end[-1] != '}')
		return NULL;
	for (open = end - 1; open > q && *open != '{'; open--)
		;
	if (*open != '{')
		return NULL;
	in = open + 1;
	if (*in == ':')
		in++;
	if (!ial_body(in, end - 1))
		return NULL;
	for (const char *t = in; t < end - 1; t++)
		if (*t == '#' && (t == in || t[-1] == ' ')) {
			const char *ie = t + 1;
			while (ie < end - 1 && *ie != ' ')
				ie++;
			if (ie > t + 1) {
				struct strv *h = &essay_site(p->e)->hids;
				char line[24];
				snprintf(line, sizeof(line), "%d", p->lineno);
				strv_push(h, xstrdup(line));
				strv_push(h, xstrndup(t + 1,
				    (size_t)(ie - t - 1)));
			}
			break;
		}
	return open;
}

/* ---- the pass ---- */

int
fence_line(const char *s, const char *end, char *mark, size_t *len,
    int *info)
{
	size_t n = 0;
	int blank = 1;

	for (int i = 0; i < 100 && s < end; i++) {
		const char *r = s;
		while (r < end && (*r == ' ' || *r == '\t'))
			r++;
		if (r < end && *r == '>')
			s = r + 1;
		else if (r + 1 < end && strchr("-*+", *r) && (r[1] == ' '))
			s = r + 2;
		else if (r < end && isdigit((unsigned char)*r)) {
			const char *d = r;
			while (d < end && isdigit((unsigned char)*d))
				d++;
			if (d + 1 < end && (*d == '.' || *d == ')') &&
			    d[1] == ' ')
				s = d + 2;
			else {
				s = r;
				break;
			}
		} else {
			s = r;
			break;
		}
	}
	if (s >= end || (*s != '`' && *s != '~'))
		return 0;
	*mark = *s;
	while (s + n < end && s[n] == *mark)
		n++;
	if (n < 3)
		return 0;
	*len = n;
	for (s += n; s < end && *s != '\n'; s++)
		if (*s != ' ' && *s != '\t') {
			blank = 0;
			if (*mark == '`' && *s == '`')
				return 0;
		}
	*info = !blank;
	return 1;
}

/* Where the tag or shortcode that closes a highlight (fence 1 or 2) or
 * a tab of code (3) starts on the line [t, eol); NULL if not there. */
static const char *
fence_closer(const char *t, const char *eol, int fence)
{
	const char *name = fence == 1 ? "/highlight" : fence == 2 ?
	    "endhighlight" : "/tab";
	size_t n = strlen(name);

	for (const char *q = t; (q = memchr(q, '{', (size_t)(eol - q)));
	    q++) {
		const char *in = q + 2;

		if (fence == 2 ? !starts(q, eol, "{%") : !starts(q, eol, "{{<") &&
		    !starts(q, eol, "{{%"))
			continue;
		if (fence != 2)
			in++;
		while (in < eol && (*in == ' ' || *in == '-'))
			in++;
		if (starts(in, eol, name) && (in + n == eol ||
		    !isalnum((unsigned char)in[n])))
			return q;
	}
	return NULL;
}

/* The closer on the line [t, eol) that is not inside {% raw %} (Jekyll
 * reads raw first: what it holds is code, a highlight's end too). */
static const char *
closer_outside_raw(const struct pre *p, const char *t, const char *eol,
    int fence)
{
	int raw = p->craw;

	for (const char *q = t; (q = memchr(q, '{', (size_t)(eol - q)));
	    q++) {
		const char *in = q + 2;

		if (q + 1 < eol && q[1] == '%') {
			in += in < eol && *in == '-';
			while (in < eol && *in == ' ')
				in++;
			if (starts(in, eol, "endraw")) {
				raw = 0;
				continue;
			}
			if (starts(in, eol, "raw") && (in + 3 == eol ||
			    !isalnum((unsigned char)in[3]))) {
				raw = 1;
				continue;
			}
		}
		if (!raw && fence_closer(q, eol, fence) == q)
			return q;
	}
	return NULL;
}

static int
only_blanks(const char *p, const char *eol)
{
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	return p == eol;
}

/* Whether the line after the one ending at eol is blank. */
static int
blank_line_next(const char *eol, const char *end)
{
	const char *q;

	if (eol >= end)
		return 0;
	q = memchr(eol + 1, '\n', (size_t)(end - eol - 1));
	return only_blanks(eol + 1, q ? q : end) && q != NULL;
}

static int span_search(const char *, const char *, size_t, const char **);

/* Whether a run of n backticks at p is closed by another of n before a
 * blank line: then it opens a code span.  The answer found for a run
 * holds for every later run of the same length up to where it was
 * found, so a paragraph of unmatched runs is read once per length. */
static int
span_closes(struct pre *pp, const char *p, const char *end, size_t n)
{
	struct found *c = n < 33 ? &pp->ticks[n] : NULL;
	const char *stop;
	int r;

	if (c && c->from && c->from <= p && p < c->hit)
		return c->hit[0] == '`';
	r = span_search(p, end, n, &stop);
	if (c) {
		c->from = p;
		c->hit = stop;
	}
	return r;
}

/* The search itself; stop: where it ended (the closing run, or the
 * blank line or end that ended it). */
static int
span_search(const char *p, const char *end, size_t n, const char **stop)
{
	*stop = end;
	for (const char *q = p; q < end; q++) {
		if (*q == '\n') {
			const char *r = q + 1;
			while (r < end && (*r == ' ' || *r == '\t'))
				r++;
			if (r >= end || *r == '\n') {
				*stop = q;
				return 0;
			}
			continue;
		}
		if (*q == '`') {
			size_t k = 0;
			while (q + k < end && q[k] == '`')
				k++;
			if (k == n) {
				*stop = q;
				return 1;
			}
			q += k - 1;
		}
	}
	return 0;
}

/* Whether the shortcode at p (after "{{<" or "{{%") is named name. */
static int
shortcode_is(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	p += 3;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return starts(p, end, name) && p + n < end && (p[n] == ' ' ||
	    p[n] == '\t');
}

/* Inside code (a fence, a highlight, a code span) Hugo expands
 * shortcodes too, and Jekyll runs Liquid: the escaped form shows a
 * shortcode, param gives its value, raw and endraw go; the rest is
 * shown as written (an example of the syntax). */
static const char *
code_text(struct pre *p, const char *at)
{
	if (*at == '{' && at + 1 < p->end && (at[1] == '{' || at[1] == '%')) {
		const char *r = NULL, *q;

		p->code = 1;
		if (starts(at, p->end, "{{</*") || starts(at, p->end, "{{%/*") ||
		    ((starts(at, p->end, "{{<") || starts(at, p->end, "{{%")) &&
		    shortcode_is(at, p->end, "param")))
			r = shortcode(p, at, &(int){ 0 });
		else if (at[1] == '%') {
			q = at + 2 + (at[2] == '-');
			while (q < p->end && *q == ' ')
				q++;
			if ((starts(q, p->end, "raw") || starts(q, p->end,
			    "endraw")) && (r = find(p->found, q, p->end,
			    "%}")) != NULL && !memchr(at, '\n',
			    (size_t)(r - at)) && name_end(q, r, 0) ==
			    q + (q[0] == 'r' ? 3 : 6)) {
				r += 2;
				p->craw = q[0] == 'r';
				replace(p, at, r, "");
			} else
				r = NULL;
		}
		p->code = 0;
		if (r)
			return r;
	}
	buf_putc(&p->out, *at);
	return at + 1;
}

/* code_text() over [s, e), a run with no '{' copied at once; where it
 * stopped (past e if a construct ran on). */
static const char *
code_run(struct pre *p, const char *s, const char *e)
{
	while (s < e) {
		const char *q = memchr(s, '{', (size_t)(e - s));

		if (q == NULL)
			q = e;
		buf_put(&p->out, s, (size_t)(q - s));
		s = q;
		if (s < e)
			s = code_text(p, s);
	}
	return s;
}

void
site_prepass(struct book *b, struct essay *e, struct quire_diag *d)
{
	struct pre p;
	const char *s = e->text + e->body, *end = e->text + e->len;
	char mark = 0;
	size_t flen = 0, span = 0;
	int fence = 0, raw = 0, info;
	/* In {% raw %}: the first "endraw" at or after er_from on the line
	 * that ends at er_eol (NULL: none), so that a line of openers is
	 * searched once, not once an opener. */
	const char *er = NULL, *er_from = NULL, *er_eol = NULL;

	/* Most essays have none of it: one look at each '{'. */
	{
		const char *q = s;

		while ((q = memchr(q, '{', (size_t)(end - q))) != NULL &&
		    (q + 1 == end || !strchr("{%:#", q[1]) || q[1] == '\0'))
			q++;
		if (q == NULL)
			return;
	}
	memset(&p, 0, sizeof(p));
	p.b = b;
	p.e = e;
	p.d = d;
	p.s = s;
	p.end = end;
	p.lineno = e->body_line;
	buf_grow(&p.out, e->len + 64);
	buf_put(&p.out, e->text, e->body);
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		char m;
		size_t n;

		if (eol == NULL)
			eol = end;
		p.line = s;
		if (mark) {
			/* In a fenced code block until its closing fence. */
			if (fence_line(s, end, &m, &n, &info) && m == mark &&
			    n >= flen && !info)
				mark = 0;
			s = code_run(&p, s, eol);
		} else if (fence) {
			/* In a highlight shortcode or tag: code, but for the
			 * line that ends it. */
			const char *t = s, *r = NULL, *c;

			while (t < eol && (*t == ' ' || *t == '\t' || *t == '>'))
				t++;
			c = closer_outside_raw(&p, t, eol, fence);
			if (c == t) {
				buf_put(&p.out, s, (size_t)(t - s));
				r = fence == 2 ? liquid_tag(&p, t, &fence, &raw) :
				    shortcode(&p, t, &fence);
				s = r ? r : t;
			} else if (c) {
				/* Closed at the end of the code's last line:
				 * the fence on a line of its own, in place of
				 * a blank line after it if there is one. */
				const char *ce = find_bytes(c, eol, fence == 2 ?
				    "%}" : "}}", 2);

				s = code_run(&p, s, c);
				while (p.out.len > 0 && (p.out.data[p.out.len -
				    1] == ' ' || p.out.data[p.out.len - 1] == '\t'))
					p.out.len--;
				if (ce && only_blanks(ce + 2, eol)) {
					buf_puts(&p.out, "\n```");
					fence = 0;
					s = eol;
					if (blank_line_next(eol, end)) {
						s = memchr(eol + 1, '\n',
						    (size_t)(end - eol - 1));
						if (s == NULL)
							s = end;
						eol = s;
						p.lineno++;
					}
				}
			}
			s = code_run(&p, s, eol);
		} else if (!span && !raw && fence_line(s, end, &mark, &flen,
		    &info)) {
			buf_put(&p.out, s, (size_t)(eol - s));
			s = eol;
		} else {
			const char *attrs = span || raw ? NULL :
			    heading_attrs(&p, s, eol);
			const char *stop = attrs ? attrs : eol;

			mark = 0;
			while (s < stop) {
				const char *r = NULL;

				if (*s == '`') {
					size_t k = 0;
					while (s + k < eol && s[k] == '`')
						k++;
					if (span == k)
						span = 0;
					else if (!span && span_closes(&p, s + k, end,
					    k))
						span = k;
					buf_put(&p.out, s, k);
					s += k;
					continue;
				}
				if (*s != '{' || s + 1 >= end) {
					/* On to the next '`' or '{'. */
					const char *q = s + 1;

					while (q < stop && *q != '`' && *q != '{')
						q++;
					buf_put(&p.out, s, (size_t)(q - s));
					s = q;
					continue;
				}
				if (span)
					r = code_text(&p, s);
				else if (raw) {
					if (er_eol != eol || er_from > s ||
					    (er && er < s)) {
						er = find_bytes(s, eol,
						    "endraw", 6);
						er_from = s;
						er_eol = eol;
					}
					if (starts(s, end, "{%") && er)
						r = liquid_tag(&p, s, &fence,
						    &raw);
				} else if (starts(s, end, "{{<") ||
				    starts(s, end, "{{%"))
					r = shortcode(&p, s, &fence);
				else if (s[1] == '%')
					r = liquid_tag(&p, s, &fence, &raw);
				else if (s[1] == '{')
					r = liquid_output(&p, s);
				else if (s[1] == ':')
					r = kramdown(&p, s);
				if (r) {
					/* A construct over several lines
					 * keeps the count. */
					for (const char *q = s; q < r; q++)
						if (*q == '\n') {
							p.lineno++;
							p.line = q + 1;
						}
					if (r > eol) {
						eol = memchr(r, '\n',
						    (size_t)(end - r));
						if (eol == NULL)
							eol = end;
						/* Read on to the new end of
						 * the line (the byte after
						 * the construct is text). */
						stop = eol;
						attrs = NULL;
					}
					s = r;
				} else
					buf_putc(&p.out, *s++);
			}
			if (attrs)
				s = eol;  /* the heading's attributes: taken */
			/* A blank line ends any code span. */
			{
				const char *t = p.line;
				while (t < eol && (*t == ' ' || *t == '\t'))
					t++;
				if (t == eol)
					span = 0;
			}
		}
		if (s < end) {
			buf_putc(&p.out, '\n');
			s++;
		}
		p.lineno++;
	}
	idset_free(&p.kinds);
	free(e->text);
	e->len = p.out.len;
	e->text = buf_take(&p.out);
	if (e->text == NULL)
		e->text = xstrdup("");
}

/* ---- typographic punctuation for front-matter text ---- */

/* What cmark-gfm's smart punctuation makes of s ("quotes", '--', ...):
 * every other ASCII punctuation character is escaped, so no Markdown
 * construct can form; anything but a plain paragraph keeps s. */
char *
site_smart(const char *s)
{
	struct buf in = { 0 }, out = { 0 };
	cmark_node *doc, *para, *n;
	int ok = 1;

	if (!strpbrk(s, "\"'-."))
		return xstrdup(s);
	for (const char *p = s; *p; p++) {
		if (ispunct((unsigned char)*p) && !strchr("\"'-.", *p))
			buf_putc(&in, '\\');
		buf_putc(&in, *p == '\n' ? ' ' : *p);
	}
	doc = cmark_parse_document(in.data, in.len, CMARK_OPT_SMART);
	para = cmark_node_first_child(doc);
	if (para == NULL || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH ||
	    cmark_node_next(para) != NULL)
		ok = 0;
	for (n = para ? cmark_node_first_child(para) : NULL; ok && n;
	    n = cmark_node_next(n)) {
		if (cmark_node_get_type(n) == CMARK_NODE_TEXT)
			buf_puts(&out, cmark_node_get_literal(n));
		else if (cmark_node_get_type(n) == CMARK_NODE_SOFTBREAK)
			buf_putc(&out, ' ');
		else
			ok = 0;
	}
	cmark_node_free(doc);
	buf_free(&in);
	if (!ok || out.len == 0) {
		buf_free(&out);
		return xstrdup(s);
	}
	/* Leading and trailing blanks, which the paragraph dropped. */
	{
		size_t lead = strspn(s, " \t");
		size_t len = strlen(s), trail = 0;
		char *r;

		while (trail < len - lead && strchr(" \t", s[len - 1 - trail]))
			trail++;
		r = xasprintf("%.*s%s%.*s", (int)lead, s, out.data, (int)trail,
		    s + len - trail);
		buf_free(&out);
		return r;
	}
}

/* ---- the essays by site URL ---- */

static int
has_suffix_ci(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

/* The key of a site path: lowercase (Hugo's URLs are), no slashes at
 * the ends, no extension, a folder's index page the folder itself:
 * "/Functions/strings/Trim/" and "functions/strings/trim.md" meet. */
char *
site_key(const char *path)
{
	static const char *const exts[] = { ".html", ".htm", ".md",
	    ".markdown", ".xhtml", NULL };
	static const char *const index[] = { "index", "_index", "readme",
	    NULL };
	char *k = xstrdup(path + strspn(path, "/")), *p;
	size_t n;
	int again = 1;

	for (p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen(k);
	while (again) {
		again = 0;
		while (n > 0 && k[n - 1] == '/')
			n--;
		for (size_t i = 0; exts[i]; i++)
			if (has_suffix_ci(k, n, exts[i])) {
				n -= strlen(exts[i]);
				again = 1;
				break;
			}
		for (size_t i = 0; !again && index[i]; i++) {
			size_t m = strlen(index[i]);
			if (has_suffix_ci(k, n, index[i]) && (n == m ||
			    k[n - m - 1] == '/')) {
				n -= m;
				again = 1;
			}
		}
	}
	k[n] = '\0';
	return k;
}

static void
add_key(struct book *b, char *key, struct essay *e, size_t order)
{
	GROW(b->site, b->nsite);
	b->site[b->nsite].key = key;
	b->site[b->nsite].e = e;
	b->site[b->nsite].order = order;
	b->nsite++;
}

static int
cmp_url(const void *a, const void *b)
{
	const struct site_url *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The length of a language folder at the start of p ("en/", "pt-br/",
 * "zh-Hans/"), as Hugo's multilingual sites keep their content; 0 if
 * there is none. */
static size_t
lang_folder(const char *p)
{
	size_t n = 0;

	while (n < 3 && islower((unsigned char)p[n]))
		n++;
	if (n < 2)
		return 0;
	if (p[n] == '-' || p[n] == '_') {
		size_t k = n + 1;
		while (k < n + 9 && isalnum((unsigned char)p[k]))
			k++;
		if (k < n + 3)
			return 0;
		n = k;
	}
	return p[n] == '/' ? n + 1 : 0;
}

/* Adds the keys of a path and, when it lies in the folder a site keeps
 * its pages in (content/ of Hugo, src/ of mdBook, docs/), of the rest. */
static void
add_path(struct book *b, const char *path, struct essay *e, size_t order)
{
	static const char *const roots[] = { "content/", "src/", "docs/",
	    NULL };

	add_key(b, site_key(path), e, order);
	for (size_t i = 0; roots[i]; i++)
		if (strncasecmp(path, roots[i], strlen(roots[i])) == 0) {
			const char *rest = path + strlen(roots[i]);
			size_t n = lang_folder(rest);

			add_key(b, site_key(rest), e, order);
			/* Hugo's content/en/docs/x.md is served at /docs/x/
			 * (and /en/docs/x/). */
			if (i == 0 && n)
				add_key(b, site_key(rest + n), e, order);
		}
}

/* The first essay in dv, depth first; -1 if none. */
static long
first_essay(const struct division *dv)
{
	if (dv->essay >= 0)
		return dv->essay;
	for (size_t i = 0; i < dv->nkids; i++) {
		long k = first_essay(&dv->kids[i]);
		if (k >= 0)
			return k;
	}
	return -1;
}

/* A part without a page of its own (Hugo's section whose _index.md has
 * only front matter) is served at its folder's URL: a link there lands
 * on its first essay. */
static void
index_parts(struct book *b, const struct division *dv)
{
	long k;

	if (dv->part && dv->rel && dv->essay < 0 &&
	    (k = first_essay(dv)) >= 0 && (size_t)k < b->nessays)
		add_path(b, dv->rel, &b->essays[k], b->nessays + (size_t)k);
	for (size_t i = 0; i < dv->nkids; i++)
		index_parts(b, &dv->kids[i]);
}

void
site_index(struct book *b)
{
	site_index_free(b);
	index_parts(b, &b->tree);
	for (size_t i = 0; i < b->nessays; i++) {
		struct essay *e = &b->essays[i];
		const char *base = path_basename(e->rel);

		add_path(b, e->rel, e, i);
		/* The file's name alone, for site_find_stem: a key no URL
		 * has (it starts with \1). */
		{
			char *k = site_key(base);
			if (*k)
				add_key(b, xasprintf("\1%s", k), e, i);
			free(k);
		}
		for (size_t k = 0; k < ESITE(e)->urls.n; k++)
			if (!strchr(ESITE(e)->urls.v[k], ':'))
				add_path(b, ESITE(e)->urls.v[k], e, i);
		if (ESITE(e)->site_slug && *ESITE(e)->site_slug) {
			char *dir = path_dirname(e->rel);
			char *p = path_join(dir, ESITE(e)->site_slug);
			add_path(b, p, e, i);
			free(p);
			free(dir);
		}
		/* Jekyll's posts: _posts/2010-07-21-name.md is served as
		 * /2010/07/21/name.html. */
		if (strlen(base) > 11 && isdigit((unsigned char)base[0]) &&
		    base[4] == '-' && base[7] == '-' && base[10] == '-' &&
		    strstr(e->rel, "_posts/")) {
			char *k = xasprintf("%.4s/%.2s/%.2s/%s", base, base + 5,
			    base + 8, base + 11);
			add_key(b, site_key(k), e, i);
			free(k);
		}
	}
	if (b->nsite)
		qsort(b->site, b->nsite, sizeof(*b->site), cmp_url);
}

/* The essay the site serves at path (relative to the site's root). */
struct essay *
site_find(const struct book *b, const char *path)
{
	char *k = site_key(path);
	size_t lo = 0, hi = b->nsite;
	struct essay *e = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->site[mid].key, k);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->nsite && strcmp(b->site[lo].key, k) == 0)
		e = b->site[lo].e;
	free(k);
	return e;
}

/* The one essay whose file is named name (no folder, any case, with or
 * without its extension), as Hugo's ref and Jekyll's post_url find it;
 * NULL when none or several are. */
struct essay *
site_find_stem(const struct book *b, const char *name)
{
	char *k = site_key(path_basename(name)), *key;
	size_t lo = 0, hi = b->nsite;
	struct essay *hit = NULL;

	if (*k == '\0') {
		free(k);
		return NULL;
	}
	key = xasprintf("\1%s", k);
	free(k);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(b->site[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->nsite && strcmp(b->site[lo].key, key) == 0 &&
	    !(lo + 1 < b->nsite && strcmp(b->site[lo + 1].key, key) == 0))
		hit = b->site[lo].e;
	free(key);
	return hit;
}

/* Whether rel (relative to the root) is an image file in the folder. */
int
site_is_image(const struct book *b, const char *rel)
{
	static const char *const exts[] = { ".png", ".jpg", ".jpeg", ".gif",
	    ".svg", ".webp", NULL };
	struct stat st;
	char *full;
	int ok = 0;

	for (size_t i = 0; exts[i] && !ok; i++)
		ok = path_has_ext(rel, exts[i]);
	if (!ok)
		return 0;
	full = path_join(b->root, rel);
	ok = stat(full, &st) == 0 && S_ISREG(st.st_mode);
	free(full);
	return ok;
}

/* ---- images written for the site's URLs ---- */

static int
is_file(const struct book *b, const char *rel)
{
	struct stat st;
	char *full = path_join(b->root, rel);
	int ok = stat(full, &st) == 0 && S_ISREG(st.st_mode);

	free(full);
	return ok;
}

/* A base for path_resolve() at the folder the site serves the essay
 * from, a pretty URL: content/posts/p.md at posts/p/, Jekyll's
 * _tutorials/x.md at tutorials/x/, an index page at its folder, the
 * slug for the last part. */
static char *
page_base(const struct essay *e)
{
	const char *r = e->rel, *base;
	char *stem, *dot, *dir, *s;

	if (strncasecmp(r, "content/", 8) == 0)
		r += 8;
	if (*r == '_')
		r++;
	stem = xstrdup(r);
	if ((dot = strrchr(stem, '.')) != NULL && !strchr(dot, '/'))
		*dot = '\0';
	base = path_basename(stem);
	if (!strcasecmp(base, "index") || !strcasecmp(base, "_index") ||
	    !strcasecmp(base, "readme")) {
		s = path_dirname(stem);
		free(stem);
		stem = s;
	} else if (ESITE(e)->site_slug && *ESITE(e)->site_slug &&
	    !strchr(ESITE(e)->site_slug, '/')) {
		dir = path_dirname(stem);
		free(stem);
		stem = path_join(dir, ESITE(e)->site_slug);
		free(dir);
	}
	s = *stem ? xasprintf("%s/index", stem) : xstrdup("index");
	free(stem);
	return s;
}

/* The file an image reference names, found as the generator finds it:
 * relative to the essay's file, else as a URL relative to the page's
 * own URL (its url or permalink, or its pretty URL) or to the site's
 * root, each looked for in the folder, in Hugo's static/ and content/.
 * When none is there, the path to report as missing: the one relative
 * to the file, else to the page's URL; NULL when each leaves the
 * folder. */
char *
site_image(const struct book *b, const struct essay *e, const char *ref)
{
	static const char *const roots[] = { "", "static/", "content/",
	    NULL };
	struct strv urls = { 0 };
	char *file, *miss = NULL, *hit = NULL;

	if (ref[0] == '/')
		file = path_resolve("", ref + strspn(ref, "/"));
	else
		file = path_resolve(e->rel, ref);
	if (file && is_file(b, file))
		return file;
	if (ref[0] == '/')
		strv_push(&urls, path_resolve("", ref + strspn(ref, "/")));
	else {
		char *base = page_base(e);

		strv_push(&urls, path_resolve(base, ref));
		free(base);
		for (size_t i = 0; i < ESITE(e)->urls.n; i++) {
			const char *u = ESITE(e)->urls.v[i];
			size_t n = strlen(u);

			if (strchr(u, ':'))
				continue;
			base = n && u[n - 1] == '/' ? xasprintf("%sindex", u) :
			    xstrdup(u);
			strv_push(&urls, path_resolve(base +
			    strspn(base, "/"), ref));
			free(base);
		}
		strv_push(&urls, path_resolve("", ref));
	}
	for (size_t i = 0; i < urls.n && !hit; i++) {
		if (urls.v[i] == NULL)
			continue;
		if (miss == NULL)
			miss = urls.v[i];
		for (size_t k = 0; roots[k] && !hit; k++) {
			char *c = xasprintf("%s%s", roots[k], urls.v[i]);

			if (is_file(b, c))
				hit = c;
			else
				free(c);
		}
	}
	if (hit)
		free(file);
	else if (file)
		hit = file;
	else if (miss)
		hit = xstrdup(miss);
	strv_free(&urls);
	return hit;
}
