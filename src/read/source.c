/* The sources' text: each essay file read (on every core), converted to
 * UTF-8 with LF line ends, its front matter taken; read again later when
 * a big book let it go. */
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

/* ---- reading files ---- */

int
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

/* Length of the valid UTF-8 prefix of s; *bad_len gets the length of the
 * invalid sequence that stops it (0 at the end). */
static size_t
utf8_valid_prefix(const unsigned char *s, size_t n, int *bad_len)
{
	size_t i = 0, k;
	uint32_t c;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_decode(s + i, n - i, &c)) == 0) {
			k = 1;
			while (k < 4 && i + k < n && (s[i + k] & 0xc0) == 0x80)
				k++;
			*bad_len = (int)k;
			return i;
		}
		i += k;
	}
	*bad_len = 0;
	return n;
}

/* Line ends become LF, a BOM goes (UTF-16 and UTF-32 are converted), and
 * bad bytes (invalid UTF-8, NUL and other control characters) become
 * U+FFFD with one warning each kind. */
char *
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
	/* Most text needs nothing: kept as it is, only the BOM gone. */
	if (xml_clean_span(text + i, n - i) == n - i) {
		memmove(text, text + i, n - i);
		*len = n - i;
		text[*len] = '\0';
		return xrealloc(text, *len + 1);
	}
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
	int wave;           /* 0: the _index.md files; 1: the others */
};

static void
read_essay(struct scan *s, struct essay *e, const char *rel, time_t *newest,
    int *rc, struct strv *md)
{
	struct quire_diag *d = s->d;
	time_t mt = 0;

	essay_set_path(e, s->book->root, rel);
	if (read_inside(s->book, e->rel, NULL, d, &e->text, &e->len,
	    &mt) != 0) {
		*rc = -1;
		free(e->path);
		memset(e, 0, sizeof(*e));
		return;
	}
	if (mt > *newest)
		*newest = mt;
	e->text = normalise_text(d, e->path, e->text, &e->len);
	if (essay_front_matter(e, d) < 0)
		*rc = -1;
	if (include_expand(s->book, e, d, md) < 0)
		*rc = -1;
	/* Every essay gets the caps and the site pass, whatever it holds:
	 * nothing here may depend on which essay a thread reads first. */
	cap_nesting(e, d);
	cap_tables(e, d);
	site_prepass(s->book, e, d);
	xref_scan(e, e->numbered ? e->numbered == 2 :
	    s->book->number_sections);
	/* node takes a while to load KaTeX: it starts while the rest is
	 * read and rendered, not at the first formula. */
	e->maybe_math = math_candidate(e->text + e->body, e->len - e->body);
	if (e->maybe_math && !atomic_exchange(&s->math_seen, 1) &&
	    s->book->math_wanted)
		s->book->math_wanted();
	if (blank(e->text + e->body) && is_index(e->rel))
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
	struct strv md = { 0 };
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
		if (is_index(r->s->files.v[i]) != (r->wave == 0))
			continue;
		e = &r->s->book->essays[i];
		read_essay(r->s, e, r->s->files.v[i], &newest, &rc, &md);
		pthread_mutex_lock(&r->lock);
		for (size_t k = 0; k < md.n; k++)
			idset_add(&r->s->included, md.v[k]);
		strv_free(&md);
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

/* The pairs of v in one string: key, NUL, value, NUL..., then NUL. */
static void
cascade_pack(char **to, const struct strv *v)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < v->n; i++)
		buf_put(&b, v->v[i], strlen(v->v[i]) + 1);
	buf_putc(&b, '\0');
	*to = buf_take(&b);
}

int
read_essays(struct scan *s)
{
	struct reader r = { s, PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, 0 };
	pthread_t tid[64];
	long ncpu = s->opt->jobs > 0 ? s->opt->jobs :
	    sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (size_t)ncpu, started = 0;

	if (s->opt->jobs == 0 && n > s->files.n / 16)
		n = s->files.n / 16;  /* a few files: not worth a thread */
	/* The sections' _index.md first: their cascade is read before the
	 * pages under them are. */
	for (r.wave = 0; r.wave < 2; r.wave++) {
		started = 0;
		r.next = 0;
		for (size_t i = 0; i + 1 < n; i++)
			if (pthread_create(&tid[i], NULL, read_worker, &r) == 0)
				started++;
		read_worker(&r);
		for (size_t i = 0; i < started; i++)
			pthread_join(tid[i], NULL);
		for (size_t i = 0; r.wave == 0 && i < s->files.n; i++) {
			struct essay *e = &s->book->essays[i];

			if (!is_index(s->files.v[i]) ||
			    ESITE(e)->cascade.n == 0)
				continue;
			strv_push(&s->book->cascades,
			    path_dirname(s->files.v[i]));
			strv_push(&s->book->cascades, NULL);
			cascade_pack(&s->book->cascades.v[
			    s->book->cascades.n - 1], &ESITE(e)->cascade);
		}
	}
	pthread_mutex_destroy(&r.lock);
	return r.rc;
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
	t.path = xstrdup(e->path);
	t.rel = t.path + (e->rel - e->path);  /* its tail, as e's */
	if (read_inside(b, t.rel, NULL, quiet, &t.text, &t.len, NULL) == 0) {
		t.text = normalise_text(quiet, t.path, t.text, &t.len);
		if (essay_front_matter(&t, quiet) == 0) {
			struct strv md = { 0 };

			include_expand(b, &t, quiet, &md);
			strv_free(&md);
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

int
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n')
			return 0;
	return 1;
}

int
is_index(const char *rel)
{
	return strcmp(path_basename(rel), "_index.md") == 0;
}
