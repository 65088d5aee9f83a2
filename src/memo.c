/* The memo of rendered essays that a warm process (quire watch) keeps
 * from one build to the next: an essay whose source, place and
 * surroundings are what they were is taken from it instead of being
 * parsed, rendered and packed again.
 *
 * The key of an essay is the SHA-256 of
 *   - the book around it: every essay's front matter as loaded (titles,
 *     slugs, chapter numbers, site URLs...), the ids its headings are
 *     given and its cross-reference labels with their kinds and numbers
 *     (not the lines they are on); the stamps (size, time, inode) of every
 *     other file in the content folder (of images, their names only); and
 *     the options of the build;
 *   - its place in the book, its text as read, and the citations rendered
 *     for it.
 * What rendering it did besides its own fields is taped as it happened
 * and done again on a hit: its messages (base/diag.c), the images it
 * registered or that were refused, the remote URLs it met (link.c).  An
 * image whose bytes changed makes the entry miss.  Essays rendered again
 * for a link into a missing section (essay_redo), essays with errors and
 * books that spill to disk are never kept.  Entries not used by a build
 * go at its end. */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <glib.h>

#include "build.h"

/* Beyond this many bytes kept, essays are rendered, not kept. */
#define MEMO_MAX ((size_t)512 << 20)

struct entry {
	unsigned gen;
	size_t bytes;
	/* What rendering gave the essay (rendered_copy), but where it points
	 * into a book: */
	struct essay r;
	long *xtarget;          /* the index of each link's essay; -1: none */
	char **resname;         /* each part's image, by name; NULL: none */
	struct diag_tape *dt;
	struct link_tape lt;
};

static struct {
	pthread_mutex_t lock;
	GHashTable *t;          /* key (hex) -> struct entry */
	unsigned gen;
	size_t bytes;
	int on;                 /* this build takes and keeps */
	unsigned char book[32];
	size_t hits, misses;
} memo = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, { 0 }, 0, 0 };

static void
entry_free(void *p)
{
	struct entry *x = p;

	if (x == NULL)
		return;
	for (size_t i = 0; i < x->r.nhtml; i++)
		free(x->resname[i]);
	free(x->resname);
	free(x->xtarget);
	essay_free(&x->r);
	diag_tape_free(x->dt);
	link_tape_free(&x->lt);
	free(x);
}

/* ---- the key ---- */

static void
put_str(struct sha256 *h, const char *s)
{
	/* NULL and "" differ: a NUL ends every string, 0x01 stands for
	 * none. */
	if (s == NULL)
		sha256_update(h, "\1", 2);
	else
		sha256_update(h, s, strlen(s) + 1);
}

static void
put_num(struct sha256 *h, long long n)
{
	sha256_update(h, &n, sizeof(n));
}

static void
put_strv(struct sha256 *h, const struct strv *v)
{
	put_num(h, (long long)v->n);
	for (size_t i = 0; i < v->n; i++)
		put_str(h, v->v[i]);
}

struct stamp_row {
	char *rel;
	struct stat st;
};

static int
cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct stamp_row *)a)->rel,
	    ((const struct stamp_row *)b)->rel);
}

/* Every file below dir (rel from the root) but the essays' sources, the
 * output folder, hidden ones and backups. */
static void
walk(const char *dir, const char *rel, const char *out, GHashTable *essays,
    struct stamp_row **v, size_t *n, int depth)
{
	struct dirent *de;
	DIR *d;

	if (depth > 64 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *path, *r;
		struct stat st;

		/* Hidden files and folders, which the book never reads, and
		 * editors' swap, backup and autosave files, which watch does
		 * not rebuild for: an editor's save must not look like a
		 * change to the book. */
		if (editor_file(de->d_name))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		r = *rel ? xasprintf("%s/%s", rel, de->d_name) :
		    xstrdup(de->d_name);
		/* A link's own stamp: nothing outside the folder is looked
		 * at, and a link to a folder is not followed. */
		if (lstat(path, &st) != 0)
			memset(&st, 0, sizeof(st));
		if (S_ISDIR(st.st_mode)) {
			char real[PATH_MAX];

			if (out == NULL || realpath(path, real) == NULL ||
			    strcmp(real, out) != 0)
				walk(path, r, out, essays, v, n, depth + 1);
			free(r);
		} else if (g_hash_table_contains(essays, r)) {
			free(r);
		} else {
			GROW(*v, *n);
			(*v)[*n].rel = r;
			(*v)[(*n)++].st = st;
		}
		free(path);
	}
	closedir(d);
}

static int
is_image(const char *rel)
{
	static const char *const ext[] = { ".png", ".jpg", ".jpeg", ".gif",
	    ".svg", ".webp" };
	size_t n = strlen(rel);

	for (size_t i = 0; i < sizeof(ext) / sizeof(*ext); i++) {
		size_t k = strlen(ext[i]);

		if (n > k && strcasecmp(rel + n - k, ext[i]) == 0)
			return 1;
	}
	return 0;
}

static void
put_files(struct sha256 *h, const struct book *b,
    const struct quire_options *opt)
{
	GHashTable *essays = g_hash_table_new(g_str_hash, g_str_equal);
	struct stamp_row *v = NULL;
	char out[PATH_MAX];
	size_t n = 0;

	for (size_t i = 0; i < b->nessays; i++)
		g_hash_table_add(essays, b->essays[i].rel);
	walk(b->root_real ? b->root_real : b->root, "",
	    opt->out && realpath(opt->out, out) ? out : NULL, essays, &v, &n, 0);
	g_hash_table_destroy(essays);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_row);
	for (size_t i = 0; i < n; i++) {
		put_str(h, v[i].rel);
		/* An image essays show is checked by its bytes when taken
		 * (link_tape_replay): its name is enough here. */
		if (is_image(v[i].rel)) {
			free(v[i].rel);
			continue;
		}
		put_num(h, (long long)v[i].st.st_size);
		put_num(h, (long long)v[i].st.st_mtim.tv_sec);
		put_num(h, (long long)v[i].st.st_mtim.tv_nsec);
		put_num(h, (long long)v[i].st.st_ino);
		put_num(h, (long long)v[i].st.st_mode);
		free(v[i].rel);
	}
	free(v);
}

/* The book around every essay: what each essay's rendering may read of
 * the others and of the book. */
static void
book_key(const struct book *b, const struct quire_options *opt,
    unsigned char out[32])
{
	struct sha256 h;

	sha256_init(&h);
	put_str(&h, "quire memo 1");
	put_num(&h, opt->formats);
	put_num(&h, opt->drafts);
	put_num(&h, opt->strict);
	put_str(&h, opt->release);
	put_num(&h, opt->math);
	put_num(&h, b->math_svg);
	put_num(&h, opt->has_epoch);
	put_num(&h, opt->has_epoch ? opt->epoch : 0);
	put_num(&h, b->ledger_info);
	put_num(&h, (long long)b->nessays);
	for (size_t i = 0; i < b->nessays; i++) {
		const struct essay *e = &b->essays[i];
		const struct essay_site *st = ESITE(e);
		const struct essay_more *m = EMORE(e);

		put_str(&h, e->rel);
		put_str(&h, e->path);
		put_str(&h, e->slug);
		put_str(&h, e->file);
		put_str(&h, e->title);
		put_str(&h, m->subtitle);
		put_str(&h, m->summary);
		put_str(&h, e->date);
		put_str(&h, e->lang);
		put_str(&h, m->dir);
		put_strv(&h, &m->authors);
		put_strv(&h, &m->tags);
		put_strv(&h, &m->cite);
		sha256_update(&h, &e->order, sizeof(e->order));
		put_num(&h, e->has_order);
		put_num(&h, e->draft);
		put_num(&h, e->included);
		put_num(&h, e->role);
		put_num(&h, e->numbered);
		put_num(&h, e->empty);
		put_num(&h, e->part_page);
		put_strv(&h, &st->urls);
		put_str(&h, st->site_slug);
		put_str(&h, st->label);
		put_strv(&h, &st->params);
		put_strv(&h, &st->cascade);
		put_num(&h, (long long)st->siterefs.n);
		for (size_t k = 0; k < st->siterefs.cap; k++)
			if (st->siterefs.slot[k])
				put_str(&h, st->siterefs.slot[k]);
		/* What other essays see of its headings and labels: the ids
		 * given, and each label's kind and number, not the lines
		 * they are on (an edit above them moves those; the essay's
		 * own text stands for them in its own key). */
		for (size_t k = 0; k + 1 < st->hids.n; k += 2)
			put_str(&h, st->hids.v[k + 1]);
		put_strv(&h, &st->index);
		for (size_t k = 0; k < e->nxmarks; k++)
			if (e->xmarks[k].label) {
				put_str(&h, e->xmarks[k].kind);
				put_str(&h, e->xmarks[k].text);
				put_str(&h, e->xmarks[k].label);
				put_str(&h, e->xmarks[k].num);
			}
		put_str(&h, e->num);
	}
	put_files(&h, b, opt);
	sha256_final(&h, out);
}

/* The essay's own key, as hex. */
static void
essay_key(const struct book *b, const struct essay *e, char key[65],
    unsigned char text_sha[32])
{
	struct sha256 h;
	unsigned char k[32];

	sha256(e->text ? e->text : "", e->text ? e->len : 0, text_sha);
	sha256_init(&h);
	sha256_update(&h, memo.book, sizeof(memo.book));
	put_num(&h, (long long)(e - b->essays));
	sha256_update(&h, text_sha, 32);
	cite_digest(e, &h);
	sha256_final(&h, k);
	for (int i = 0; i < 32; i++)
		snprintf(key + 2 * i, 3, "%02x", k[i]);
}

int
editor_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || (n && name[n - 1] == '~') ||
	    (n > 1 && name[0] == '#' && name[n - 1] == '#');
}

/* ---- a build ---- */

void
memo_begin(struct book *b, const struct quire_options *opt)
{
	pthread_mutex_lock(&memo.lock);
	memo.on = opt->keep_warm && !b->squeeze && b->nessays > 0;
	if (memo.on && memo.t == NULL)
		memo.t = g_hash_table_new_full(g_str_hash, g_str_equal, free,
		    entry_free);
	memo.gen++;
	memo.hits = memo.misses = 0;
	pthread_mutex_unlock(&memo.lock);
	if (memo.on)
		book_key(b, opt, memo.book);
}

static gboolean
stale(void *key, void *value, void *arg)
{
	struct entry *x = value;

	(void)key;
	(void)arg;
	if (x->gen == memo.gen)
		return FALSE;
	memo.bytes -= x->bytes;
	return TRUE;
}

void
memo_end(void)
{
	pthread_mutex_lock(&memo.lock);
	if (memo.t)
		g_hash_table_foreach_remove(memo.t, stale, NULL);
	memo.on = 0;
	pthread_mutex_unlock(&memo.lock);
}

void
memo_counts(size_t *hits, size_t *misses)
{
	pthread_mutex_lock(&memo.lock);
	*hits = memo.hits;
	*misses = memo.misses;
	pthread_mutex_unlock(&memo.lock);
}

void
memo_cleanup(void)
{
	pthread_mutex_lock(&memo.lock);
	if (memo.t)
		g_hash_table_destroy(memo.t);
	memo.t = NULL;
	memo.bytes = 0;
	memo.on = 0;
	pthread_mutex_unlock(&memo.lock);
}

/* ---- taking an essay ---- */

static struct heading *
heads_copy(const struct heading *v, size_t n, char **mem)
{
	struct heading *c;
	size_t size = 0;
	char *p;

	*mem = NULL;
	if (n == 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		size += strlen(v[i].id) + strlen(v[i].text) + 2;
	c = xreallocarray(NULL, n, sizeof(*c));
	p = *mem = xmalloc(size);
	for (size_t i = 0; i < n; i++) {
		size_t li = strlen(v[i].id) + 1, lt = strlen(v[i].text) + 1;

		c[i].level = v[i].level;
		c[i].id = memcpy(p, v[i].id, li);
		p += li;
		c[i].text = memcpy(p, v[i].text, lt);
		p += lt;
	}
	return c;
}

static struct later *
later_copy(const struct later *v, size_t n)
{
	struct later *c = n ? xreallocarray(NULL, n, sizeof(*c)) : NULL;

	for (size_t i = 0; i < n; i++) {
		c[i] = v[i];
		c[i].text = v[i].text ? xstrdup(v[i].text) : NULL;
		c[i].orig = v[i].orig ? xstrdup(v[i].orig) : NULL;
		c[i].href = v[i].href ? xstrdup(v[i].href) : NULL;
	}
	return c;
}

static void *
bytes_copy(const void *p, size_t n)
{
	void *c;

	if (p == NULL)
		return NULL;
	c = xmalloc(n ? n : 1);
	memcpy(c, p, n);
	return c;
}

static void
strv_copy(struct strv *to, const struct strv *from)
{
	memset(to, 0, sizeof(*to));
	for (size_t i = 0; i < from->n; i++)
		strv_push(to, xstrdup(from->v[i]));
}

/* What rendering gives an essay, from one essay to another (an essay
 * and the memo's copy of it): the links' essays and the parts' images
 * point into a book, and are the caller's to set. */
static void
rendered_copy(struct essay *to, const struct essay *from)
{
	free(to->title);
	to->title = from->title ? xstrdup(from->title) : NULL;
	/* Made smart when rendered (parse.c). */
	if (EMORE(from)->subtitle || EMORE(to)->subtitle) {
		struct essay_more *m = essay_more(to);

		free(m->subtitle);
		m->subtitle = EMORE(from)->subtitle ?
		    xstrdup(from->more->subtitle) : NULL;
	}
	to->title_line = from->title_line;
	to->props = from->props;
	to->nimages = from->nimages;
	to->nimages_noalt = from->nimages_noalt;
	to->nnotes = from->nnotes;
	to->heads = heads_copy(from->heads, from->nheads, &to->heads_mem);
	to->nheads = from->nheads;
	to->idh = bytes_copy(from->idh, from->nidh * sizeof(*from->idh));
	to->nidh = from->nidh;
	to->xlinks = later_copy(from->xlinks, from->nxlinks);
	to->nxlinks = from->nxlinks;
	strv_copy(&to->marks, &from->marks);
	to->epub = from->epub;
	to->epub.data = bytes_copy(from->epub.data, from->epub.zlen);
	to->nhtml = from->nhtml;
	to->html = from->nhtml ? xreallocarray(NULL, from->nhtml,
	    sizeof(*to->html)) : NULL;
	for (size_t i = 0; i < from->nhtml; i++) {
		to->html[i] = from->html[i];
		to->html[i].data = bytes_copy(from->html[i].data,
		    from->html[i].zlen ? from->html[i].zlen :
		    from->html[i].len);
	}
	to->words = from->words;
}

/* The essay as the entry has it; 0 when it was found and is. */
static int
take(struct book *b, struct essay *e, const char *key, struct quire_diag *d)
{
	struct entry *x;
	struct resource **res;

	pthread_mutex_lock(&memo.lock);
	x = memo.t ? g_hash_table_lookup(memo.t, key) : NULL;
	if (x)
		x->gen = memo.gen;  /* not dropped while in use */
	pthread_mutex_unlock(&memo.lock);
	if (x == NULL || link_tape_replay(b, e, &x->lt) < 0)
		return -1;
	res = xcalloc(x->r.nhtml ? x->r.nhtml : 1, sizeof(*res));
	for (size_t i = 0; i < x->r.nhtml; i++)
		if (x->resname[i] &&
		    (res[i] = resource_find(b, x->resname[i])) == NULL) {
			free(res);
			return -1;
		}
	rendered_copy(e, &x->r);
	for (size_t i = 0; i < e->nxlinks; i++)
		e->xlinks[i].target = x->xtarget[i] < 0 ? NULL :
		    &b->essays[x->xtarget[i]];
	for (size_t i = 0; i < e->nhtml; i++)
		e->html[i].res = res[i];
	free(res);
	diag_tape_replay(d, x->dt, e->path);
	return 0;
}

/* ---- keeping one ---- */

static int
keepable(const struct essay *e)
{
	if (e->epub.sp)
		return 0;
	for (size_t i = 0; i < e->nhtml; i++)
		if (e->html[i].sp)
			return 0;
	return 1;
}

static void
keep(struct book *b, struct essay *e, const char *key, struct memo_run *r)
{
	struct entry *x;
	size_t bytes;

	if (diag_tape_errors(r->dt) || !keepable(e))
		return;
	x = xcalloc(1, sizeof(*x));
	rendered_copy(&x->r, e);
	x->xtarget = xcalloc(e->nxlinks ? e->nxlinks : 1, sizeof(long));
	for (size_t i = 0; i < e->nxlinks; i++) {
		x->xtarget[i] = e->xlinks[i].target ?
		    (long)(e->xlinks[i].target - b->essays) : -1;
		x->r.xlinks[i].target = NULL;
	}
	x->resname = xcalloc(e->nhtml ? e->nhtml : 1, sizeof(char *));
	bytes = sizeof(*x) + e->epub.zlen + diag_tape_bytes(r->dt) +
	    link_tape_bytes(&r->lt) + e->nidh * sizeof(uint64_t);
	for (size_t i = 0; i < e->nhtml; i++) {
		x->r.html[i].res = NULL;
		x->resname[i] = e->html[i].res ? xstrdup(e->html[i].res->name) :
		    NULL;
		bytes += sizeof(*x->r.html) + (e->html[i].data == NULL ?
		    0 : e->html[i].zlen ? e->html[i].zlen : e->html[i].len);
	}
	for (size_t i = 0; i < e->nheads; i++)
		bytes += sizeof(*e->heads) + strlen(e->heads[i].id) +
		    strlen(e->heads[i].text) + 2;
	x->dt = r->dt;
	x->lt = r->lt;
	r->dt = NULL;
	memset(&r->lt, 0, sizeof(r->lt));
	x->bytes = bytes;
	x->gen = memo.gen;
	pthread_mutex_lock(&memo.lock);
	if (memo.t && memo.bytes + bytes <= MEMO_MAX) {
		struct entry *old = g_hash_table_lookup(memo.t, key);

		if (old)
			memo.bytes -= old->bytes;
		memo.bytes += bytes;
		g_hash_table_replace(memo.t, xstrdup(key), x);
		x = NULL;
	}
	pthread_mutex_unlock(&memo.lock);
	entry_free(x);
}

/* ---- around an essay's run (build.c) ---- */

int
memo_start(struct book *b, struct essay *e, struct memo_run *r,
    struct quire_diag *d)
{
	memset(r, 0, sizeof(*r));
	/* An essay rendered again once the links between essays are
	 * judged is another rendering of the same source. */
	if (!memo.on || e->xbad)
		return -1;
	essay_key(b, e, r->key, r->text_sha);
	if (take(b, e, r->key, d) == 0) {
		if (b->ledger_info)
			memcpy(e->src_sha, r->text_sha, 32);
		pthread_mutex_lock(&memo.lock);
		memo.hits++;
		pthread_mutex_unlock(&memo.lock);
		return 0;
	}
	r->on = 1;
	r->dt = diag_tape_new();
	r->old_dt = diag_tape_set(r->dt);
	r->old_lt = link_tape_set(&r->lt);
	return -1;
}

void
memo_stop(struct book *b, struct essay *e, struct memo_run *r)
{
	if (!r->on)
		return;
	diag_tape_set(r->old_dt);
	link_tape_set(r->old_lt);
	pthread_mutex_lock(&memo.lock);
	memo.misses++;
	pthread_mutex_unlock(&memo.lock);
	keep(b, e, r->key, r);
	diag_tape_free(r->dt);
	link_tape_free(&r->lt);
	r->on = 0;
}
