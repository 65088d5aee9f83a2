/* collection.yaml: the book's metadata (ISBN, contributors, series,
 * stylesheets...), its identifier and the author's stylesheets read. */
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

/* ---- collection.yaml ---- */

/* An ISBN-10 or ISBN-13 (hyphens and spaces allowed, with or without an
 * "urn:isbn:" or "isbn:" prefix) as urn:isbn:DIGITS; NULL if its check
 * digit is wrong or it has no ISBN's shape. */
static char *
isbn_urn(const char *s)
{
	char dig[14];
	size_t n = 0;
	unsigned sum = 0;

	if (strncasecmp(s, "urn:isbn:", 9) == 0)
		s += 9;
	else if (strncasecmp(s, "isbn:", 5) == 0)
		s += 5;
	else if (strncasecmp(s, "isbn ", 5) == 0)
		s += 5;
	for (; *s; s++) {
		if (*s == '-' || *s == ' ')
			continue;
		if (n == 13 || !(isdigit((unsigned char)*s) ||
		    ((*s == 'X' || *s == 'x') && n == 9)))
			return NULL;
		dig[n++] = (char)toupper((unsigned char)*s);
	}
	dig[n] = '\0';
	if (n == 10) {
		for (size_t i = 0; i < 10; i++)
			sum += (unsigned)(10 - i) * (dig[i] == 'X' ? 10u :
			    (unsigned)(dig[i] - '0'));
		if (sum % 11 != 0)
			return NULL;
	} else if (n == 13 && dig[9] != 'X') {
		if (strncmp(dig, "978", 3) != 0 && strncmp(dig, "979", 3) != 0)
			return NULL;
		for (size_t i = 0; i < 13; i++)
			sum += (i % 2 ? 3u : 1u) * (unsigned)(dig[i] - '0');
		if (sum % 10 != 0)
			return NULL;
	} else
		return NULL;
	return xasprintf("urn:isbn:%s", dig);
}

/* Whether s is meant as an ISBN: a prefix that says so, or 10 or 13
 * digits with hyphens or spaces and nothing else. */
static int
looks_isbn(const char *s)
{
	size_t n = 0;

	if (strncasecmp(s, "urn:isbn:", 9) == 0 ||
	    strncasecmp(s, "isbn:", 5) == 0)
		return 1;
	for (; *s; s++)
		if (isdigit((unsigned char)*s) || *s == 'X' || *s == 'x')
			n++;
		else if (*s != '-' && *s != ' ')
			return 0;
	return n == 10 || n == 13;
}

static int
is_url(const char *s)
{
	return strncasecmp(s, "https://", 8) == 0 ||
	    strncasecmp(s, "http://", 7) == 0;
}

/* Contributor roles, as MARC relator codes (id.loc.gov/vocabulary/
 * relators): what the author writes, and the code itself. */
static const struct {
	const char *word, *code;
} roles[] = {
	{ "adapter", "adp" }, { "afterword", "aft" },
	{ "annotator", "ann" }, { "artist", "art" }, { "author", "aut" },
	{ "book designer", "bkd" }, { "book producer", "bkp" },
	{ "commentator", "cmm" }, { "compiler", "com" },
	{ "contributor", "ctb" }, { "cover designer", "cov" },
	{ "designer", "dsr" }, { "editor", "edt" },
	{ "foreword", "aui" }, { "illustrator", "ill" },
	{ "introduction", "aui" }, { "narrator", "nrt" },
	{ "photographer", "pht" }, { "preface", "wpr" },
	{ "proofreader", "pfr" }, { "publisher", "pbl" },
	{ "reviewer", "rev" }, { "translator", "trl" },
};

static const char *
role_code(const char *r)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcasecmp(r, roles[i].word) == 0 ||
		    strcasecmp(r, roles[i].code) == 0)
			return roles[i].code;
	return NULL;
}

static void
json_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

/* math_macros: a mapping of a macro's name (letters, with or without its
 * backslash) to its TeX, for KaTeX's and MathJax's macros, as JSON. */
static int
coll_math_macros(struct essay_fm *f, struct book *b, struct fm_value *v,
    struct loc *l)
{
	struct buf j = { 0 };
	struct fm_rec *r;
	int rc = 0;

	if (v->kind == V_NULL)
		return 0;
	if (v->kind != V_MAP || v->nrecs != 1)
		return diag_error(f->d, l, "'math_macros' must be a mapping "
		    "of a macro's name to its TeX");
	r = &v->recs[0];
	buf_putc(&j, '{');
	for (size_t i = 0; i + 1 < r->kv.n; i += 2) {
		const char *name = r->kv.v[i], *p = name + (*name == '\\');
		struct loc at = { l->path, r->at ? r->at[i * 2] : l->line,
		    r->at ? r->at[i * 2 + 1] : l->col };

		if (*p == '\0' || strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(p) ||
		    strlen(p) > 64) {
			rc = diag_error(f->d, &at, "math_macros: '%s' is not "
			    "a macro name (letters only)", name);
			continue;
		}
		if (j.len > 1)
			buf_putc(&j, ',');
		json_string(&j, p);
		buf_putc(&j, ':');
		json_string(&j, r->kv.v[i + 1]);
	}
	buf_putc(&j, '}');
	free(b->math_macros);
	b->math_macros = buf_take(&j);
	return rc;
}

static int
coll_series(struct essay_fm *f, struct book *b, struct fm_value *v,
    struct loc *l)
{
	static const char *const keys[] = { "name", "position", "index",
	    NULL };
	const char *const *lists[] = { keys, NULL };
	struct fm_rec *r;

	if (v->kind == V_NULL)
		return 0;
	if (v->kind == V_SCALAR)
		return want_string(f->d, "series", v, l, &b->series);
	if (v->kind != V_MAP)
		return diag_error(f->d, l, "'series' must be a name or a "
		    "mapping such as {name: Essays, position: 2}");
	r = &v->recs[0];
	for (size_t i = 0; i + 1 < r->kv.n; i += 2) {
		const char *k = r->kv.v[i], *val = r->kv.v[i + 1];
		char *end;

		if (strcmp(k, "name") == 0) {
			free(b->series);
			b->series = xml_clean(val, strlen(val));
		} else if (strcmp(k, "position") == 0 ||
		    strcmp(k, "index") == 0) {
			(void)strtod(val, &end);
			if (end == val || *end)
				return diag_error(f->d, l, "series position "
				    "must be a number, not '%s'", val);
			free(b->series_pos);
			b->series_pos = xstrdup(val);
		} else {
			struct fm_value kv = { 0 };
			kv.kline = r->at[2 * i];
			kv.kcol = r->at[2 * i + 1];
			unknown_key(f->d, l->path, &kv, k, "series", lists);
		}
	}
	if (b->series == NULL || !*b->series)
		return diag_error(f->d, l, "'series' has no name");
	return 0;
}

static int
coll_contributors(struct essay_fm *f, struct book *b, struct fm_value *v,
    struct loc *l)
{
	static const char *const keys[] = { "name", "role", NULL };
	const char *const *lists[] = { keys, NULL };
	int rc = 0;

	if (v->kind == V_NULL)
		return 0;
	if (v->kind == V_SCALAR) {
		struct fm_rec *one = rec_new(v, l->line, l->col);
		rec_push(one, "", l->line, l->col);
		rec_push(one, v->scalar, l->line, l->col);
	} else if (v->kind != V_LIST && v->kind != V_RECS)
		return diag_error(f->d, l, "'contributors' must be a list "
		    "such as [{name: A. Editor, role: editor}]");
	for (size_t i = 0; i < v->nrecs; i++) {
		struct fm_rec *r = &v->recs[i];
		struct loc rl = { l->path, r->line, r->col };
		const char *name = NULL, *role = NULL;
		struct loc rolel = rl;

		for (size_t k = 0; k + 1 < r->kv.n; k += 2) {
			const char *key = r->kv.v[k];
			if (*key == '\0' || strcmp(key, "name") == 0)
				name = r->kv.v[k + 1];
			else if (strcmp(key, "role") == 0) {
				role = r->kv.v[k + 1];
				rolel.line = r->at[2 * k + 2];
				rolel.col = r->at[2 * k + 3];
			} else {
				struct fm_value kv = { 0 };
				kv.kline = r->at[2 * k];
				kv.kcol = r->at[2 * k + 1];
				unknown_key(f->d, l->path, &kv, key,
				    "contributors", lists);
			}
		}
		if (name == NULL || !*name) {
			rc = diag_error(f->d, &rl, "a contributor has no "
			    "name");
			continue;
		}
		GROW(b->contribs, b->ncontribs);
		b->contribs[b->ncontribs].name = xml_clean(name, strlen(name));
		b->contribs[b->ncontribs].role = role ? role_code(role) : NULL;
		if (role && !b->contribs[b->ncontribs].role)
			diag_warn(f->d, &rolel, "unknown role '%s' (a MARC "
			    "relator such as editor, translator, illustrator "
			    "or a code such as edt); no role is given", role);
		b->ncontribs++;
	}
	return rc;
}

static int
coll_style(struct essay_fm *f, struct book *b, struct fm_value *v,
    struct loc *l)
{
	struct strv paths = { 0 };
	int rc = 0;

	if (want_list(f->d, "stylesheet", v, l, &paths) < 0)
		return -1;
	for (size_t i = 0; i < paths.n; i++) {
		const char *p = paths.v[i];
		char *rel = p[0] == '/' ? path_resolve("", p + 1) :
		    path_resolve("collection.yaml", p);
		struct style *st;

		if (rel == NULL || !*rel || strchr(p, ':')) {
			rc = diag_error(f->d, l, "stylesheet %s is outside the "
			    "content folder", p);
			free(rel);
			continue;
		}
		GROW(b->styles, b->nstyles);
		st = &b->styles[b->nstyles++];
		memset(st, 0, sizeof(*st));
		st->rel = rel;
		st->path = path_join(b->root, rel);
		st->line = l->line;
		st->col = l->col;
		st->name = xasprintf("style-%zu.css", b->nstyles);
	}
	strv_free(&paths);
	return rc;
}

static int
collection_key(void *arg, const char *key, struct fm_value *v,
    struct loc *l)
{
	struct essay_fm *f = arg;
	struct book *b = (struct book *)f->e;

	if (strcmp(key, "identifier") == 0 || strcmp(key, "isbn") == 0) {
		char *id = NULL, *urn;

		if (want_string(f->d, key, v, l, &id) < 0 || id == NULL)
			return v->kind == V_NULL ? 0 : -1;
		if (strcmp(key, "isbn") == 0 || looks_isbn(id)) {
			if ((urn = isbn_urn(id)) == NULL) {
				free(id);
				return diag_error(f->d, l, "'%s' is not a "
				    "valid ISBN-10 or ISBN-13 (wrong check "
				    "digit or length)", key);
			}
			free(b->isbn);
			b->isbn = urn;
			if (strcmp(key, "isbn") == 0) {
				free(id);
				return 0;
			}
		}
		free(b->identifier);
		b->identifier = id;
		return 0;
	}
	if (strcmp(key, "license") == 0) {
		if (want_string(f->d, key, v, l, &b->license) < 0 ||
		    b->license == NULL)
			return v->kind == V_NULL ? 0 : -1;
		if (!is_url(b->license) || strpbrk(b->license, " \t\n<>\"")) {
			free(b->license);
			b->license = NULL;
			return diag_error(f->d, l, "'license' must be a URL "
			    "such as https://creativecommons.org/licenses/"
			    "by/4.0/ (the words go in 'rights')");
		}
		return 0;
	}
	if (strcmp(key, "series") == 0)
		return coll_series(f, b, v, l);
	if (strcmp(key, "contributors") == 0)
		return coll_contributors(f, b, v, l);
	if (strcmp(key, "subjects") == 0 || strcmp(key, "subject") == 0)
		return want_list(f->d, key, v, l, &b->subjects);
	if (strcmp(key, "stylesheet") == 0 || strcmp(key, "stylesheets") == 0)
		return coll_style(f, b, v, l);
	if (strcmp(key, "theme") == 0) {
		char *t = NULL;
		if (want_string(f->d, key, v, l, &t) < 0 || t == NULL)
			return v->kind == V_NULL ? 0 : -1;
		if (strcmp(t, "none") == 0)
			b->theme_none = 1;
		else if (strcmp(t, "default") == 0)
			b->theme_none = 0;
		else {
			free(t);
			return diag_error(f->d, l, "'theme' must be default "
			    "or none");
		}
		free(t);
		return 0;
	}

	if (strcmp(key, "math") == 0) {
		char *t = NULL;
		if (want_string(f->d, key, v, l, &t) < 0 || t == NULL)
			return v->kind == V_NULL ? 0 : -1;
		if (strcmp(t, "svg") == 0)
			b->math_svg = 1;
		else if (strcmp(t, "mathml") == 0)
			b->math_svg = 0;
		else {
			free(t);
			return diag_error(f->d, l, "'math' must be mathml or "
			    "svg");
		}
		free(t);
		return 0;
	}
	if (strcmp(key, "math_macros") == 0)
		return coll_math_macros(f, b, v, l);
	{
		int c = cite_key(f->d, key, v, l, "collection.yaml", 1,
		    &b->cite);
		if (c <= 0)
			return c;
	}
	if (strcmp(key, "title") == 0)
		return want_string(f->d, key, v, l, &b->title);
	if (strcmp(key, "subtitle") == 0)
		return want_string(f->d, key, v, l, &b->subtitle);
	if (strcmp(key, "description") == 0 || strcmp(key, "summary") == 0)
		return want_string(f->d, key, v, l, &b->description);
	if (strcmp(key, "author") == 0 || strcmp(key, "authors") == 0 ||
	    strcmp(key, "creator") == 0)
		return want_list(f->d, key, v, l, &b->authors);
	if (strcmp(key, "language") == 0 || strcmp(key, "lang") == 0)
		return want_lang(f->d, key, v, l, &b->lang);
	if (strcmp(key, "publisher") == 0)
		return want_string(f->d, key, v, l, &b->publisher);
	if (strcmp(key, "rights") == 0)
		return want_string(f->d, key, v, l, &b->rights);
	if (strcmp(key, "version") == 0)
		return want_string(f->d, key, v, l, &b->version);
	if (strcmp(key, "number_sections") == 0 ||
	    strcmp(key, "crossref_chapters") == 0) {
		int *dst = key[0] == 'n' ? &b->number_sections :
		    &b->crossref_chapters;
		const char *t = v->kind == V_SCALAR ? v->scalar : "";

		if (v->kind == V_NULL)
			return 0;
		if (!strcasecmp(t, "true") || !strcasecmp(t, "yes") ||
		    !strcasecmp(t, "on"))
			*dst = 1;
		else if (!strcasecmp(t, "false") || !strcasecmp(t, "no") ||
		    !strcasecmp(t, "off"))
			*dst = 0;
		else
			return diag_error(f->d, l, "'%s' must be true or false",
			    key);
		return 0;
	}
	if (strcmp(key, "toc_depth") == 0) {
		char *end;
		long n;

		if (v->kind == V_NULL)
			return 0;
		if (v->kind != V_SCALAR || ((n = strtol(v->scalar, &end, 10)),
		    end == v->scalar || *end || n < 1 || n > 6))
			return diag_error(f->d, l, "'toc_depth' must be a "
			    "number from 1 (essay titles only) to 6");
		b->toc_depth = (int)n;
		return 0;
	}
	if (strcmp(key, "cover") == 0) {
		b->cover_line = l->line;
		b->cover_col = l->col;
		return want_string(f->d, key, v, l, &b->cover);
	}
	if (strcmp(key, "date") == 0) {
		if (want_string(f->d, key, v, l, &b->date) < 0)
			return -1;
		if (b->date && strlen(b->date) > 10)
			b->date[10] = '\0';
		if (b->date && !date_valid(b->date)) {
			free(b->date);
			b->date = NULL;
			return diag_error(f->d, l, "'date' must be a date "
			    "such as 2025-03-14");
		}
		return 0;
	}
	if ((strcmp(key, "params") == 0 || strcmp(key, "site") == 0) &&
	    v->kind == V_MAP) {
		/* For a site's {{< param >}} and .Site.Params.x; Jekyll's
		 * {{ site.x }}. */
		struct fm_rec *r = &v->recs[0];
		struct strv *to = *key == 'p' ? &b->params : &b->sitevars;

		for (size_t i = 0; i + 1 < r->kv.n; i += 2) {
			strv_push(to, xstrdup(r->kv.v[i]));
			strv_push(to, xml_clean(r->kv.v[i + 1],
			    strlen(r->kv.v[i + 1])));
		}
		return 0;
	}
	{
		const char *const *lists[] = { collection_keys, NULL };
		return unknown_key(f->d, l->path, v, key, NULL, lists);
	}
}

time_t
date_epoch(const char *s)
{
	struct tm tm = { 0 };

	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = strlen(s) >= 7 ? atoi(s + 5) - 1 : 0;
	tm.tm_mday = strlen(s) >= 10 ? atoi(s + 8) : 1;
	return timegm(&tm);
}

static int
is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strncasecmp(s, "urn:uuid:", 9) == 0)
		s += 9;
	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == '-' ? s[i] != '-' :
		    !strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	}
	return 1;
}

char *
make_uuid(const struct book *b)
{
	const char *src = b->identifier ? b->identifier : b->title;
	char *seed, *u;

	/* A URN (an ISBN's included) or a URL names the book as given. */
	if (b->identifier && b->isbn && looks_isbn(b->identifier))
		return xstrdup(b->isbn);
	if (b->identifier && !is_uuid(b->identifier) &&
	    (strncasecmp(b->identifier, "urn:", 4) == 0 ||
	    is_url(b->identifier)))
		return xstrdup(b->identifier);
	if (b->identifier == NULL && b->isbn)
		return xstrdup(b->isbn);
	if (b->identifier && is_uuid(b->identifier)) {
		const char *s = b->identifier;
		if (strncasecmp(s, "urn:uuid:", 9) == 0)
			s += 9;
		u = xasprintf("urn:uuid:%s", s);
		for (char *p = u + 9; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
		return u;
	}
	/* Name-based: the same collection always gets the same UUID
	 * (RFC 9562 version 8, from SHA-256 of the identifier or title). */
	seed = xasprintf("quire:%s", src);
	u = uuid_v8(seed);
	free(seed);
	return u;
}

int
load_collection(struct scan *s)
{
	struct book *b = s->book;
	struct essay_fm f = { (struct essay *)b, s->d };
	const char *names[] = { "collection.yaml", "collection.yml" };
	char *text, *path;
	size_t len;
	int rc;

	for (size_t i = 0; i < 2; i++) {
		rc = scan_read(s, names[i], &text, &len);
		if (rc == Q_ABSENT)
			continue;
		if (rc < 0)
			return -1;
		path = path_join(b->root, names[i]);
		text = normalise_text(s->d, path, text, &len);
		rc = yaml_map(s->d, path, 1, text, len, collection_key, &f);
		free(text);
		free(path);
		return rc;
	}
	return 0;
}

/* The author's stylesheets, read, their url()s resolved (css.c). */
int
load_styles(struct book *b, struct quire_diag *d)
{
	char *cp = path_join(b->root, "collection.yaml");
	int rc = 0;

	for (size_t i = 0; i < b->nstyles; i++) {
		struct style *st = &b->styles[i];
		struct loc l = { cp, st->line, st->col };
		int r = read_inside(b, st->rel, &l, d, &st->text, &st->len,
		    NULL);

		if (r == Q_ABSENT)
			rc = diag_error(d, &l, "stylesheet not found: %s",
			    st->rel);
		else if (r < 0)
			rc = -1;
		else {
			st->text = normalise_text(d, st->path, st->text,
			    &st->len);
			if (css_prepare(b, st, d) < 0)
				rc = -1;
		}
	}
	free(cp);
	return rc;
}

/* What book.toml gives, taken as collection.yaml's keys would be where
 * collection.yaml left them unset. */
struct toml_take {
	struct scan *s;
	const char *path;
	int authors;        /* collection.yaml named none: book.toml's */
	int rc;
};

static void
toml_take(void *arg, const char *key, const char *value, int line, int col)
{
	struct toml_take *t = arg;
	struct book *b = t->s->book;
	struct quire_diag *d = t->s->d;
	struct loc l = { t->path, line, col };
	struct fm_value v = { 0 };
	char **dst = NULL;

	if (value == NULL) {
		t->rc = diag_error(d, &l, "'%s' in book.toml must be %s", key,
		    strcmp(key, "authors") ? "a string" : "a list of names");
		return;
	}
	if (strcmp(key, "authors") == 0) {
		if (t->authors && *value)
			strv_push(&b->authors, xml_clean(value, strlen(value)));
		return;
	}
	if (strcmp(key, "src") == 0) {
		char *src = value[0] == '/' ? NULL : path_resolve("", value);

		if (src == NULL)
			t->rc = diag_error(d, &l, "'src' must be a folder "
			    "inside the book: %s", value);
		else if (*src && t->s->src == NULL)
			t->s->src = src;
		else
			free(src);
		return;
	}
	dst = !strcmp(key, "title") ? &b->title : !strcmp(key, "language") ?
	    &b->lang : &b->description;
	if (*dst)
		return;
	v.kind = V_SCALAR;
	v.scalar = (char *)value;
	v.line = line;
	v.col = col;
	if ((strcmp(key, "language") ? want_string(d, key, &v, &l, dst) :
	    want_lang(d, key, &v, &l, dst)) < 0)
		t->rc = -1;
}

/* mdBook's book.toml: the title, authors, description and language
 * collection.yaml does not give, and the folder of SUMMARY.md. */
int
load_booktoml(struct scan *s)
{
	struct toml_take t = { s, NULL, s->book->authors.n == 0, 0 };
	char *text, *error;
	size_t len;
	int rc = scan_read(s, "book.toml", &text, &len), line = 0, col = 0;

	if (rc == Q_ABSENT)
		return 0;
	if (rc < 0)
		return -1;
	t.path = path_join(s->book->root, "book.toml");
	text = normalise_text(s->d, t.path, text, &len);
	if (booktoml_read(text, len, toml_take, &t, &error, &line, &col) < 0) {
		struct loc l = { t.path, line, col };
		t.rc = diag_error(s->d, &l, "TOML: %s", error);
		free(error);
	}
	free(text);
	free((char *)t.path);
	return t.rc;
}
