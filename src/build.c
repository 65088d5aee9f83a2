/* The build as a whole: runs the stages in order over the book model, then
 * the writers in the table below, and hands the results to write.c only
 * when no stage reported an error. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "build.h"


/* Every essay goes through the stages and the writers' essay hooks on
 * one thread, then its tree and source are freed: the book is never held
 * as trees.  cmark-gfm keeps parser state in globals (its table of
 * special characters), so parsing takes a lock; the rest, most of the
 * work, runs on every core. */
struct pool {
	struct book *b;
	struct quire_diag *d;
	const struct quire_options *opt;
	pthread_mutex_t lock, cmark;
	size_t next, done;
	struct essay **order;  /* the longest first; NULL once taken */
};

static void
essay_run(struct book *b, struct essay *e, unsigned formats,
    pthread_mutex_t *cmark, struct quire_diag *d)
{
	struct segment *segs;
	struct memo_run mr;
	size_t nsegs;

	if (e->text == NULL && e->reread && essay_reload(b, e, d) < 0)
		return;
	if (memo_start(b, e, &mr, d) == 0)
		goto done;
	/* Only cmark-gfm's parse touches its global table; rendering the
	 * document's blocks to HTML and freeing it read and write this
	 * essay's nodes alone. */
	pthread_mutex_lock(cmark);
	parse_essay(e, d);
	pthread_mutex_unlock(cmark);
	parse_math(e, d);
	nsegs = parse_segments(e, &segs);
	essay_free_parse(e);
	render_essay_html(b, e, segs, nsegs, d);
	for (size_t i = 0; i < nsegs; i++)
		free(segs[i].html);
	free(segs);
	link_essay(b, e, d);
	if (b->ledger_info && e->text) {
		sha256(e->text, e->len, e->src_sha);
		e->words = e->w->content ?
		    (uint32_t)count_words(e->w->content) : 0;
	}
	writers_essay(b, e, formats, d);
	xmlFreeDoc(e->w->xml);
	e->w->xml = NULL;
	e->w->content = NULL;
	essay_settle(b, e);
	memo_stop(b, e, &mr);
done:
	link_forget(e);
	essay_work_free(e);
	/* Kept only while a link into another essay is to be judged: a
	 * second rendering may be needed (link_check).  One that was read
	 * again is read once more for that. */
	if (e->nxlinks == 0 || e->reread) {
		free(e->text);
		e->text = NULL;
	}
}

/* The essay to render next, the lock held: the first left in the order,
 * but while node loads KaTeX (math_ready()), one that may have a formula
 * lets the next that may not, within MATH_AHEAD places, go first: the
 * thread renders rather than waits, and a long essay with a formula is
 * not left for the end, when the other threads have nothing to do. */
#define MATH_AHEAD 64
static struct essay *
next_essay(struct pool *p)
{
	size_t n = p->b->nessays, i;
	struct essay *e;

	while (p->next < n && p->order[p->next] == NULL)
		p->next++;
	if ((i = p->next) >= n)
		return NULL;
	if (p->order[i]->maybe_math && !math_ready())
		for (size_t k = i + 1; k < n && k <= i + MATH_AHEAD; k++)
			if (p->order[k] && !p->order[k]->maybe_math) {
				i = k;
				break;
			}
	e = p->order[i];
	p->order[i] = NULL;
	return e;
}

static void *
render_worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct essay *e;

		pthread_mutex_lock(&p->lock);
		e = next_essay(p);
		pthread_mutex_unlock(&p->lock);
		if (e == NULL)
			return NULL;
		essay_run(p->b, e, p->opt->formats, &p->cmark, p->d);
		if (p->opt->on_progress) {
			pthread_mutex_lock(&p->lock);
			p->opt->on_progress(QUIRE_RENDERING, ++p->done,
			    p->b->nessays, p->opt->arg);
			pthread_mutex_unlock(&p->lock);
		}
	}
}

/* The essay again, quietly (everything was reported the first time),
 * now that the sections missing from its links are known. */
static void
essay_redo(struct book *b, struct essay *e, unsigned formats,
    pthread_mutex_t *cmark)
{
	struct quire_diag *quiet = quire_diag_new(0);

	heads_free(e);
	free(e->epub.data);
	memset(&e->epub, 0, sizeof(e->epub));
	for (size_t i = 0; i < e->nhtml; i++)
		free(e->html[i].data);
	free(e->html);
	e->html = NULL;
	e->nhtml = 0;
	e->nimages = e->nimages_noalt = 0;
	e->nremote = 0;  /* met again in the same places: nothing changes */
	essay_run(b, e, formats, cmark, quiet);
	later_free(e->xlinks, e->nxlinks);
	e->xlinks = NULL;
	e->nxlinks = 0;
	quire_diag_free(quiet);
}

/* Longest essays first, so that no thread is left with a long one
 * while the others are idle at the end (those that may have formulas
 * let others go first while node loads: next_essay()).  The order of
 * the work changes nothing in the outputs. */
static int
cmp_longest(const void *a, const void *b)
{
	const struct essay *x = *(struct essay *const *)a;
	const struct essay *y = *(struct essay *const *)b;

	if (x->len != y->len)
		return x->len < y->len ? 1 : -1;
	return x < y ? -1 : x > y;
}

/* Images in the order of their names, which come from their bytes: the
 * order essays met them in depends on threads. */
static int
cmp_res(const void *a, const void *b)
{
	const struct resource *x = *(struct resource *const *)a;
	const struct resource *y = *(struct resource *const *)b;

	if ((x->same == NULL) != (y->same == NULL))
		return x->same ? 1 : -1;
	return strcmp(x->same ? x->src : x->name, y->same ? y->src : y->name);
}

int
render_book(struct book *b, const struct quire_options *opt,
    struct quire_diag *d)
{
	struct pool p = { b, d, opt, PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_MUTEX_INITIALIZER, 0, 0, NULL };
	pthread_t tid[64];
	long ncpu = opt->jobs > 0 ? opt->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (size_t)ncpu, started = 0;
	size_t total = 0;

	b->threads = (int)n;
	link_prepare(b);
	xref_number(b, d);
	for (size_t i = 0; i < b->nessays; i++)
		total += b->essays[i].len;
	b->squeeze = total > b->big;
	/* A big book keeps what it makes on disk until the outputs are
	 * written: memory then grows with the largest essay, not with the
	 * book.  A check writes nothing, so it keeps them in memory. */
	if (b->squeeze && opt->out) {
		struct loc ol = { opt->out, 0, 0 };

		b->outdir = opt->out;
		if ((b->spill = spill_open(opt->out)) == NULL)
			return diag_syserr(d, &ol, "cannot write a temporary "
			    "file in the output folder: %s", strerror(errno));
		/* The diagnostics too (where a file cannot be made,
		 * they stay in memory). */
		diag_spill(d, spill_open(opt->out), spill_open(opt->out));
	}
	memo_begin(b, opt);
	if (opt->jobs == 0 && n > b->nessays / 4)
		n = b->nessays / 4;  /* a few essays: not worth a thread */
	if (n > b->nessays)
		n = b->nessays;
	p.order = xreallocarray(NULL, b->nessays, sizeof(*p.order));
	for (size_t i = 0; i < b->nessays; i++)
		p.order[i] = &b->essays[i];
	if (n > 1)
		qsort(p.order, b->nessays, sizeof(*p.order), cmp_longest);
	for (size_t i = 0; i + 1 < n; i++)
		if (pthread_create(&tid[i], NULL, render_worker, &p) == 0)
			started++;
	/* The EPUB's cover, while the others render (with no other
	 * thread, the EPUB writer draws it, as it would anyway). */
	if (started && (opt->formats & QUIRE_EPUB) &&
	    quire_diag_errors(d) == 0)
		cover_ahead(b);
	render_worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(p.order);
	if (link_check(b, d) > 0)
		for (size_t i = 0; i < b->nessays; i++)
			if (b->essays[i].xbad)
				essay_redo(b, &b->essays[i], opt->formats,
				    &p.cmark);
	memo_end();
	/* The writers need neither the sources nor the sets of ids, nor
	 * the indexes that links were resolved by. */
	site_index_free(b);
	free(b->byrel);
	free(b->byfile);
	b->byrel = b->byfile = NULL;
	for (size_t i = 0; i < b->nessays; i++) {
		free(b->essays[i].text);
		b->essays[i].text = NULL;
		free(b->essays[i].idh);
		b->essays[i].idh = NULL;
		b->essays[i].nidh = 0;
	}
	if (b->nres > 1)
		qsort(b->res, b->nres, sizeof(*b->res), cmp_res);
	return quire_diag_errors(d) ? -1 : 0;
}

int
quire_build(const struct quire_options *opt, struct quire_diag *d)
{
	struct book b;
	struct out_file out[NWRITERS];
	struct sigaction ign, old_xfsz;
	size_t nout = 0;
	int status;

	memset(out, 0, sizeof(out));
	/* Past a file size limit write() fails with EFBIG, which is
	 * reported, rather than the signal ending the run. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGXFSZ, &ign, &old_xfsz);
	/* libxml2 allocates through the wrappers that end the run cleanly
	 * when memory runs out (it would go on with NULL). */
	xmlMemSetup(free, xmalloc, xrealloc, xstrdup);
	/* libzip stamps entries through localtime(): UTC keeps archives the
	 * same bytes in every time zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	diag_set_strict(d, opt->strict);
	write_progress(opt->on_progress, opt->arg);
	math_next_build();
	highlight_memo(opt->keep_warm);
	cover_memo(opt->keep_warm);
	book_init(&b);
	b.math_wanted = math_prestart;
	load_book(&b, opt, d);
	/* --math wins over collection.yaml's math:. */
	math_configure(opt->math ? opt->math == QUIRE_MATH_SVG : b.math_svg,
	    b.math_macros);
	b.ledger_info = opt->release && opt->out;
	cover_keep(&b);  /* drawn once, for the EPUB and a release alike */
	xmlInitParser();
	cmark_init();
	/* Citations: rendered all at once, in book order, before the
	 * essays render in any order (no thread parses yet: the lock is
	 * the pre-pass's own). */
	if (b.nessays && quire_diag_errors(d) == 0) {
		pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
		cite_book(&b, &cm, d);
	}
	if (b.nessays)
		render_book(&b, opt, d);
	/* The writers run in a check too (nothing is written then), so a
	 * check finds every problem a build would. */
	if (quire_diag_errors(d) == 0 && b.nessays)
		nout = write_all_formats(&b, opt->formats, out, d);
	/* A release joins the folder's releases; the working copy only
	 * writes its books. */
	if (quire_diag_errors(d) == 0 && opt->out && nout) {
		if (opt->release)
			release_publish(&b, opt, out, nout, d);
		else
			release_working_copy(opt, out, nout, d);
	}
	cover_stop();
	for (size_t i = 0; i < sizeof(out) / sizeof(*out); i++)
		out_free(&out[i]);
	cite_free();
	book_free(&b);
	/* The converter lives for one build, or, for quire watch, till
	 * quire_cleanup(). */
	if (!opt->keep_warm)
		math_cleanup();
	sigaction(SIGXFSZ, &old_xfsz, NULL);
	status = diag_status(d);
	return status;
}

void
quire_cleanup(void)
{
	parse_cleanup();
	highlight_cleanup();
	memo_cleanup();
	cover_memo(0);
	deflate_cleanup();
	i18n_cleanup();
	sha256_cleanup();
	xmlCleanupParser();
}
