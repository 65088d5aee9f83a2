/* Front matter: the keys an essay may set, acted on; the keys that sites
 * and themes write, accepted; any other named, with the nearest known key
 * when it looks like a slip. */
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

/* ---- keys: each known one acted on, the rest named ---- */

static int role_of(const char *);

static const char *const essay_keys[] = { "title", "subtitle", "summary",
    "description", "date", "author", "authors", "tags", "lang", "language",
    "dir", "order", "weight", "draft", "role", "index", "number_sections",
    "bibliography", "csl", NULL };

/* Keys that Hugo, Jekyll, mdBook and their themes write: accepted without
 * a word, so a site's posts bind as they are. */
static const char *const site_keys[] = { "aliases", "author_profile",
    "build", "cascade", "categories", "category", "comments", "cover", "draft",
    "excerpt", "excerpt_separator", "expiryDate", "expirydate",
    "featured_image", "has_children", "headless", "hidden", "image",
    "images", "isCJKLanguage", "katex", "keywords", "lastmod", "layout",
    "linkTitle", "markup", "math", "mathjax", "menu", "menus", "mermaid",
    "nav_order", "outputs", "parent", "permalink", "publishDate",
    "publishdate", "published", "redirect_from", "redirect_to",
    "resources", "series", "sidebar", "sitemap", "slug", "status", "toc",
    "type", "url", "videos", "audio", NULL };

const char *const collection_keys[] = { "title", "subtitle",
    "description", "summary", "author", "authors", "creator", "language",
    "lang", "identifier", "isbn", "publisher", "rights", "license",
    "version", "date", "cover", "stylesheet", "theme", "series",
    "contributors", "subjects", "toc_depth", "math", "math_macros",
    "number_sections", "crossref_chapters", "bibliography", "csl",
    "bibliography_at", NULL };

/* Damerau-Levenshtein distance (optimal string alignment), ASCII case
 * folded; keys are short, so the three rows live on the stack. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), r0[65], r1[65], r2[65];
	size_t *pp = r0, *p = r1, *c = r2, *t;

	if (n > 64 || m > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= m; j++)
		p[j] = j;
	for (size_t i = 1; i <= n; i++) {
		c[0] = i;
		for (size_t j = 1; j <= m; j++) {
			int ai = tolower((unsigned char)a[i - 1]);
			int bj = tolower((unsigned char)b[j - 1]);
			size_t v = p[j - 1] + (ai != bj);

			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ai == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == bj &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[m];
}

/* The known key nearest to key, when it is close enough to be a slip of
 * the keyboard: one edit in a short key, two in a longer one. */
static const char *
nearest_key(const char *key, const char *const *lists[])
{
	const char *best = NULL;
	size_t bd = SIZE_MAX, n = strlen(key);
	size_t lim = n <= 4 ? 1 : 2;

	for (size_t k = 0; lists[k]; k++)
		for (size_t i = 0; lists[k][i]; i++) {
			size_t dd = edit_distance(key, lists[k][i]);
			if (dd < bd) {
				bd = dd;
				best = lists[k][i];
			}
		}
	return bd > 0 && bd <= lim && bd < n ? best : NULL;
}

static int
in_list(const char *key, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(key, list[i]) == 0)
			return 1;
	return 0;
}

/* A key nothing acts on: a warning, naming the nearest known key. */
int
unknown_key(struct quire_diag *d, const char *path, struct fm_value *v,
    const char *key, const char *what, const char *const *lists[])
{
	struct loc kl = { path, v->kline, v->kcol };
	const char *near = nearest_key(key, lists);

	if (near)
		diag_warn(d, &kl, "unknown key '%s'%s%s; did you mean '%s'?",
		    key, what ? " in " : "", what ? what : "", near);
	else
		diag_warn(d, &kl, "unknown key '%s'%s%s (ignored)", key,
		    what ? " in " : "", what ? what : "");
	return 0;
}


static int
essay_key(void *arg, const char *key, struct fm_value *v, struct loc *l)
{
	struct essay_fm *f = arg;
	struct essay *e = f->e;
	char *end;

	if (strcmp(key, "title") == 0) {
		e->title_line = l->line;
		return want_string(f->d, key, v, l, &e->title);
	}
	if (strcmp(key, "subtitle") == 0)
		return want_string(f->d, key, v, l,
		    &essay_more(e)->subtitle);
	if (strcmp(key, "summary") == 0 || strcmp(key, "description") == 0)
		return want_string(f->d, key, v, l,
		    &essay_more(e)->summary);
	if (strcmp(key, "date") == 0) {
		if (want_string(f->d, key, v, l, &e->date) < 0)
			return -1;
		if (e->date && strlen(e->date) > 10 && e->date[10] != ' ' &&
		    e->date[10] != 'T' && e->date[10] != 't')
			goto baddate;
		if (e->date && strlen(e->date) > 10)
			e->date[10] = '\0';
		if (e->date && !date_valid(e->date))
			goto baddate;
		return 0;
baddate:
		free(e->date);
		e->date = NULL;
		return diag_error(f->d, l, "'date' must be a date such as "
		    "2025-03-14");
	}
	if (strcmp(key, "author") == 0 || strcmp(key, "authors") == 0)
		return want_list(f->d, key, v, l,
		    &essay_more(e)->authors);
	if (strcmp(key, "tags") == 0)
		return want_list(f->d, key, v, l,
		    &essay_more(e)->tags);
	/* Terms of the book's index that stand for the essay as a whole. */
	if (strcmp(key, "index") == 0)
		return want_list(f->d, key, v, l,
		    &essay_site(e)->index);
	if (strcmp(key, "lang") == 0 || strcmp(key, "language") == 0)
		return want_lang(f->d, key, v, l, &e->lang);
	if (strcmp(key, "order") == 0 || strcmp(key, "weight") == 0) {
		if (v->kind == V_NULL)
			return 0;
		if (v->kind != V_SCALAR)
			return diag_error(f->d, l, "'%s' must be a number", key);
		e->order = strtod(v->scalar, &end);
		if (end == v->scalar || *end)
			return diag_error(f->d, l, "'%s' must be a number, not "
			    "'%s'", key, v->scalar);
		e->has_order = 1;
		return 0;
	}
	if (strcmp(key, "number_sections") == 0) {
		const char *s = v->kind == V_SCALAR ? v->scalar : "";

		if (v->kind == V_NULL)
			return 0;
		if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
		    !strcasecmp(s, "on"))
			e->numbered = 2;
		else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
		    !strcasecmp(s, "off"))
			e->numbered = 1;
		else
			return diag_error(f->d, l, "'number_sections' must be "
			    "true or false");
		return 0;
	}
	if (strcmp(key, "draft") == 0) {
		if (v->kind == V_NULL)
			return 0;
		if (v->kind == V_SCALAR) {
			const char *s = v->scalar;
			if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
			    !strcasecmp(s, "on")) {
				e->draft = 1;
				return 0;
			}
			if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
			    !strcasecmp(s, "off")) {
				e->draft = 0;
				return 0;
			}
		}
		return diag_error(f->d, l, "'draft' must be true or false");
	}
	/* The URL a static site gives the page (Hugo's url, slug and
	 * aliases; Jekyll's permalink), so that links to it resolve. */
	if (strcmp(key, "url") == 0 || strcmp(key, "permalink") == 0 ||
	    strcmp(key, "aliases") == 0) {
		struct strv urls = { 0 };
		if (want_list(f->d, key, v, l, &urls) < 0)
			return -1;
		for (size_t i = 0; i < urls.n; i++)
			strv_push(&essay_site(e)->urls, urls.v[i]);
		free(urls.v);
		return 0;
	}
	if (strcmp(key, "slug") == 0)
		return want_string(f->d, key, v, l,
		    &essay_site(e)->site_slug);
	/* Hugo's cascade: params for every page under the section, as
	 * {params: {x: 1}} or (older) {x: 1}. */
	if (strcmp(key, "cascade") == 0 && v->kind == V_MAP) {
		struct fm_rec *r = &v->recs[0];
		for (size_t i = 0; i + 1 < r->kv.n; i += 2) {
			const char *k = r->kv.v[i];
			struct strv *cv;

			if (strncmp(k, "params.", 7) == 0)
				k += 7;
			if (strchr(k, '.') || *k == '_')
				continue;  /* _target and the like */
			cv = &essay_site(e)->cascade;
			strv_push(cv, xstrdup(k));
			strv_push(cv, xml_clean(r->kv.v[i + 1],
			    strlen(r->kv.v[i + 1])));
		}
		return 0;
	}
	/* Values for the site's {{< param >}}: Hugo's params mapping. */
	if (strcmp(key, "params") == 0 && v->kind == V_MAP) {
		struct fm_rec *r = &v->recs[0];
		for (size_t i = 0; i + 1 < r->kv.n; i += 2) {
			struct strv *pv = &essay_site(e)->params;

			strv_push(pv, xstrdup(r->kv.v[i]));
			strv_push(pv, xml_clean(r->kv.v[i + 1],
			    strlen(r->kv.v[i + 1])));
		}
		return 0;
	}
	if (strcmp(key, "role") == 0) {
		char *r = NULL;
		int k = role_of(v->kind == V_SCALAR ? v->scalar : "");

		if (v->kind == V_NULL)
			return 0;
		if (k < 0) {
			struct buf b = { 0 };
			for (int i = 0; essay_roles[i]; i++)
				buf_printf(&b, "%s%s", i ? ", " : "",
				    essay_roles[i]);
			r = buf_take(&b);
			diag_error(f->d, l, "'role' must be one of %s", r);
			free(r);
			return -1;
		}
		e->role = k;
		return 0;
	}
	if (strcmp(key, "dir") == 0) {
		struct essay_more *m = essay_more(e);

		if (want_string(f->d, key, v, l, &m->dir) < 0 || !m->dir)
			return v->kind == V_NULL ? 0 : -1;
		if (strcmp(m->dir, "rtl") && strcmp(m->dir, "ltr") &&
		    strcmp(m->dir, "auto")) {
			free(m->dir);
			m->dir = NULL;
			return diag_error(f->d, l, "'dir' must be rtl, ltr or "
			    "auto");
		}
		return 0;
	}
	if (in_list(key, site_keys))
		return 0;
	/* An essay's other keys are not cite_key()'s (it returns 1). */
	if (strcmp(key, "bibliography") == 0 || strcmp(key, "csl") == 0)
		return cite_key(f->d, key, v, l, e->rel, 0,
		    &essay_more(e)->cite);
	{
		const char *const *lists[] = { essay_keys, site_keys, NULL };
		return unknown_key(f->d, e->path, v, key, NULL, lists);
	}
}

/* The first lit in [p, end), or NULL. */
static char *
memmem_s(char *p, char *end, const char *lit)
{
	size_t n = strlen(lit);

	for (; p + n <= end; p++)
		if (memcmp(p, lit, n) == 0)
			return p;
	return NULL;
}

static int
role_of(const char *name)
{
	for (int i = 0; essay_roles[i]; i++)
		if (strcmp(essay_roles[i], name) == 0)
			return i;
	return -1;
}

/* pandoc's `# Title {epub:type=appendix}`: the role of the essay, from
 * its first level-one heading, taken out of the heading's attributes
 * (on the same line: the lines stay where they were). */
static void
heading_role(struct essay *e)
{
	char *p = e->text + e->body, *end = e->text + e->len;

	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p)), *open, *t;
		char *stop = eol ? eol : end;

		if (p + 2 <= stop && p[0] == '#' && p[1] == ' ') {
			while (stop > p && (stop[-1] == ' ' || stop[-1] == '\r'))
				stop--;
			if (stop == p || stop[-1] != '}')
				return;
			for (open = stop - 1; open > p && *open != '{'; open--)
				;
			if (*open != '{' || (t = memmem_s(open, stop,
			    "epub:type=")) == NULL)
				return;
			{
				char *v = t + 10, *ve;
				char name[32];
				int k;

				if (*v == '"' || *v == '\'')
					v++;
				for (ve = v; ve < stop - 1 && *ve != ' ' &&
				    *ve != '"' && *ve != '\''; ve++)
					;
				if ((size_t)(ve - v) >= sizeof(name))
					return;
				memcpy(name, v, (size_t)(ve - v));
				name[ve - v] = '\0';
				if ((k = role_of(name)) < 0)
					return;
				if (e->role == 0)
					e->role = k;
				if (ve < stop - 1 && (*ve == '"' || *ve == '\''))
					ve++;
				/* The attribute out; the braces too if empty. */
				{
					char *from = t, *to = ve;
					int empty = 1;

					for (char *q = open + 1; q < stop - 1; q++)
						if ((q < from || q >= to) && *q != ' ')
							empty = 0;
					if (empty) {
						from = open;
						to = stop;
						while (from > p && from[-1] == ' ')
							from--;
					}
					memmove(from, to, (size_t)(end - to));
					e->len -= (size_t)(to - from);
					e->text[e->len] = '\0';
				}
			}
			return;
		}
		p = eol ? eol + 1 : end;
	}
}

/* Splits the front matter off e->text and reads it into e. */
static int
split_front_matter(struct essay *e, struct quire_diag *d)
{
	const char *t = e->text, *end = t + e->len, *p, *fm;
	struct essay_fm f = { e, d };
	struct loc l = { e->path, 1, 1 };
	int line = 2;

	e->body = 0;
	e->body_line = 1;
	if (!is_fence(t, end, "---"))
		return 0;
	fm = p = memchr(t, '\n', (size_t)(end - t));
	if (p == NULL)
		return diag_error(d, &l, "front matter is not closed: no "
		    "'---' line after the opening one");
	fm = ++p;
	while (p < end) {
		if (is_fence(p, end, "---") || is_fence(p, end, "...")) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			e->body = nl ? (size_t)(nl + 1 - t) : e->len;
			e->body_line = line + 1;
			return yaml_map(d, e->path, 2, fm, (size_t)(p - fm),
			    essay_key, &f);
		}
		if ((p = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p++;
		line++;
	}
	return diag_error(d, &l, "front matter is not closed: no '---' "
	    "line after the opening one");
}

int
essay_front_matter(struct essay *e, struct quire_diag *d)
{
	int rc = split_front_matter(e, d);

	heading_role(e);
	return rc;
}
