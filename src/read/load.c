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

#include "read/read.h"
#include "private.h"

/* MAX_FILE: internal.h */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Markup quire does not read: its files are counted, and said once. */
static const char *const other_markup_ext[6] = { ".adoc", ".asciidoc",
    ".rst", ".qmd", ".org", ".textile" };

static void
count_other_markup(struct scan *s, const char *r)
{
	for (size_t k = 0; k < 6; k++)
		if (path_has_ext(r, other_markup_ext[k]))
			s->other_markup[k]++;
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
		} else if (S_ISLNK(st.st_mode) && !path_has_ext(r, ".md") &&
		    !path_has_ext(r, ".markdown") && stat(full, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			/* Said, not skipped without a word: a linked folder
			 * may lead out of the content folder or back up. */
			diag_warn(s->d, &fl, "a link to a folder: not followed, "
			    "its essays are not read");
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
		} else if (S_ISREG(st.st_mode))
			count_other_markup(s, r);
		free(full);
		free(r);
	}
	strv_free(&names);
	free(dir);
	return rc;
}

/* ---- the tree of parts ---- */

/* "02-part-two" -> "Part two": a leading number goes, dashes and
 * underscores become spaces, the first letter is capitalised. */
static char *
part_title(const char *rel)
{
	const char *base = path_basename(rel), *p;
	char *t;

	while (*base == '_' && base[1])
		base++;  /* Jekyll's _posts, _tutorials */
	p = base;
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

/* How a division sorts among its siblings, made while the book loads and
 * not kept in the tree: a part's from its _index.md, an essay's its own.
 * at: its place before the sort. */
struct dkey {
	double order;
	int has_order;
	const char *date, *key;
	size_t at;
};

static struct dkey
essay_key(const struct essay *e)
{
	return (struct dkey){ e->order, e->has_order, e->date, e->rel, 0 };
}

/* Weight (or order) first, then date, then name: the rules essays have
 * always been ordered by, now within each part.  Equal ones keep their
 * order. */
static int
cmp_dkey(const void *a, const void *b)
{
	const struct dkey *x = a, *y = b;
	int c;

	if (x->has_order != y->has_order)
		return x->has_order ? -1 : 1;
	if (x->has_order && x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if ((x->date == NULL) != (y->date == NULL))
		return x->date ? -1 : 1;
	if (x->date && strcmp(x->date, y->date) != 0)
		return strcmp(x->date, y->date);
	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* dv's children in the order of keys (one each, as they stand). */
static void
sort_kids(struct division *dv, struct dkey *keys)
{
	struct division *v = xreallocarray(NULL, dv->nkids, sizeof(*v));

	qsort(keys, dv->nkids, sizeof(*keys), cmp_dkey);
	for (size_t i = 0; i < dv->nkids; i++)
		v[i] = dv->kids[keys[i].at];
	memcpy(dv->kids, v, dv->nkids * sizeof(*v));
	free(v);
}

static int
left_out(const struct essay *e, const struct quire_options *opt)
{
	return e->rel == NULL || (e->draft && !opt->drafts) || e->empty ||
	    e->included;
}

/* Front matter (role: dedication ... prologue) before the book's
 * chapters and parts, back matter (epilogue ... colophon) after them,
 * each in the order it had: at the top level only. */
static void
matter_order(struct division *dv, const struct essay *es)
{
	struct division *v;
	size_t k = 0;

	if (dv->nkids < 2)
		return;
	v = xreallocarray(NULL, dv->nkids, sizeof(*v));
	for (int g = 0; g < 3; g++)
		for (size_t i = 0; i < dv->nkids; i++) {
			const struct division *c = &dv->kids[i];
			int r = !c->part && c->essay >= 0 ? es[c->essay].role : 0;

			if ((r == 0 ? 1 : r < ROLE_BACK ? 0 : 2) == g)
				v[k++] = *c;
		}
	memcpy(dv->kids, v, dv->nkids * sizeof(*v));
	free(v);
}

/* SUMMARY.md's label of each chapter goes to its essay: its title when
 * it has no heading of its own to give one (mdBook names a chapter so). */
static void
take_labels(struct essay *es, struct division *dv)
{
	if (!dv->part && dv->essay >= 0 && dv->title && es[dv->essay].rel) {
		struct essay_site *st = essay_site(&es[dv->essay]);

		free(st->label);
		st->label = dv->title;
		dv->title = NULL;
	}
	for (size_t i = 0; i < dv->nkids; i++)
		take_labels(es, &dv->kids[i]);
}

/* Settles the part (or chapter) dv: its title and place from its
 * _index.md, its page (the _index.md's body), its essays and parts in
 * order, without what is left out.  Returns 0 when nothing is left of
 * it.  sorted: order the children (folders; SUMMARY.md gives its own
 * order); root: dv is the book.  *key: how dv sorts among its siblings. */
static int
settle(struct scan *s, struct division *dv, int sorted, int root,
    struct dkey *key)
{
	struct essay *es = s->book->essays;
	struct dkey *keys = NULL;
	size_t n = 0;

	memset(key, 0, sizeof(*key));

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
		dv->indexed = e->rel != NULL;
		if (e->rel)
			*key = essay_key(e);
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
	key->key = dv->rel ? dv->rel : dv->essay >= 0 ? es[dv->essay].rel : "";
	if (sorted && dv->nkids > 1)
		keys = xreallocarray(NULL, dv->nkids, sizeof(*keys));
	for (size_t i = 0; i < dv->nkids; i++) {
		struct division *k = &dv->kids[i];
		struct dkey kk = { 0 };
		int keep;

		if (k->part || k->nkids)
			keep = settle(s, k, sorted, 0, &kk);
		else if (k->essay >= 0) {
			keep = !left_out(&es[k->essay], s->opt);
			kk = essay_key(&es[k->essay]);
		} else
			keep = 0;  /* a draft chapter with nothing under it */
		if (keep && k->part && k->rel && k->essay < 0 &&
		    !k->indexed && k->nkids == 1 && !k->kids[0].part && !k->kids[0].nkids &&
		    k->kids[0].essay >= 0) {
			/* A folder of one essay without _index.md (a Hugo
			 * page bundle): the essay stands in its place. */
			struct division one = k->kids[0];

			free(k->kids);
			k->kids = NULL;
			k->nkids = 0;
			division_free(k);
			*k = one;
			kk = essay_key(&es[one.essay]);
		}
		if (!keep)
			division_free(k);
		else {
			if (keys) {
				keys[n] = kk;
				keys[n].at = n;
			}
			dv->kids[n++] = *k;
		}
	}
	dv->nkids = n;
	if (keys && n > 1)
		sort_kids(dv, keys);
	free(keys);
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
	if (root)
		matter_order(dv, es);
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

int
load_book(struct book *b, const struct quire_options *opt,
    struct quire_diag *d)
{
	struct scan s = { b, opt, d, { 0 }, 0, 0, NULL, { 0 }, { 0 } };
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
	if (load_collection(&s) < 0 || load_booktoml(&s) < 0)
		rc = -1;
	if ((summary = find_summary(&s)) == -1)
		rc = -1;
	else if (summary == Q_ABSENT && scan_dir(&s, "", 0, &b->tree) < 0)
		rc = -1;
	for (size_t k = 0; k < 6; k++)
		if (s.other_markup[k])
			diag_warn(d, &rl, "%zu %s file%s %s not read: quire "
			    "reads Markdown", s.other_markup[k],
			    other_markup_ext[k], s.other_markup[k] == 1 ? "" :
			    "s", s.other_markup[k] == 1 ? "is" : "are");
	b->essays = xcalloc(s.files.n, sizeof(*b->essays));
	if (read_essays(&s) < 0)
		rc = -1;
	/* A Markdown file that an essay includes is part of that essay,
	 * not an essay of its own, unless SUMMARY.md lists it. */
	for (size_t i = 0; summary == -2 && s.included.n && i < s.files.n;
	    i++)
		if (b->essays[i].rel &&
		    idset_has(&s.included, b->essays[i].rel))
			b->essays[i].included = 1;
	idset_free(&s.included);
	/* The tree settled and flattened into reading order; what it left
	 * out (drafts, empty essays, what SUMMARY.md does not list) goes. */
	take_labels(b->essays, &b->tree);
	{
		struct dkey bk;

		settle(&s, &b->tree, summary == Q_ABSENT, 1, &bk);
	}
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
	cite_book_essay(b);  /* bibliography_at: book */
	strv_free(&s.files);
	free(s.src);
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

		char clip[96];

		if (strncasecmp(b->cover, "data:", 5) == 0)
			diag_warn(d, &cl, "cover %s: a data: URI is not read as "
			    "the cover (name an image file): a cover is made "
			    "instead", clip_url(b->cover, clip));
		else if (url_is_remote(b->cover))
			diag_warn(d, &cl, "cover %s is not fetched (remote "
			    "files never are): a cover is made instead",
			    clip_url(b->cover, clip));
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
