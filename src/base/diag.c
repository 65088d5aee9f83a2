/* Diagnostics for every stage: path:line:col: level: message, kept until
 * the end of a run, then printed sorted by file and line with a count, or
 * as data (JSON lines, a SARIF 2.1.0 log); past MAX_LIKE of one kind in
 * one file, only counted and summed up. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define MAX_LIKE 100   /* messages of one kind kept for one file */

struct msg {  /* a big book has hundreds of thousands: 56 bytes each */
	const char *path;   /* interned (quire_diag.paths) */
	char *text;         /* NULL: its len bytes at off in quire_diag.sp */
	uint64_t off;
	const char *fmt;    /* its format string: its kind, as data */
	int line, col;
	uint32_t seq, len;
	unsigned char level;  /* enum level */
	unsigned char summary;  /* "N more like this": after the file's
	                         * others */
};

/* A kind of message in a file: its format string, kept or counted.  A
 * big book has one or more for each essay: 32 bytes. */
struct kind {
	const char *path;   /* interned */
	const char *fmt;
	size_t n;
	uint32_t first;     /* its first message (msg.seq) */
	unsigned char level;  /* enum level */
};

static void msgs_load(struct quire_diag *);

struct quire_diag {
	pthread_mutex_t lock;  /* stages may report from several threads */
	struct msg *m;      /* messages nsp to n - 1 (m[i - nsp]) */
	size_t n;           /* messages in all */
	/* A big book's messages 0 to nsp - 1: in rsp, one struct msg after
	 * another, read back to be printed (msgs_load()).  While nsp is n,
	 * the next one goes there too; once one cannot, the rest stay in
	 * memory. */
	struct spill *rsp;
	size_t nsp;
	uint32_t *kslot;    /* by (fmt, path) address: index in k, plus
	                     * one; 0: empty (kcap, a power of two) */
	size_t kcap;
	struct idset paths;  /* every path once: a big book has 100,000 */
	struct kind *k;
	size_t nk;
	size_t errors, warnings;
	int strict, color, syserr;
	struct spill *sp;   /* a big book's: the messages' texts go here */
	struct idset once;  /* diag_once()'s keys: index in m, plus one */
	/* Files made of other files (includes): where their lines came
	 * from, by the address of the path string that the essay's
	 * messages carry (index in maps, plus one); messages that name
	 * the same file through another string are in its own lines.  The
	 * text is compared too: the address may be another's by then. */
	struct idset mapped;
	struct linemap {
		const char *path;     /* interned */
		struct diag_line {
			int line;           /* from this line on, */
			const char *path;   /* interned: this file's */
			int from;           /* lines from this one */
		} *v;                       /* by line, ascending */
		size_t n;
	} *maps;
	size_t nmaps;
};

/* A thread's messages as they were offered, for another run to be
 * offered them again (diag_tape_set). */
struct diag_tape {
	struct taped {
		enum level level;
		char *path;         /* NULL: none */
		int line, col;
		const char *fmt;    /* its kind */
		char *text;
		char *once;         /* diag_once()'s key, or NULL */
	} *v;
	size_t n;
	int errors;
};
static __thread struct diag_tape *tape;

static const char *const level_names[] = { "note", "warning", "error" };
static const char *const level_colors[] = { "\033[1;36m", "\033[1;35m",
    "\033[1;31m" };

struct quire_diag *
quire_diag_new(int color)
{
	struct quire_diag *d = xcalloc(1, sizeof(*d));

	pthread_mutex_init(&d->lock, NULL);
	d->color = color;
	return d;
}

static void
forget_kinds(struct quire_diag *d)
{
	free(d->k);
	d->k = NULL;
	d->nk = 0;
	free(d->kslot);
	d->kslot = NULL;
	d->kcap = 0;
}

/* Where the kind (fmt, path) is, or would go, in d->kslot: the pair's
 * addresses are its identity (path is interned, fmt a literal). */
static uint32_t *
kind_slot(struct quire_diag *d, const char *fmt, const char *path)
{
	const void *pair[2] = { fmt, path };
	size_t i = (size_t)hash_fnv_n(pair, sizeof(pair)) & (d->kcap - 1);

	while (d->kslot[i] && (d->k[d->kslot[i] - 1].fmt != fmt ||
	    d->k[d->kslot[i] - 1].path != path))
		i = (i + 1) & (d->kcap - 1);
	return &d->kslot[i];
}

/* The text of a message as quoted in a summary: at most 160 bytes. */
static char *
shorten(const char *text)
{
	size_t n = strlen(text);

	if (n <= 160)
		return xstrdup(text);
	n = 160;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;  /* not inside a UTF-8 sequence */
	return xasprintf("%.*s...", (int)n, text);
}

/* Counts a message of its kind; 0 if it is past the limit (not kept). */
static int
count_kind(struct quire_diag *d, const struct loc *l, const char *fmt,
    enum level lvl)
{
	const char *path = idset_get(&d->paths, l && l->path ? l->path : "");
	struct kind *k;
	uint32_t *v;

	/* At most half full: grown (every kind placed again) first. */
	if (2 * (d->nk + 1) > d->kcap) {
		free(d->kslot);
		d->kcap = d->kcap ? 2 * d->kcap : 64;
		d->kslot = xcalloc(d->kcap, sizeof(*d->kslot));
		for (size_t i = 0; i < d->nk; i++)
			*kind_slot(d, d->k[i].fmt, d->k[i].path) =
			    (uint32_t)(i + 1);
	}
	if (*(v = kind_slot(d, fmt, path)) == 0) {
		GROW(d->k, d->nk);
		k = &d->k[d->nk];
		k->path = path;
		k->fmt = fmt;
		k->level = (unsigned char)lvl;
		k->n = 0;
		k->first = (uint32_t)d->n;  /* the message about to be kept */
		*v = (uint32_t)++d->nk;
	}
	k = &d->k[*v - 1];
	if (lvl > (enum level)k->level)
		k->level = (unsigned char)lvl;
	return ++k->n <= MAX_LIKE;
}

void
quire_diag_free(struct quire_diag *d)
{
	if (d == NULL)
		return;
	msgs_load(d);
	for (size_t i = 0; i < d->n; i++)
		free(d->m[i].text);
	free(d->m);
	spill_close(d->rsp);
	forget_kinds(d);
	idset_free(&d->once);
	for (size_t i = 0; i < d->nmaps; i++)
		free(d->maps[i].v);
	free(d->maps);
	idset_free(&d->mapped);
	idset_free(&d->paths);
	spill_close(d->sp);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* Messages in memory: the last n - nsp. */
static size_t
msgs_held(const struct quire_diag *d)
{
	return d->n - d->nsp;
}

/* Message i, read back into *tmp when it is in rsp; NULL if it cannot
 * be.  Under the lock. */
static struct msg *
msg_at(struct quire_diag *d, size_t i, struct msg *tmp)
{
	if (i >= d->nsp)
		return &d->m[i - d->nsp];
	if (spill_pread(d->rsp, tmp, sizeof(*tmp), i * sizeof(*tmp)) == -1)
		return NULL;
	return tmp;
}

/* m as message i, where msg_at() found it: 0, or -1 if it cannot be
 * written back (message i is then as it was). */
static int
msg_put(struct quire_diag *d, size_t i, const struct msg *m)
{
	if (i >= d->nsp) {
		d->m[i - d->nsp] = *m;
		return 0;
	}
	return spill_pwrite(d->rsp, m, sizeof(*m), i * sizeof(*m));
}

/* Every message in memory again, in d->m (capacity a power of two, as
 * GROW() takes it), before they are printed or freed.  Under the lock
 * or alone. */
static void
msgs_load(struct quire_diag *d)
{
	size_t held = msgs_held(d), cap = 1, lost = 0;
	struct msg *all;

	if (d->nsp == 0)
		return;
	while (cap < d->n + 1)
		cap *= 2;
	all = xreallocarray(NULL, cap, sizeof(*all));
	if (spill_pread(d->rsp, all, d->nsp * sizeof(*all), 0) == -1) {
		/* The kinds' and told-once messages' places are gone too
		 * (their texts in memory with them). */
		lost = d->nsp;
		forget_kinds(d);
		idset_free(&d->once);
		memset(&all[0], 0, sizeof(all[0]));
		all[0].level = L_ERROR;
		all[0].text = xasprintf("%zu messages lost: cannot read back "
		    "a temporary file: %s", lost, strerror(errno));
		all[0].len = (uint32_t)strlen(all[0].text);
		d->errors++;
	}
	if (held)
		memcpy(all + (lost ? 1 : d->nsp), d->m, held * sizeof(*all));
	free(d->m);
	d->m = all;
	d->n = (lost ? 1 : d->nsp) + held;
	d->nsp = 0;
}

void
diag_spill(struct quire_diag *d, struct spill *texts, struct spill *msgs)
{
	pthread_mutex_lock(&d->lock);
	spill_close(d->sp);
	d->sp = texts;
	/* The messages so far go first. */
	msgs_load(d);
	spill_close(d->rsp);
	d->rsp = msgs;
	if (msgs && (d->n == 0 || spill_pwrite(msgs, d->m,
	    d->n * sizeof(*d->m), 0) == 0)) {
		d->nsp = d->n;
		free(d->m);
		d->m = NULL;
	}
	pthread_mutex_unlock(&d->lock);
}

/* A message's text, the caller's to free. */
static char *
msg_text(const struct quire_diag *d, const struct msg *m)
{
	char *t;

	if (m->text)
		return xstrdup(m->text);
	t = xmalloc(m->len + 1);
	if (spill_pread(d->sp, t, m->len, m->off) == -1) {
		free(t);
		return xasprintf("(message lost: %s)", strerror(errno));
	}
	t[m->len] = '\0';
	return t;
}

void
diag_set_strict(struct quire_diag *d, int strict)
{
	d->strict = strict;
}

void
diag_map_line(struct quire_diag *d, const char *file, int line,
    const char *path, int from)
{
	struct linemap *m;
	char key[32];
	size_t *i;

	snprintf(key, sizeof(key), "%p", (const void *)file);
	pthread_mutex_lock(&d->lock);
	if ((i = idset_val(&d->mapped, key)) == NULL || *i == 0 ||
	    strcmp(d->maps[*i - 1].path, file) != 0) {
		idset_add(&d->mapped, key);
		GROW(d->maps, d->nmaps);
		m = &d->maps[d->nmaps++];
		memset(m, 0, sizeof(*m));
		m->path = idset_get(&d->paths, file);
		*idset_val(&d->mapped, key) = d->nmaps;
	} else
		m = &d->maps[*i - 1];
	GROW(m->v, m->n);
	m->v[m->n++] = (struct diag_line){ line, idset_get(&d->paths, path),
	    from };
	pthread_mutex_unlock(&d->lock);
}

/* Where line l of a file made of others came from; l itself otherwise.
 * Under the lock. */
static const struct loc *
map_loc(struct quire_diag *d, const struct loc *l, struct loc *out)
{
	const struct linemap *m;
	size_t *i, lo = 0, hi;
	char key[32];

	if (d->nmaps == 0 || l == NULL || l->path == NULL || l->line <= 0)
		return l;
	snprintf(key, sizeof(key), "%p", (const void *)l->path);
	if ((i = idset_val(&d->mapped, key)) == NULL || *i == 0)
		return l;
	m = &d->maps[*i - 1];
	if (strcmp(m->path, l->path) != 0)
		return l;
	for (hi = m->n; lo < hi; ) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->v[mid].line <= l->line)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return l;
	out->path = m->v[lo - 1].path;
	out->line = m->v[lo - 1].from + (l->line - m->v[lo - 1].line);
	out->col = l->col;
	return out;
}

/* A message as one line of bounded words: a run of more than 120 bytes
 * without a blank (a URL, a path, a name from the input) is clipped to
 * its first 80 and "...", and a control character shows as '?', so no
 * input makes a message of megabytes or one that reads as two. */
static void
clip_words(char *text)
{
	char *r = text, *w = text;

	while (*r) {
		size_t n = strcspn(r, " \t");

		if (n > 120) {
			size_t k = 80;
			while (k > 0 && ((unsigned char)r[k] & 0xc0) == 0x80)
				k--;
			memmove(w, r, k);
			memcpy(w + k, "...", 3);
			w += k + 3;
			r += n;
			continue;
		}
		for (; n > 0; n--, r++)
			*w++ = (unsigned char)*r < 0x20 ? '?' : *r;
		while (*r == ' ' || *r == '\t')
			*w++ = *r++;
	}
	*w = '\0';
}

static char *
format(const char *fmt, va_list ap)
{
	char *text;
	int n;
	va_list aq;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	text = xmalloc(n < 0 ? 1 : (size_t)n + 1);
	vsnprintf(text, n < 0 ? 1 : (size_t)n + 1, fmt, ap);
	clip_words(text);
	return text;
}

/* Keeps text (taken) under the lock; 0 when it is only counted.  spill:
 * its text may go to the spill file. */
static int
keep(struct quire_diag *d, enum level lvl, const struct loc *l,
    const char *fmt, char *text, int spill)
{
	struct msg one;
	struct loc mapped;
	size_t held;

	l = map_loc(d, l, &mapped);
	if (lvl == L_ERROR)
		d->errors++;
	else if (lvl == L_WARNING)
		d->warnings++;
	if (!count_kind(d, l, fmt, lvl)) {
		free(text);
		return 0;
	}
	memset(&one, 0, sizeof(one));  /* no stray bytes in rsp */
	one.path = l && l->path ? idset_get(&d->paths, l->path) : NULL;
	one.line = l ? l->line : 0;
	one.col = l ? l->col : 0;
	one.level = lvl;
	one.seq = (uint32_t)d->n;
	one.text = text;
	one.len = (uint32_t)strlen(text);
	one.fmt = fmt;
	/* A big book's hundreds of thousands of messages wait on disk,
	 * texts and places; spill_put() may be called under the lock. */
	if (spill && d->sp && spill_put(d->sp, text, one.len,
	    &one.off) == 0) {
		free(text);
		one.text = NULL;
	}
	if (d->rsp && d->nsp == d->n && spill_pwrite(d->rsp, &one,
	    sizeof(one), d->n * sizeof(one)) == 0) {
		d->nsp++;
		d->n++;
		return 1;
	}
	held = msgs_held(d);
	GROW(d->m, held);
	d->m[held] = one;
	d->n++;
	return 1;
}

/* On this thread's tape, if it has one: a copy of what is offered. */
static void
record(enum level lvl, const struct loc *l, const char *fmt,
    const char *text, const char *once)
{
	struct taped *t;

	if (tape == NULL)
		return;
	GROW(tape->v, tape->n);
	t = &tape->v[tape->n++];
	t->level = lvl;
	t->path = l && l->path ? xstrdup(l->path) : NULL;
	t->line = l ? l->line : 0;
	t->col = l ? l->col : 0;
	t->fmt = fmt;
	t->text = xstrdup(text);
	t->once = once ? xstrdup(once) : NULL;
	if (lvl == L_ERROR)
		tape->errors++;
}

static void
put(struct quire_diag *d, enum level lvl, const struct loc *l,
    const char *fmt, char *text)
{
	record(lvl, l, fmt, text, NULL);
	if (lvl == L_WARNING && d->strict)
		lvl = L_ERROR;
	pthread_mutex_lock(&d->lock);
	keep(d, lvl, l, fmt, text, 1);
	pthread_mutex_unlock(&d->lock);
}

static void
vdiag(struct quire_diag *d, enum level lvl, const struct loc *l,
    const char *fmt, va_list ap)
{
	put(d, lvl, l, fmt, format(fmt, ap));
}

/* Whether place (path, line, col) comes before m's. */
static int
earlier(const char *path, int line, int col, const struct msg *m)
{
	int c;

	if (path == NULL || m->path == NULL)
		c = (path != NULL) - (m->path != NULL);
	else
		c = strcmp(path, m->path);
	if (c)
		return c < 0;
	return line != m->line ? line < m->line : col < m->col;
}

static int
put_once(struct quire_diag *d, const char *key, enum level lvl,
    const struct loc *l, const char *fmt, char *text)
{
	const char *path;
	int line, col;
	size_t *v, at;
	struct msg *m, tmp;

	record(lvl, l, fmt, text, key);
	if (lvl == L_WARNING && d->strict)
		lvl = L_ERROR;
	pthread_mutex_lock(&d->lock);
	{
		struct loc mp;
		const struct loc *ml = map_loc(d, l, &mp);

		path = ml && ml->path ? ml->path : NULL;
		line = ml ? ml->line : 0;
		col = ml ? ml->col : 0;
	}
	if ((v = idset_val(&d->once, key)) == NULL) {
		at = d->n;
		/* Kept in memory: an earlier place may replace it. */
		if (keep(d, lvl, l, fmt, text, 0)) {
			idset_add(&d->once, key);
			*idset_val(&d->once, key) = at + 1;
		}
	} else if ((m = msg_at(d, *v - 1, &tmp)) != NULL &&
	    earlier(path, line, col, m)) {
		struct msg now = *m;
		char *old = m->text;

		now.text = text;
		now.len = (uint32_t)strlen(text);
		now.path = path ? idset_get(&d->paths, path) : NULL;
		now.line = line;
		now.col = col;
		if (msg_put(d, *v - 1, &now) == 0)
			free(old);
		else
			free(text);
	} else
		free(text);
	pthread_mutex_unlock(&d->lock);
	return lvl == L_ERROR || d->strict ? -1 : 0;
}

int
diag_once(struct quire_diag *d, const char *key, enum level lvl,
    const struct loc *l, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	text = format(fmt, ap);
	va_end(ap);
	return put_once(d, key, lvl, l, fmt, text);
}

struct diag_tape *
diag_tape_set(struct diag_tape *t)
{
	struct diag_tape *old = tape;

	tape = t;
	return old;
}

struct diag_tape *
diag_tape_new(void)
{
	return xcalloc(1, sizeof(struct diag_tape));
}

void
diag_tape_free(struct diag_tape *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].text);
		free(t->v[i].once);
	}
	free(t->v);
	free(t);
}

int
diag_tape_errors(const struct diag_tape *t)
{
	return t->errors;
}

size_t
diag_tape_bytes(const struct diag_tape *t)
{
	size_t n = t->n * sizeof(*t->v);

	for (size_t i = 0; i < t->n; i++)
		n += strlen(t->v[i].text) + (t->v[i].path ?
		    strlen(t->v[i].path) : 0) + 2;
	return n;
}

void
diag_tape_replay(struct quire_diag *d, const struct diag_tape *t,
    const char *path)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct taped *x = &t->v[i];
		/* The essay's own path by the address its messages carry
		 * now (includes' lines are mapped by that address). */
		struct loc l = { x->path && path && strcmp(x->path, path) == 0 ?
		    path : x->path, x->line, x->col };

		if (x->once)
			put_once(d, x->once, x->level, &l, x->fmt,
			    xstrdup(x->text));
		else
			put(d, x->level, &l, x->fmt, xstrdup(x->text));
	}
}

int
diag(struct quire_diag *d, enum level lvl, const struct loc *l,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(d, lvl, l, fmt, ap);
	va_end(ap);
	return lvl == L_ERROR || d->strict ? -1 : 0;
}

int
diag_syserr(struct quire_diag *d, const struct loc *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(d, L_ERROR, l, fmt, ap);
	va_end(ap);
	d->syserr = 1;
	return -1;
}

/* Failures the machine causes, not the content: out of file descriptors
 * or memory, an I/O error. */
int
diag_errno(struct quire_diag *d, const struct loc *l, int err,
    const char *fmt, ...)
{
	va_list ap;
	int sys = err == EMFILE || err == ENFILE || err == ENOMEM ||
	    err == EIO || err == ENOBUFS;

	va_start(ap, fmt);
	vdiag(d, L_ERROR, l, fmt, ap);
	va_end(ap);
	if (sys)
		d->syserr = 1;
	return -1;
}

int
diag_status(const struct quire_diag *d)
{
	if (d->syserr)
		return QUIRE_ESYSTEM;
	return d->errors ? QUIRE_EINPUT : QUIRE_OK;
}

size_t
quire_diag_errors(const struct quire_diag *d)
{
	return d->errors;
}

size_t
quire_diag_warnings(const struct quire_diag *d)
{
	return d->warnings;
}

static int
cmp_msg(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;
	int c;

	/* Messages with no file (the run as a whole) come last. */
	if ((x->path == NULL) != (y->path == NULL))
		return x->path == NULL ? 1 : -1;
	if (x->path && (c = strcmp(x->path, y->path)) != 0)
		return c;
	if (x->summary != y->summary)
		return x->summary ? 1 : -1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- Diagnostics as data: JSON lines and SARIF 2.1.0 ---- */

/* The kind of a message: the words of its format's headline (up to the
 * first ':', ';' or '('), conversions, quoted parts and little words
 * left out, joined by '-': "image not found: %s" is image-not-found. */
static char *
kind_of(const char *fmt, int summary)
{
	static const char *const little[] = { "a", "an", "and", "as", "at",
	    "be", "by", "for", "in", "is", "of", "or", "such", "the", "to" };
	struct buf b = { 0 };
	size_t words = 0;

	if (summary)
		return xstrdup("more-like-this");
	for (const char *p = fmt ? fmt : ""; *p && *p != ':' && *p != ';' &&
	    *p != '(' && words < 6;) {
		const char *w;
		size_t n;
		int little_word = 0;

		if (*p == '%') {  /* a conversion: flags, width, length, type */
			p++;
			while (*p && strchr("-+ #0123456789.*hlLqjzt", *p))
				p++;
			if (*p)
				p++;
			continue;
		}
		if (*p == '\'') {  /* a quoted detail */
			const char *q = strchr(p + 1, '\'');
			p = q ? q + 1 : p + 1;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9'))) {
			p++;
			continue;
		}
		for (w = p; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9'); p++)
			;
		n = (size_t)(p - w);
		for (size_t i = 0; i < sizeof(little) / sizeof(*little); i++)
			if (strlen(little[i]) == n &&
			    strncasecmp(little[i], w, n) == 0)
				little_word = 1;
		if (little_word)
			continue;
		if (words++)
			buf_putc(&b, '-');
		for (size_t i = 0; i < n; i++)
			buf_putc(&b, (char)(w[i] >= 'A' && w[i] <= 'Z' ?
			    w[i] - 'A' + 'a' : w[i]));
	}
	if (words == 0)
		buf_puts(&b, "message");
	return buf_take(&b);
}

/* s as a JSON string: quotes, backslashes and control characters escaped,
 * bytes that are not UTF-8 replaced by U+FFFD. */
static void
json_str(struct buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t k = utf8_decode(u + i, n - i, &c);

		if (k == 0) {
			buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", (unsigned)c);
		else
			buf_put(b, u + i, k);
		i += k;
	}
	buf_putc(b, '"');
}

/* A file's path as a URI reference (RFC 3986): an absolute path as a
 * file: URI, a relative one as it is; every byte but the unreserved ones
 * and '/' percent-encoded. */
static void
json_uri(struct buf *b, const char *path)
{
	struct buf u = { 0 };

	if (path[0] == '/')
		buf_puts(&u, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			buf_putc(&u, (char)*p);
		else
			buf_printf(&u, "%%%02X", *p);
	}
	buf_putc(&u, '\0');
	json_str(b, u.data);
	buf_free(&u);
}

static void
emit_json(struct quire_diag *d, FILE *fp)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < d->n; i++) {
		const struct msg *m = &d->m[i];
		char *text = m->text ? m->text : msg_text(d, m);
		char *kind = kind_of(m->fmt, m->summary);

		b.len = 0;
		buf_puts(&b, "{\"file\":");
		if (m->path)
			json_str(&b, m->path);
		else
			buf_puts(&b, "null");
		if (m->path && m->line > 0)
			buf_printf(&b, ",\"line\":%d,\"column\":%d", m->line,
			    m->col > 0 ? m->col : 1);
		else
			buf_puts(&b, ",\"line\":null,\"column\":null");
		buf_printf(&b, ",\"severity\":\"%s\",\"message\":",
		    level_names[m->level]);
		json_str(&b, text);
		buf_puts(&b, ",\"kind\":");
		json_str(&b, kind);
		buf_puts(&b, "}\n");
		fwrite(b.data, 1, b.len, fp);
		free(kind);
		if (text != m->text)
			free(text);
	}
	buf_free(&b);
}

/* One SARIF 2.1.0 log with one run: a rule per kind (in the order first
 * met), a result per message, its file relative to the folder quire was
 * run in (%SRCROOT%, as code scanning expects) or a file: URI. */
static void
emit_sarif(struct quire_diag *d, FILE *fp)
{
	struct buf b = { 0 };
	char **kinds = xcalloc(d->n + 1, sizeof(*kinds));
	char **rules = xcalloc(d->n + 1, sizeof(*rules));
	size_t *rule_of = xcalloc(d->n + 1, sizeof(*rule_of));
	size_t nrules = 0;

	for (size_t i = 0; i < d->n; i++) {
		size_t r = 0;

		kinds[i] = kind_of(d->m[i].fmt, d->m[i].summary);
		while (r < nrules && strcmp(rules[r], kinds[i]) != 0)
			r++;
		if (r == nrules)
			rules[nrules++] = kinds[i];
		rule_of[i] = r;
	}
	buf_puts(&b, "{\"$schema\":\"https://json.schemastore.org/"
	    "sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":"
	    "{\"driver\":{\"name\":\"quire\",\"version\":\"" QUIRE_VERSION
	    "\",\"semanticVersion\":\"" QUIRE_VERSION "\",\"rules\":[");
	for (size_t r = 0; r < nrules; r++) {
		char *words = xstrdup(rules[r]);

		for (char *p = words; *p; p++)
			if (*p == '-')
				*p = ' ';
		buf_puts(&b, r ? ",{\"id\":" : "{\"id\":");
		json_str(&b, rules[r]);
		buf_puts(&b, ",\"shortDescription\":{\"text\":");
		json_str(&b, words);
		buf_puts(&b, "}}");
		free(words);
	}
	buf_puts(&b, "]}},\"originalUriBaseIds\":{\"%SRCROOT%\":{\"description\":"
	    "{\"text\":\"The folder quire was run in.\"}}},\"results\":[");
	for (size_t i = 0; i < d->n; i++) {
		const struct msg *m = &d->m[i];
		char *text = m->text ? m->text : msg_text(d, m);

		buf_puts(&b, i ? ",{\"ruleId\":" : "{\"ruleId\":");
		json_str(&b, kinds[i]);
		buf_printf(&b, ",\"ruleIndex\":%zu,\"level\":\"%s\","
		    "\"message\":{\"text\":", rule_of[i], level_names[m->level]);
		json_str(&b, text);
		buf_putc(&b, '}');
		if (m->path) {
			buf_puts(&b, ",\"locations\":[{\"physicalLocation\":"
			    "{\"artifactLocation\":{\"uri\":");
			json_uri(&b, m->path);
			if (m->path[0] != '/')
				buf_puts(&b, ",\"uriBaseId\":\"%SRCROOT%\"");
			buf_putc(&b, '}');
			if (m->line > 0)
				buf_printf(&b, ",\"region\":{\"startLine\":%d,"
				    "\"startColumn\":%d}", m->line,
				    m->col > 0 ? m->col : 1);
			buf_puts(&b, "}}]");
		}
		buf_putc(&b, '}');
		if (text != m->text)
			free(text);
	}
	buf_puts(&b, "]}]}\n");
	fwrite(b.data, 1, b.len, fp);
	buf_free(&b);
	for (size_t i = 0; i < d->n; i++)
		free(kinds[i]);
	free(kinds);
	free(rules);
	free(rule_of);
}

size_t
quire_diag_flush(struct quire_diag *d, FILE *fp)
{
	return quire_diag_flush_as(d, fp, QUIRE_DIAG_TEXT);
}

size_t
quire_diag_flush_as(struct quire_diag *d, FILE *fp,
    enum quire_diag_format format)
{
	const char *bold = d->color ? "\033[1m" : "";
	const char *reset = d->color ? "\033[0m" : "";

	msgs_load(d);
	/* The kinds past the limit, summed up after the file's messages. */
	for (size_t i = 0; i < d->nk; i++) {
		const struct kind *k = &d->k[i];
		struct msg *m;
		char *first, *text;

		if (k->n <= MAX_LIKE)
			continue;
		text = msg_text(d, &d->m[k->first]);
		first = shorten(text);
		free(text);
		GROW(d->m, d->n);
		m = &d->m[d->n];
		m->path = *k->path ? k->path : NULL;
		m->line = m->col = 0;
		m->level = L_NOTE;
		m->seq = (uint32_t)d->n++;
		m->text = xasprintf("%zu more %ss like this one, not shown: "
		    "%s", k->n - MAX_LIKE, level_names[k->level], first);
		free(first);
		m->summary = 1;
		m->fmt = k->fmt;
	}
	forget_kinds(d);
	if (d->n)
		qsort(d->m, d->n, sizeof(*d->m), cmp_msg);
	if (format == QUIRE_DIAG_JSON)
		emit_json(d, fp);
	else if (format == QUIRE_DIAG_SARIF)
		emit_sarif(d, fp);
	for (size_t i = 0; format == QUIRE_DIAG_TEXT && i < d->n; i++) {
		const struct msg *m = &d->m[i];
		char *text = m->text ? m->text : msg_text(d, m);

		fputs(bold, fp);
		if (m->path) {
			fputs(m->path, fp);
			if (m->line > 0)
				fprintf(fp, ":%d:%d", m->line,
				    m->col > 0 ? m->col : 1);
			fputs(": ", fp);
		} else
			fputs("quire: ", fp);
		fprintf(fp, "%s%s%s: %s%s%s\n", reset,
		    d->color ? level_colors[m->level] : "",
		    level_names[m->level], reset, text, "");
		if (text != m->text)
			free(text);
	}
	if (format == QUIRE_DIAG_TEXT && (d->errors || d->warnings))
		fprintf(fp, "%zu error%s, %zu warning%s\n", d->errors,
		    d->errors == 1 ? "" : "s", d->warnings,
		    d->warnings == 1 ? "" : "s");
	for (size_t i = 0; i < d->n; i++)
		free(d->m[i].text);
	d->n = 0;
	return d->errors;
}
