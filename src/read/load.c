/* Load stage: find the essays in the content folder (sorted, never leaving
 * it) and its parts (folders with their _index.md, or mdBook's SUMMARY.md),
 * split and read their YAML front matter with libyaml, read
 * collection.yaml, order the essays within their parts and settle the
 * book's metadata. */
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

#include "internal.h"
#include "math.h"

#define MAX_FILE (64u << 20)   /* larger inputs are refused */
#define MAX_DEPTH 32           /* folder nesting */

struct scan {
	struct book *book;
	const struct quire_options *opt;
	struct quire_diag *d;
	struct strv files;         /* essay paths relative to the root */
	time_t newest;
	atomic_int math_seen;      /* an essay may have a formula */
};

/* ---- reading files ---- */

/* Reads rel (relative to the root) after checking that it resolves inside
 * the root; where: the place that asked for it (NULL: the file itself). */
int
read_inside(const struct book *bk, const char *rel, const struct loc *where,
    struct quire_diag *d, char **data, size_t *len, time_t *mtime)
{
	char *full = path_join(bk->root, rel), *real;
	struct loc fl = { full, 0, 0 };
	const struct loc *l = where ? where : &fl;
	size_t rn = strlen(bk->root_real);
	struct buf b = { 0 };
	struct stat st;
	ssize_t r;
	int fd = -1, rc = -1;

	if ((real = realpath(full, NULL)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = -2;
		else
			diag_errno(d, l, errno, "cannot read %s: %s", full,
			    strerror(errno));
		free(full);
		return rc;
	}
	if (strncmp(real, bk->root_real, rn) != 0 ||
	    (real[rn] != '/' && real[rn] != '\0')) {
		diag_error(d, l, "refusing %s: it resolves outside the "
		    "content folder", full);
		goto out;
	}
	/* O_NONBLOCK: a FIFO would block open() until someone writes to it;
	 * it is refused below like any other file that is not regular. */
	if ((fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		diag_errno(d, l, errno, "cannot read %s: %s", full,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, l, "%s is not a regular file", full);
		goto out;
	}
	if ((uintmax_t)st.st_size > MAX_FILE) {
		diag_error(d, l, "%s is too large (%jd bytes; the limit is "
		    "%u MiB)", full, (intmax_t)st.st_size, MAX_FILE >> 20);
		goto out;
	}
	if (mtime)
		*mtime = st.st_mtime;
	buf_grow(&b, (size_t)st.st_size);
	for (;;) {
		buf_grow(&b, 65536);
		r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || b.len + (size_t)r > MAX_FILE) {
			diag_errno(d, l, r < 0 ? errno : 0, "cannot read %s: "
			    "%s", full, r < 0 ? strerror(errno) :
			    "file too large");
			buf_free(&b);
			goto out;
		}
		b.len += (size_t)r;
	}
	b.data[b.len] = '\0';
	*len = b.len;
	*data = buf_take(&b);
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(real);
	free(full);
	return rc;
}

static int
scan_read(struct scan *s, const char *rel, char **data, size_t *len)
{
	time_t mt = 0;
	int rc = read_inside(s->book, rel, NULL, s->d, data, len, &mt);

	if (rc == 0 && mt > s->newest)
		s->newest = mt;
	return rc;
}

/* A file that opens with a UTF-16 or UTF-32 byte order mark, converted
 * to UTF-8 (iconv); sequences that are not valid in it become U+FFFD,
 * with a warning.  Other text is left as it is. */
static char *
from_wide(struct quire_diag *d, const char *path, char *text, size_t *len)
{
	static const struct {
		const char *bom, *code;
		size_t n;
	} boms[] = {
		{ "\xff\xfe\0\0", "UTF-32LE", 4 },
		{ "\0\0\xfe\xff", "UTF-32BE", 4 },
		{ "\xff\xfe", "UTF-16LE", 2 },
		{ "\xfe\xff", "UTF-16BE", 2 },
	};
	struct buf b = { 0 };
	char *in, *out;
	size_t left, room, unit;
	iconv_t cd;
	int i, warned = 0;

	for (i = 0; i < 4; i++)
		if (*len >= boms[i].n && memcmp(text, boms[i].bom,
		    boms[i].n) == 0)
			break;
	if (i == 4)
		return text;
	if ((cd = iconv_open("UTF-8", boms[i].code)) == (iconv_t)-1)
		return text;  /* glibc has them all */
	unit = boms[i].n;
	in = text + unit;
	left = *len - unit;
	buf_grow(&b, left * 2 + 16);
	while (left > 0) {
		out = b.data + b.len;
		room = b.cap - b.len - 1;
		if (iconv(cd, &in, &left, &out, &room) != (size_t)-1) {
			b.len = (size_t)(out - b.data);
			break;
		}
		b.len = (size_t)(out - b.data);
		if (errno == E2BIG) {
			buf_grow(&b, left * 2 + 16);
			continue;
		}
		/* EILSEQ, or EINVAL: cut short at the end. */
		if (!warned++) {
			struct loc l = { path, 0, 0 };
			diag_warn(d, &l, "invalid %s at byte %zu (replaced "
			    "with U+FFFD)", boms[i].code, (size_t)(in - text));
		}
		buf_puts(&b, "\xef\xbf\xbd");
		if (errno == EINVAL || left < unit)
			break;
		in += unit;
		left -= unit;
	}
	iconv_close(cd);
	free(text);
	b.data[b.len] = '\0';
	*len = b.len;
	return buf_take(&b);
}

/* Line ends become LF, a BOM goes (UTF-16 and UTF-32 are converted), and
 * bad bytes (invalid UTF-8, NUL and other control characters) become
 * U+FFFD with one warning each kind. */
static char *
normalise_text(struct quire_diag *d, const char *path, char *text,
    size_t *len)
{
	struct buf b = { 0 };
	size_t i = 0, n;
	int line = 1, col = 1, warned_utf8 = 0, warned_ctl = 0;
	char *clean;

	text = from_wide(d, path, text, len);
	n = *len;

	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	buf_grow(&b, n);
	while (i < n) {
		unsigned char c = (unsigned char)text[i];
		size_t run = i;

		while (run < n && (unsigned char)text[run] >= 0x20 &&
		    (unsigned char)text[run] < 0x80)
			run++;
		if (run > i) {
			buf_put(&b, text + i, run - i);
			col += (int)(run - i);
			i = run;
			continue;
		}
		if (c == '\r') {
			buf_putc(&b, '\n');
			i += i + 1 < n && text[i + 1] == '\n' ? 2 : 1;
			line++;
			col = 1;
			continue;
		}
		if (c == '\n') {
			buf_putc(&b, '\n');
			i++;
			line++;
			col = 1;
			continue;
		}
		if (c >= 0x80) {
			size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			int bad;

			if (want > n - i)
				want = n - i;
			if (utf8_valid_prefix((unsigned char *)text + i, want,
			    &bad) != want) {
				if (!warned_utf8++) {
					struct loc l = { path, line, col };
					diag_warn(d, &l, "invalid UTF-8 "
					    "(replaced with U+FFFD)");
				}
				buf_puts(&b, "\xef\xbf\xbd");
				i += bad > 0 ? (size_t)bad : 1;
				col++;
				continue;
			}
			buf_put(&b, text + i, want);
			i += want;
			col++;
			continue;
		} else if (c < 0x20 && c != '\t') {
			if (!warned_ctl++) {
				struct loc l = { path, line, col };
				diag_warn(d, &l, "%s byte 0x%02x (replaced "
				    "with U+FFFD)", c == 0 ? "NUL" : "control",
				    c);
			}
			buf_puts(&b, "\xef\xbf\xbd");
			i++;
			col++;
			continue;
		}
		buf_putc(&b, (char)c);
		i++;
		col++;
	}
	free(text);
	*len = b.len;
	clean = xml_clean(b.data ? b.data : "", b.len);
	buf_free(&b);
	*len = strlen(clean);
	return clean;
}

/* ---- YAML ---- */

enum fm_kind { V_NULL, V_SCALAR, V_LIST, V_MAP, V_RECS, V_OTHER };

/* A mapping met as a value (series: {name, position}) or as an item of
 * a list (contributors: [{name, role}]): its keys and values in turn; a
 * plain item of such a list is the one pair ("", value). */
struct fm_rec {
	struct strv kv;
	int line, col;
	int *at;            /* line and column of each of kv */
};

struct fm_value {
	enum fm_kind kind;
	char *scalar;
	struct strv list;
	struct fm_rec *recs;  /* V_MAP: one; V_RECS: one per item */
	size_t nrecs;
	int line, col;
	int kline, kcol;      /* where its key is */
};

typedef int (*fm_key_fn)(void *, const char *key, struct fm_value *,
    struct loc *);

static struct fm_rec *
rec_new(struct fm_value *v, int line, int col)
{
	struct fm_rec *r;

	GROW(v->recs, v->nrecs);
	r = &v->recs[v->nrecs++];
	memset(r, 0, sizeof(*r));
	r->line = line;
	r->col = col;
	return r;
}

static void
rec_push(struct fm_rec *r, const char *s, int line, int col)
{
	r->at = xreallocarray(r->at, 2 * (r->kv.n + 1), sizeof(*r->at));
	r->at[2 * r->kv.n] = line;
	r->at[2 * r->kv.n + 1] = col;
	strv_push(&r->kv, xstrdup(s));
}

static void
value_clear(struct fm_value *v)
{
	free(v->scalar);
	strv_free(&v->list);
	for (size_t i = 0; i < v->nrecs; i++) {
		strv_free(&v->recs[i].kv);
		free(v->recs[i].at);
	}
	free(v->recs);
	memset(v, 0, sizeof(*v));
}

static int
yaml_is_null(const yaml_event_t *e)
{
	const char *v = (const char *)e->data.scalar.value;

	return e->data.scalar.plain_implicit && (e->data.scalar.length == 0 ||
	    strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0);
}

/* Reads a mapping of keys to scalars, lists of scalars, mappings of
 * scalars or lists of such mappings from the YAML text src, whose first
 * line is line first_line of path.  Aliases are refused rather than
 * expanded, so no input can make it blow up. */
static int
yaml_map(struct quire_diag *d, const char *path, int first_line,
    const char *src, size_t len, fm_key_fn fn, void *arg)
{
	yaml_parser_t p;
	yaml_event_t e;
	char *key = NULL;
	int state = 0, depth = 0, rc = 0, done = 0, seq = 0;
	int kline = 0, kcol = 0;
	struct fm_value v = { 0 };
	struct loc l = { path, 0, 0 };

	/* state 0: before the mapping; 1: want a key; 2: want its value;
	 * 3: inside a list or mapping value, depth levels down (seq: the
	 * value is a list); 4: after the mapping. */
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)src, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &e)) {
			/* At the end of the input, where the unfinished
			 * construct began says more than where it ended. */
			yaml_mark_t m = p.context && p.problem &&
			    strstr(p.problem, "end of stream") ?
			    p.context_mark : p.problem_mark;
			l.line = first_line + (int)m.line;
			l.col = (int)m.column + 1;
			rc = diag_error(d, &l, "YAML: %s%s%s",
			    p.problem ? p.problem : "syntax error",
			    p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		l.line = first_line + (int)e.start_mark.line;
		l.col = (int)e.start_mark.column + 1;
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_ALIAS_EVENT:
			rc = diag_error(d, &l, "YAML aliases (*%s) are not "
			    "supported", (char *)e.data.alias.anchor);
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (state == 0 && e.type == YAML_MAPPING_START_EVENT)
				state = 1;
			else if (state == 2) {
				seq = e.type == YAML_SEQUENCE_START_EVENT;
				v.kind = seq ? V_LIST : V_MAP;
				v.line = l.line;
				v.col = l.col;
				if (!seq)
					rec_new(&v, l.line, l.col);
				depth = 1;
				state = 3;
			} else if (state == 3) {
				if (depth == 1 && seq && v.kind != V_OTHER &&
				    e.type == YAML_MAPPING_START_EVENT) {
					v.kind = V_RECS;
					rec_new(&v, l.line, l.col);
				} else
					v.kind = V_OTHER;  /* too deep */
				depth++;
			} else {
				rc = diag_error(d, &l, state == 1 ? "a key must "
				    "be a plain value" : "expected a mapping of "
				    "keys to values");
				done = 1;
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (state == 1) {
				state = 4;
				break;
			}
			if (state != 3 || --depth > 0)
				break;
			{
				struct loc vl = { path, v.line, v.col };
				v.kline = kline;
				v.kcol = kcol;
				if (fn(arg, key, &v, &vl) < 0)
					rc = -1;
			}
			free(key);
			key = NULL;
			value_clear(&v);
			state = 1;
			break;
		case YAML_SCALAR_EVENT:
			if (state == 0) {
				if (!yaml_is_null(&e)) {
					rc = diag_error(d, &l, "expected a "
					    "mapping of keys to values, not a "
					    "single value");
					done = 1;
				}
				state = 4;
			} else if (state == 1) {
				key = xstrdup((char *)e.data.scalar.value);
				kline = l.line;
				kcol = l.col;
				state = 2;
			} else if (state == 2) {
				struct loc vl = { path, l.line, l.col };

				v.line = l.line;
				v.col = l.col;
				v.kline = kline;
				v.kcol = kcol;
				if (yaml_is_null(&e))
					v.kind = V_NULL;
				else {
					v.kind = V_SCALAR;
					v.scalar = xstrdup(
					    (char *)e.data.scalar.value);
				}
				if (fn(arg, key, &v, &vl) < 0)
					rc = -1;
				value_clear(&v);
				free(key);
				key = NULL;
				state = 1;
			} else if (state == 3 && v.kind != V_OTHER) {
				const char *s = yaml_is_null(&e) ? "" :
				    (char *)e.data.scalar.value;

				if (depth == 1 && seq) {
					struct fm_rec *r = rec_new(&v, l.line,
					    l.col);
					rec_push(r, "", l.line, l.col);
					rec_push(r, s, l.line, l.col);
					strv_push(&v.list, xstrdup(s));
				} else if (v.nrecs)
					rec_push(&v.recs[v.nrecs - 1], s, l.line,
					    l.col);
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
	}
	free(key);
	value_clear(&v);
	yaml_parser_delete(&p);
	return rc;
}

static int
want_string(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, char **dst)
{
	if (v->kind == V_NULL)
		return 0;
	if (v->kind != V_SCALAR)
		return diag_error(d, l, "'%s' must be a single value, not %s",
		    key, v->kind == V_LIST || v->kind == V_RECS ? "a list" :
		    "a mapping");
	free(*dst);
	*dst = xml_clean(v->scalar, strlen(v->scalar));
	/* Only white space: as good as missing (an empty dc:title or
	 * <title> is invalid). */
	if ((*dst)[strspn(*dst, " \t\n\r")] == '\0') {
		free(*dst);
		*dst = NULL;
	}
	return 0;
}

static int
want_list(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, struct strv *dst)
{
	if (v->kind == V_NULL)
		return 0;
	if (v->kind == V_OTHER || v->kind == V_MAP || v->kind == V_RECS)
		return diag_error(d, l, "'%s' must be a value or a list of "
		    "values", key);
	strv_free(dst);
	for (size_t i = 0; i < (v->kind == V_SCALAR ? 1 : v->list.n); i++) {
		const char *s = v->kind == V_SCALAR ? v->scalar : v->list.v[i];

		/* Only white space: left out, as in want_string(). */
		if (s[strspn(s, " \t\n\r")] != '\0')
			strv_push(dst, xml_clean(s, strlen(s)));
	}
	return 0;
}

static int
want_lang(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, char **dst)
{
	const char *s;
	int n = 0;

	if (want_string(d, key, v, l, dst) < 0 || *dst == NULL)
		return -1 + (*dst == NULL && v->kind == V_NULL);
	/* BCP 47 shape: letters, then -subtags of letters and digits. */
	for (s = *dst; *s; s++) {
		if (*s == '-') {
			if (n == 0)
				break;
			n = 0;
		} else if (((*s | 32) >= 'a' && (*s | 32) <= 'z') ||
		    (s != *dst && *s >= '0' && *s <= '9'))
			n++;
		else
			break;
		if (n > 8)
			break;
	}
	if (*s || n == 0) {
		free(*dst);
		*dst = NULL;
		return diag_error(d, l, "'%s' is not a language tag such as "
		    "'en' or 'pt-BR'", key);
	}
	return 0;
}

/* ---- keys: each known one acted on, the rest named ---- */

static const char *const essay_keys[] = { "title", "subtitle", "summary",
    "description", "date", "author", "authors", "tags", "lang", "language",
    "dir", "order", "weight", "draft", NULL };

/* Keys that Hugo, Jekyll, mdBook and their themes write: accepted without
 * a word, so a site's posts bind as they are. */
static const char *const site_keys[] = { "aliases", "author_profile",
    "build", "cascade", "categories", "comments", "cover", "draft",
    "excerpt", "excerpt_separator", "expiryDate", "expirydate",
    "featured_image", "has_children", "headless", "hidden", "image",
    "images", "isCJKLanguage", "katex", "keywords", "lastmod", "layout",
    "linkTitle", "markup", "math", "mathjax", "menu", "menus", "mermaid",
    "nav_order", "outputs", "parent", "permalink", "publishDate",
    "publishdate", "published", "redirect_from", "redirect_to",
    "resources", "series", "sidebar", "sitemap", "slug", "status", "toc",
    "type", "url", "videos", "audio", NULL };

static const char *const collection_keys[] = { "title", "subtitle",
    "description", "summary", "author", "authors", "creator", "language",
    "lang", "identifier", "isbn", "publisher", "rights", "license",
    "version", "date", "cover", "stylesheet", "theme", "series",
    "contributors", "subjects", "toc_depth", NULL };

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
static int
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

struct essay_fm {
	struct essay *e;
	struct quire_diag *d;
};

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
		return want_string(f->d, key, v, l, &e->subtitle);
	if (strcmp(key, "summary") == 0 || strcmp(key, "description") == 0)
		return want_string(f->d, key, v, l, &e->summary);
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
		return want_list(f->d, key, v, l, &e->authors);
	if (strcmp(key, "tags") == 0)
		return want_list(f->d, key, v, l, &e->tags);
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
			strv_push(&e->urls, urls.v[i]);
		free(urls.v);
		return 0;
	}
	if (strcmp(key, "slug") == 0)
		return want_string(f->d, key, v, l, &e->site_slug);
	/* Values for the site's {{< param >}}: Hugo's params mapping. */
	if (strcmp(key, "params") == 0 && v->kind == V_MAP) {
		struct fm_rec *r = &v->recs[0];
		for (size_t i = 0; i + 1 < r->kv.n; i += 2) {
			strv_push(&e->params, xstrdup(r->kv.v[i]));
			strv_push(&e->params, xml_clean(r->kv.v[i + 1],
			    strlen(r->kv.v[i + 1])));
		}
		return 0;
	}
	if (strcmp(key, "dir") == 0) {
		if (want_string(f->d, key, v, l, &e->dir) < 0 || !e->dir)
			return v->kind == V_NULL ? 0 : -1;
		if (strcmp(e->dir, "rtl") && strcmp(e->dir, "ltr") &&
		    strcmp(e->dir, "auto")) {
			free(e->dir);
			e->dir = NULL;
			return diag_error(f->d, l, "'dir' must be rtl, ltr or "
			    "auto");
		}
		return 0;
	}
	if (in_list(key, site_keys))
		return 0;
	{
		const char *const *lists[] = { essay_keys, site_keys, NULL };
		return unknown_key(f->d, e->path, v, key, NULL, lists);
	}
}

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
	if (strcmp(key, "params") == 0 && v->kind == V_MAP) {
		/* For a site's {{< param >}}. */
		struct fm_rec *r = &v->recs[0];
		for (size_t i = 0; i + 1 < r->kv.n; i += 2) {
			strv_push(&b->params, xstrdup(r->kv.v[i]));
			strv_push(&b->params, xml_clean(r->kv.v[i + 1],
			    strlen(r->kv.v[i + 1])));
		}
		return 0;
	}
	{
		const char *const *lists[] = { collection_keys, NULL };
		return unknown_key(f->d, l->path, v, key, NULL, lists);
	}
}

/* ---- essays ---- */

static int
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
static void
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
static void
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
		n = row_cells(q, eol, 0);
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

/* Splits the front matter off e->text and reads it into e. */
int
essay_front_matter(struct essay *e, struct quire_diag *d)
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

static int
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n')
			return 0;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_index(const char *rel)
{
	return strcmp(path_basename(rel), "_index.md") == 0;
}

/* Reads the folder rel into the part dv: its essays (by their index in
 * s->files), its subfolders as parts, its _index.md as dv->essay. */
static int
scan_dir(struct scan *s, const char *rel, int depth, struct division *dv)
{
	char *dir = path_join(s->book->root, rel);
	struct loc l = { dir, 0, 0 };
	struct strv names = { 0 };
	struct dirent *de;
	DIR *dp;
	int rc = 0;

	if (depth > MAX_DEPTH) {
		diag_warn(s->d, &l, "folders nested too deep; not read");
		free(dir);
		return 0;
	}
	if ((dp = opendir(*dir ? dir : ".")) == NULL) {
		rc = diag_errno(s->d, &l, errno, "cannot read folder: %s",
		    strerror(errno));
		free(dir);
		return rc;
	}
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			strv_push(&names, xstrdup(de->d_name));
	closedir(dp);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char *r = path_join(rel, names.v[i]);
		char *full = path_join(s->book->root, r);
		struct loc fl = { full, 0, 0 };
		struct stat st;

		if (lstat(full, &st) == -1) {
			/* A path past PATH_MAX among them: not left out
			 * without a word. */
			rc = diag_errno(s->d, &fl, errno, "cannot read: %s",
			    strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			struct division *kid = division_add(dv);

			kid->part = 1;
			kid->rel = xstrdup(r);
			if (scan_dir(s, r, depth + 1, kid) < 0)
				rc = -1;
		} else if (path_has_ext(r, ".md") ||
		    path_has_ext(r, ".markdown")) {
			if (S_ISLNK(st.st_mode) && stat(full, &st) == -1)
				rc = diag_errno(s->d, &fl, errno, "cannot read: "
				    "%s", strerror(errno));
			else {
				if (is_index(r))
					dv->essay = (long)s->files.n;
				else
					division_add(dv)->essay =
					    (long)s->files.n;
				strv_push(&s->files, xstrdup(r));
			}
		}
		free(full);
		free(r);
	}
	strv_free(&names);
	free(dir);
	return rc;
}

/* ---- mdBook's SUMMARY.md ---- */

struct summary {
	struct scan *s;
	const char *dir;           /* SUMMARY.md's path: links start there */
	char *path;                /* as shown in diagnostics */
	struct idset listed;
	struct division *stack[MAX_DEPTH + 1];
	int indent[MAX_DEPTH + 1];
	int depth;                 /* entries in stack */
	struct division *part;     /* where top-level list items go */
	int rc;
};

/* "[text](target)" at p: the text and target, or -1. */
static int
summary_link(const char *p, const char *eol, char **text, char **target)
{
	const char *t, *u;
	int nest = 0;

	if (p >= eol || *p != '[')
		return -1;
	for (t = ++p; t < eol; t++) {
		if (*t == '\\' && t + 1 < eol)
			t++;
		else if (*t == '[')
			nest++;
		else if (*t == ']' && nest-- == 0)
			break;
	}
	if (t + 1 >= eol || t[1] != '(' || (u = memchr(t + 2, ')',
	    (size_t)(eol - t - 2))) == NULL)
		return -1;
	*text = xml_clean(p, (size_t)(t - p));
	t += 2;
	if (t < u && *t == '<' && u[-1] == '>' && u - t >= 2) {
		t++;   /* <a path with spaces.md> */
		u--;
	}
	*target = xstrndup(t, (size_t)(u - t));
	return 0;
}

/* One chapter line: a link at indentation indent (-1: outside a list,
 * a prefix or suffix chapter).  Takes text over. */
static void
summary_chapter(struct summary *m, int indent, char *text, char *target,
    int line, int col)
{
	struct scan *s = m->s;
	struct loc l = { m->path, line, col };
	struct division *parent, *dv;
	char *hash, *rel = NULL, *dec;
	struct stat st;

	if (indent < 0)
		m->depth = 0;
	while (m->depth > 0 && m->indent[m->depth - 1] >= indent)
		m->depth--;
	if (m->depth > MAX_DEPTH - 1) {
		diag_warn(s->d, &l, "chapters nested too deep; '%s' not read",
		    text);
		free(text);
		return;
	}
	parent = indent < 0 ? &s->book->tree : m->depth ?
	    m->stack[m->depth - 1] : m->part;
	if (url_is_remote(target)) {
		/* GitBook's summaries link to pages elsewhere: nothing to
		 * bind, and never fetched. */
		diag_warn(s->d, &l, "'%s' links outside the book (%.80s); "
		    "left out of the contents", text, target);
		free(text);
		return;
	}
	if ((hash = strchr(target, '#')) != NULL)
		*hash = '\0';
	if (*target) {
		dec = url_decode(target, strlen(target));
		if (dec == NULL || dec[0] == '/' ||
		    (rel = path_resolve(m->dir, dec)) == NULL) {
			m->rc = diag_error(s->d, &l, "chapter %s is outside the "
			    "content folder", target);
			free(dec);
			free(text);
			return;
		}
		free(dec);
		{
			char *full = path_join(s->book->root, rel);
			int missing = stat(full, &st) == -1;

			free(full);
			if (missing) {
				m->rc = diag_error(s->d, &l, "chapter %s not "
				    "found", target);
				free(rel);
				free(text);
				return;
			}
		}
		if (!idset_add(&m->listed, rel)) {
			diag_warn(s->d, &l, "chapter %s listed again; the "
			    "first place kept", target);
			free(rel);
			rel = NULL;
			if (indent < 0) {
				free(text);
				return;
			}
		}
	}
	dv = division_add(parent);
	if (rel) {
		dv->essay = (long)s->files.n;
		strv_push(&s->files, rel);
		free(text);
	} else
		dv->title = text;  /* a draft chapter: only its title */
	if (indent >= 0) {
		m->stack[m->depth] = dv;
		m->indent[m->depth++] = indent;
	}
}

/* The book's order, parts and nesting from mdBook's SUMMARY.md at rel:
 * a title, prefix chapters, parts ("# Title") of numbered chapters (list
 * items; deeper items are sub-chapters), suffix chapters.  Only the files
 * it names are bound, as mdBook does. */
static int
load_summary(struct scan *s, const char *rel, char *text, size_t len)
{
	struct summary m = { 0 };
	const char *p = text, *end = text + len;
	int line = 1, seen = 0;

	m.s = s;
	m.dir = rel;
	m.path = path_join(s->book->root, rel);
	m.part = &s->book->tree;
	for (; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *q = p;
		int indent = 0;
		char *t, *u;

		while (q < eol && (*q == ' ' || *q == '\t')) {
			indent += *q == '\t' ? 4 : 1;
			q++;
		}
		if (q < eol && *q == '#') {
			const char *h = q;

			while (h < eol && *h == '#')
				h++;
			while (h < eol && (*h == ' ' || *h == '\t'))
				h++;
			/* The first heading before any chapter is the
			 * summary's own title. */
			if (seen++ && h < eol) {
				m.part = division_add(&s->book->tree);
				m.part->part = 1;
				m.part->title = xml_clean(h, (size_t)(eol - h));
				m.depth = 0;
			}
		} else if (q + 1 < eol && strchr("-*+", *q) && (q[1] == ' ' ||
		    q[1] == '\t')) {
			q += 2;
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if (summary_link(q, eol, &t, &u) == 0) {
				summary_chapter(&m, indent, t, u, line,
				    (int)(q - p) + 1);
				free(u);
				seen = 1;
			}
		} else if (summary_link(q, eol, &t, &u) == 0) {
			summary_chapter(&m, -1, t, u, line, (int)(q - p) + 1);
			free(u);
			seen = 1;
			m.part = &s->book->tree;  /* after a part: a suffix */
		}
		p = eol + (nl != NULL);
	}
	idset_free(&m.listed);
	free(m.path);
	return m.rc;
}

/* SUMMARY.md in the folder or in its src/, if there is one: -2 if not. */
static int
find_summary(struct scan *s)
{
	const char *names[] = { "SUMMARY.md", "src/SUMMARY.md" };
	char *text, *path;
	size_t len;
	int rc;

	for (size_t i = 0; i < 2; i++) {
		rc = scan_read(s, names[i], &text, &len);
		if (rc == -2)
			continue;
		if (rc < 0)
			return -1;
		path = path_join(s->book->root, names[i]);
		text = normalise_text(s->d, path, text, &len);
		free(path);
		rc = load_summary(s, names[i], text, len);
		free(text);
		return rc;
	}
	return -2;
}

/* ---- the tree of parts ---- */

/* "02-part-two" -> "Part two": a leading number goes, dashes and
 * underscores become spaces, the first letter is capitalised. */
static char *
part_title(const char *rel)
{
	const char *base = path_basename(rel), *p = base;
	char *t;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p != base && (*p == '-' || *p == '_' || *p == ' ' || *p == '.') &&
	    p[1])
		base = p + 1;
	t = xml_clean(base, strlen(base));
	for (char *q = t; *q; q++)
		if (*q == '-' || *q == '_')
			*q = ' ';
	if (*t >= 'a' && *t <= 'z')
		*t = (char)(*t - 32);
	return t;
}

/* Weight (or order) first, then date, then name: the rules essays have
 * always been ordered by, now within each part. */
static int
cmp_division(const void *a, const void *b)
{
	const struct division *x = a, *y = b;

	if (x->has_order != y->has_order)
		return x->has_order ? -1 : 1;
	if (x->has_order && x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if ((x->date == NULL) != (y->date == NULL))
		return x->date ? -1 : 1;
	if (x->date && strcmp(x->date, y->date) != 0)
		return strcmp(x->date, y->date);
	return strcmp(x->key, y->key);
}

static int
left_out(const struct essay *e, const struct quire_options *opt)
{
	return e->rel == NULL || (e->draft && !opt->drafts) || e->empty;
}

/* Settles the part (or chapter) dv: its title and place from its
 * _index.md, its page (the _index.md's body), its essays and parts in
 * order, without what is left out.  Returns 0 when nothing is left of
 * it.  sorted: order the children (folders; SUMMARY.md gives its own
 * order); root: dv is the book. */
static int
settle(struct scan *s, struct division *dv, int sorted, int root)
{
	struct essay *es = s->book->essays;
	size_t n = 0;

	if (dv->part && dv->essay >= 0) {
		struct essay *e = &es[dv->essay];

		if (e->rel && e->draft && !s->opt->drafts && !root) {
			dv->essay = -1;
			return 0;  /* a draft section: all of it */
		}
		if (e->rel && e->title && !root) {
			free(dv->title);
			dv->title = xstrdup(e->title);
		}
		if (e->rel) {
			dv->order = e->order;
			dv->has_order = e->has_order;
			dv->date = e->date;
		}
		if (left_out(e, s->opt))
			dv->essay = -1;
		else if (!root)
			e->part_page = 1;
	}
	if (dv->part && dv->title == NULL && dv->rel && !root)
		dv->title = part_title(dv->rel);
	if (!dv->part && dv->essay >= 0 && left_out(&es[dv->essay], s->opt)) {
		/* A chapter left out, its sub-chapters kept under its
		 * title. */
		struct essay *e = &es[dv->essay];

		if (dv->title == NULL)
			dv->title = xstrdup(e->title ? e->title : e->rel ?
			    path_basename(e->rel) : "Untitled");
		dv->essay = -1;
	}
	if (dv->essay >= 0 && es[dv->essay].title == NULL && dv->title)
		es[dv->essay].title = xstrdup(dv->title);
	dv->key = dv->rel ? dv->rel : dv->essay >= 0 ? es[dv->essay].rel : "";
	for (size_t i = 0; i < dv->nkids; i++) {
		struct division *k = &dv->kids[i];
		int keep;

		if (k->part || k->nkids)
			keep = settle(s, k, sorted, 0);
		else if (k->essay >= 0) {
			struct essay *e = &es[k->essay];

			keep = !left_out(e, s->opt);
			k->order = e->order;
			k->has_order = e->has_order;
			k->date = e->date;
			k->key = e->rel;
		} else
			keep = 0;  /* a draft chapter with nothing under it */
		if (keep && k->part && k->rel && k->essay < 0 &&
		    k->nkids == 1 && !k->kids[0].part && !k->kids[0].nkids &&
		    k->kids[0].essay >= 0) {
			/* A folder of one essay without _index.md (a Hugo
			 * page bundle): the essay stands in its place. */
			struct division one = k->kids[0];

			free(k->kids);
			k->kids = NULL;
			k->nkids = 0;
			division_free(k);
			*k = one;
		}
		if (!keep)
			division_free(k);
		else
			dv->kids[n++] = *k;
	}
	dv->nkids = n;
	if (sorted && n > 1)
		qsort(dv->kids, n, sizeof(*dv->kids), cmp_division);
	while (root && dv->essay < 0 && dv->nkids == 1 && dv->kids[0].part &&
	    dv->kids[0].rel) {
		/* A folder that only wraps another (Hugo's content/en/): what
		 * that one holds is the book's top level. */
		struct division one = dv->kids[0];

		free(dv->kids);
		dv->kids = one.kids;
		dv->nkids = one.nkids;
		if ((dv->essay = one.essay) >= 0)
			es[one.essay].part_page = 0;
		free(one.title);
		free(one.rel);
	}
	return dv->essay >= 0 || dv->nkids > 0;
}

/* The essays in reading order, depth first; each node's essay becomes
 * its index in that order. */
static void
flatten(struct division *dv, long *dest, size_t *n)
{
	if (dv->essay >= 0) {
		dest[dv->essay] = (long)*n;
		dv->essay = (long)(*n)++;
	}
	for (size_t i = 0; i < dv->nkids; i++)
		flatten(&dv->kids[i], dest, n);
}

/* Unique file stems: case-insensitively unique, because readers and zip
 * tools on some systems fold case. */
static void
assign_slugs(struct book *b, struct quire_diag *d)
{
	struct idset taken = { 0 }, hint = { 0 };
	size_t owner;

	/* safe_name() lowercases, so names unique here are unique on file
	 * systems and in zip tools that fold case.  The number kept with
	 * each name is the essay that has it, plus one (0: reserved). */
	idset_add(&taken, "nav");
	idset_add(&taken, "cover");
	idset_add(&taken, "title");
	for (size_t i = 0; i < b->nessays; i++) {
		struct essay *e = &b->essays[i];
		char *stem = xstrdup(e->rel), *dot = strrchr(stem, '.');
		char *base;

		if (dot)
			*dot = '\0';
		base = safe_name(stem, "essay");
		e->slug = idset_unique(&taken, &hint, base, 2);
		*idset_val(&taken, e->slug) = i + 1;
		if (strcmp(e->slug, base) != 0 &&
		    (owner = *idset_val(&taken, base)) > 0) {
			struct loc sl = { e->path, 0, 0 };
			diag_warn(d, &sl, "its name in the book, %s, is taken "
			    "by %s (names differ only in case or "
			    "punctuation)", base, b->essays[owner - 1].path);
		}
		e->file = xasprintf("%s.xhtml", e->slug);
		free(base);
		free(stem);
	}
	idset_free(&taken);
	idset_free(&hint);
}

/* The output names, title-version.epub, with room for the temporary
 * name's ".NAME.tmp-XXXXXX" within a file name's 255 bytes. */
#define MAX_STEM 120
#define MAX_VERSION 64

/* Shortens a name to at most max bytes, on a UTF-8 boundary and at a
 * word's end when one is near; takes s over. */
static char *
clip_name(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return s;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	for (size_t k = n; k > 0 && k + 24 > max; k--)
		if (s[k] == '-') {
			n = k;
			break;
		}
	while (n > 0 && (s[n - 1] == '-' || s[n - 1] == '.'))
		n--;
	s[n] = '\0';
	return s;
}

static time_t
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

static char *
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

static int
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
		if (rc == -2)
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
static int
load_styles(struct book *b, struct quire_diag *d)
{
	char *cp = path_join(b->root, "collection.yaml");
	int rc = 0;

	for (size_t i = 0; i < b->nstyles; i++) {
		struct style *st = &b->styles[i];
		struct loc l = { cp, st->line, st->col };
		int r = read_inside(b, st->rel, &l, d, &st->text, &st->len,
		    NULL);

		if (r == -2)
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

/* Every essay file read and its front matter taken, on every core: the
 * essays are independent, and a book of thousands waits on this alone.
 * An essay left out (unreadable) keeps a NULL rel; one to be left out
 * of the book (a draft, or empty) is marked draft. */
struct reader {
	struct scan *s;
	pthread_mutex_t lock;
	size_t next;
	size_t kept;        /* bytes of sources kept in memory */
	size_t done;        /* essays read */
	int rc;
	int giant;          /* an essay past the budget was kept */
};

static void
read_essay(struct scan *s, struct essay *e, const char *rel, time_t *newest,
    int *rc)
{
	struct quire_diag *d = s->d;
	time_t mt = 0;

	e->rel = xstrdup(rel);
	e->path = path_join(s->book->root, e->rel);
	if (read_inside(s->book, e->rel, NULL, d, &e->text, &e->len,
	    &mt) != 0) {
		*rc = -1;
		free(e->rel);
		free(e->path);
		memset(e, 0, sizeof(*e));
		return;
	}
	if (mt > *newest)
		*newest = mt;
	e->text = normalise_text(d, e->path, e->text, &e->len);
	if (essay_front_matter(e, d) < 0)
		*rc = -1;
	/* node takes a while to load KaTeX: it starts while the rest is
	 * read and rendered, not at the first formula. */
	if ((e->maybe_math = math_candidate(e->text + e->body,
	    e->len - e->body)) && !atomic_exchange(&s->math_seen, 1))
		math_prestart();
	else if (cap_nesting(e, d), cap_tables(e, d),
	    site_prepass(s->book, e, d),
	    blank(e->text + e->body) && is_index(e->rel))
		e->empty = 1;   /* a part's title and place, no page */
	else if (blank(e->text + e->body) &&
	    !(e->draft && !s->opt->drafts)) {
		struct loc el = { e->path, e->body_line, 1 };
		diag_warn(d, &el, "empty essay: nothing after %s; left out of "
		    "the book", e->body ? "the front matter" : "the start");
		e->draft = 1;
		e->empty = 1;
	}
}

static void *
read_worker(void *arg)
{
	struct reader *r = arg;
	time_t newest = 0;
	int rc = 0;

	for (;;) {
		struct essay *e;
		size_t i;
		int keep;

		pthread_mutex_lock(&r->lock);
		i = r->next++;
		pthread_mutex_unlock(&r->lock);
		if (i >= r->s->files.n)
			break;
		e = &r->s->book->essays[i];
		read_essay(r->s, e, r->s->files.v[i], &newest, &rc);
		pthread_mutex_lock(&r->lock);
		keep = e->text == NULL || e->empty ||
		    r->kept + e->len <= r->s->book->big;
		if (keep && e->text)
			r->kept += e->len;
		/* One essay bigger than the whole budget is kept too: its
		 * rendering takes many times its size anyway, and reading
		 * it again would cost as much as reading it.  (Against
		 * BIG_BOOK, not the budget the tests may make smaller.) */
		else if (e->len > BIG_BOOK && !r->giant) {
			r->giant = 1;
			keep = 1;
		}
		if (r->s->opt->on_progress)
			r->s->opt->on_progress(QUIRE_READING, ++r->done,
			    r->s->files.n, r->s->opt->arg);
		pthread_mutex_unlock(&r->lock);
		if (!keep) {
			/* What it was, to be sure it is read again the same. */
			sha256(e->text, e->len, e->src_sha);
			free(e->text);
			e->text = NULL;
			e->reread = 1;
		}
	}
	pthread_mutex_lock(&r->lock);
	if (newest > r->s->newest)
		r->s->newest = newest;
	if (rc < 0)
		r->rc = -1;
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int
read_essays(struct scan *s)
{
	struct reader r = { s, PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0 };
	pthread_t tid[64];
	long ncpu = s->opt->jobs > 0 ? s->opt->jobs :
	    sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (size_t)ncpu, started = 0;

	if (s->opt->jobs == 0 && n > s->files.n / 16)
		n = s->files.n / 16;  /* a few files: not worth a thread */
	for (size_t i = 0; i + 1 < n; i++)
		if (pthread_create(&tid[i], NULL, read_worker, &r) == 0)
			started++;
	read_worker(&r);
	for (size_t i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&r.lock);
	return r.rc;
}

int
load_book(struct book *b, const struct quire_options *opt,
    struct quire_diag *d)
{
	struct scan s = { b, opt, d, { 0 }, 0, 0 };
	struct idset titles = { 0 };
	struct loc rl = { opt->src, 0, 0 };
	struct stat st;
	size_t n = 0;
	int rc = 0, summary;
	char *v;

	/* The tests make a small book big to reach that path. */
	/* Sources kept from loading to rendering, at most: past this, an
	 * essay's text is let go once its front matter is read, and read
	 * again when it is rendered (essay_reload). */
	b->big = (v = getenv("QUIRE_TEST_SQUEEZE")) != NULL ?
	    strtoull(v, NULL, 10) : BIG_BOOK;
	b->root = xstrdup(opt->src);
	if (stat(opt->src, &st) == -1 || !S_ISDIR(st.st_mode))
		return diag_error(d, &rl, "not a folder: %s", stat(opt->src,
		    &st) == -1 ? strerror(errno) : "a file");
	if ((b->root_real = realpath(opt->src, NULL)) == NULL)
		return diag_error(d, &rl, "cannot resolve: %s",
		    strerror(errno));
	if (load_collection(&s) < 0)
		rc = -1;
	if ((summary = find_summary(&s)) == -1)
		rc = -1;
	else if (summary == -2 && scan_dir(&s, "", 0, &b->tree) < 0)
		rc = -1;
	b->essays = xcalloc(s.files.n, sizeof(*b->essays));
	if (read_essays(&s) < 0)
		rc = -1;
	/* The tree settled and flattened into reading order; what it left
	 * out (drafts, empty essays, what SUMMARY.md does not list) goes. */
	settle(&s, &b->tree, summary == -2, 1);
	{
		/* In place: a book of 100,000 essays does not hold two
		 * arrays of them.  dest[i] is where essay i goes, -1 if
		 * nowhere; each swap puts one essay in its place. */
		long *dest = xreallocarray(NULL, s.files.n ? s.files.n : 1,
		    sizeof(*dest));
		struct essay tmp;

		for (size_t i = 0; i < s.files.n; i++)
			dest[i] = -1;
		flatten(&b->tree, dest, &n);
		for (size_t i = 0; i < s.files.n; i++)
			while (dest[i] >= 0 && (size_t)dest[i] != i) {
				size_t j = (size_t)dest[i];
				long t = dest[j];

				tmp = b->essays[j];
				b->essays[j] = b->essays[i];
				b->essays[i] = tmp;
				dest[j] = dest[i];
				dest[i] = t;
			}
		for (size_t i = n; i < s.files.n; i++)
			if (b->essays[i].rel)
				essay_free(&b->essays[i]);
		if (n < s.files.n)
			b->essays = xreallocarray(b->essays, n ? n : 1,
			    sizeof(*b->essays));
		free(dest);
	}
	b->nessays = n;
	strv_free(&s.files);
	if (n == 0 && rc == 0)
		rc = diag_error(d, &rl, "no essays (*.md files) found in "
		    "this folder");
	assign_slugs(b, d);
	/* Titles seen twice: told once each, against the first holder. */
	for (size_t i = 0; i < b->nessays; i++) {
		struct essay *e = &b->essays[i];
		struct loc tl = { e->path, e->title_line, 1 };

		if (e->title == NULL)
			continue;
		if (idset_add(&titles, e->title)) {
			*idset_val(&titles, e->title) = i;  /* its first holder */
			continue;
		}
		diag_warn(d, &tl, "same title as %s: readers cannot tell them "
		    "apart in the contents",
		    b->essays[*idset_val(&titles, e->title)].path);
	}
	idset_free(&titles);

	if (b->title == NULL) {
		const char *base = path_basename(b->root_real);
		b->title = xstrdup(*base ? base : "Untitled");
	}
	if (b->lang == NULL)
		b->lang = xstrdup("en");
	if (opt->release) {
		free(b->version);
		b->version = xstrdup(opt->release);
	}
	b->slug = clip_name(safe_name(b->title, "book"), MAX_STEM);
	if (b->version && *b->version) {
		char *sv = clip_name(safe_name(b->version, ""), MAX_VERSION);
		if (*sv) {
			v = xasprintf("%s-%s", b->slug, sv);
			free(b->slug);
			b->slug = v;
		}
		free(sv);
	}
	b->uuid = make_uuid(b);
	if (opt->has_epoch)
		b->mtime = (time_t)opt->epoch;
	else if (b->date)
		b->mtime = date_epoch(b->date);
	else
		b->mtime = s.newest;
	if (b->cover) {
		char *cp = path_join(b->root, "collection.yaml");
		struct loc cl = { cp, b->cover_line, b->cover_col };
		char *rel = b->cover[0] == '/' || url_is_remote(b->cover) ?
		    NULL : path_resolve("collection.yaml", b->cover);

		if (url_is_remote(b->cover))
			diag_warn(d, &cl, "cover %s is not fetched (remote "
			    "files never are): a cover is made instead",
			    b->cover);
		else if (rel == NULL)
			rc = diag_error(d, &cl, "cover %s is outside the content "
			    "folder", b->cover);
		else
			b->cover_res = resource_add(b, rel, &cl, d);
		free(rel);
		free(cp);
	}
	if (load_styles(b, d) < 0)
		rc = -1;
	return rc;
}

/* The text of an essay that load_book() let go (struct essay.reread),
 * read and prepared again as it was then, quietly: everything it says
 * was said the first time.  A source that changed since is an error. */
int
essay_reload(struct book *b, struct essay *e, struct quire_diag *d)
{
	struct quire_diag *quiet = quire_diag_new(0);
	struct loc l = { e->path, 0, 0 };
	unsigned char h[32];
	struct essay t;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	t.rel = xstrdup(e->rel);
	t.path = xstrdup(e->path);
	if (read_inside(b, t.rel, NULL, quiet, &t.text, &t.len, NULL) == 0) {
		t.text = normalise_text(quiet, t.path, t.text, &t.len);
		if (essay_front_matter(&t, quiet) == 0) {
			cap_nesting(&t, quiet);
			cap_tables(&t, quiet);
			site_prepass(b, &t, quiet);
			sha256(t.text, t.len, h);
			if (t.body == e->body &&
			    memcmp(h, e->src_sha, sizeof(h)) == 0) {
				e->text = t.text;
				e->len = t.len;
				t.text = NULL;
				rc = 0;
			}
		}
	}
	if (rc < 0)
		diag_error(d, &l, "the file changed while the book was being "
		    "made: build again");
	essay_free(&t);
	quire_diag_free(quiet);
	return rc;
}
