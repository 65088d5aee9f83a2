/* The build as a whole: runs the stages in order over the book model, then
 * the writers in the table below, and hands the results to write.c only
 * when no stage reported an error. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "internal.h"

static const struct quire_writer writers[] = {
	{ "epub", QUIRE_EPUB, ".epub", epub_write },
	{ "html", QUIRE_HTML, ".html", html_write },
};

void
essay_free(struct essay *e)
{
	essay_free_parse(e);
	if (e->xml)
		xmlFreeDoc(e->xml);
	for (size_t i = 0; i < e->nheads; i++) {
		free(e->heads[i].id);
		free(e->heads[i].text);
	}
	free(e->heads);
	idset_free(&e->ids);
	free(e->lines);
	free(e->rel);
	free(e->path);
	free(e->slug);
	free(e->file);
	free(e->title);
	free(e->subtitle);
	free(e->summary);
	free(e->date);
	free(e->lang);
	strv_free(&e->authors);
	strv_free(&e->tags);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

void
book_free(struct book *b)
{
	for (size_t i = 0; i < b->nessays; i++)
		essay_free(&b->essays[i]);
	free(b->essays);
	free(b->byrel);
	for (size_t i = 0; i < b->nres; i++) {
		struct resource *r = b->res[i];
		free(r->src);
		free(r->name);
		free(r->id);
		free(r->data);
		free(r);
	}
	free(b->res);
	idset_free(&b->warned);
	free(b->root);
	free(b->root_real);
	free(b->title);
	free(b->subtitle);
	free(b->description);
	free(b->lang);
	free(b->identifier);
	free(b->publisher);
	free(b->rights);
	free(b->version);
	free(b->date);
	free(b->cover);
	strv_free(&b->authors);
	free(b->slug);
	free(b->uuid);
	memset(b, 0, sizeof(*b));
}

/* Parse and render: cmark-gfm keeps parser state in globals (its table
 * of special characters), so it runs one essay at a time; the HTML5 tree
 * building and normalisation, most of the work, run on every core. */
struct pool {
	struct book *b;
	struct quire_diag *d;
	const struct quire_options *opt;
	pthread_mutex_t lock, cmark;
	size_t next, done;
};

static void *
render_worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct essay *e;
		char *html;
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->b->nessays)
			return NULL;
		e = &p->b->essays[i];
		pthread_mutex_lock(&p->cmark);
		parse_essay(e, p->d);
		html = parse_render_html(e);
		essay_free_parse(e);
		pthread_mutex_unlock(&p->cmark);
		render_essay_html(p->b, e, html, p->d);
		free(html);
		if (p->opt->on_progress) {
			pthread_mutex_lock(&p->lock);
			p->opt->on_progress(++p->done, p->b->nessays,
			    p->opt->arg);
			pthread_mutex_unlock(&p->lock);
		}
	}
}

static void
render_all(struct book *b, const struct quire_options *opt,
    struct quire_diag *d)
{
	struct pool p = { b, d, opt, PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_MUTEX_INITIALIZER, 0, 0 };
	pthread_t tid[8];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (size_t)ncpu, started = 0;

	if (n > b->nessays / 4)
		n = b->nessays / 4;  /* a few essays: not worth a thread */
	for (size_t i = 0; i + 1 < n; i++)
		if (pthread_create(&tid[i], NULL, render_worker, &p) == 0)
			started++;
	render_worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

/* dist/SHA256SUMS, in the format of sha256sum -c. */
static void
checksums(struct out_file *f, size_t n, struct out_file *sums)
{
	struct buf b = { 0 };
	char hex[65];

	for (size_t i = 0; i < n; i++) {
		sha256_hex(f[i].data, f[i].len, hex);
		buf_printf(&b, "%s  %s\n", hex, f[i].name);
	}
	sums->name = xstrdup("SHA256SUMS");
	sums->len = b.len;
	sums->data = buf_take(&b);
}

int
quire_build(const struct quire_options *opt, struct quire_diag *d)
{
	struct book b = { 0 };
	struct out_file out[sizeof(writers) / sizeof(*writers) + 1];
	size_t nout = 0;
	int status;

	memset(out, 0, sizeof(out));
	/* libzip stamps entries through localtime(): UTC keeps archives the
	 * same bytes in every time zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	diag_set_strict(d, opt->strict);
	load_book(&b, opt, d);
	xmlInitParser();
	cmark_init();
	render_all(&b, opt, d);
	if (b.nessays)
		link_book(&b, opt, d);
	/* Diagnostics are over: the sources are not needed by the writers. */
	for (size_t i = 0; i < b.nessays; i++) {
		free(b.essays[i].text);
		free(b.essays[i].lines);
		b.essays[i].text = NULL;
		b.essays[i].lines = NULL;
	}
	/* The writers run in a check too (nothing is written then), so a
	 * check finds every problem a build would. */
	if (quire_diag_errors(d) == 0 && b.nessays) {
		for (size_t i = 0; i < sizeof(writers) / sizeof(*writers); i++)
			if (opt->formats & writers[i].format) {
				if (writers[i].write(&b, &out[nout], d) < 0)
					break;
				nout++;
			}
	}
	if (quire_diag_errors(d) == 0 && opt->out && nout) {
		checksums(out, nout, &out[nout]);
		if (write_outputs(opt->out, out, nout + 1, d) == 0 &&
		    opt->on_output)
			for (size_t i = 0; i < nout; i++) {
				char *p = path_join(opt->out, out[i].name);
				opt->on_output(p, opt->arg);
				free(p);
			}
	}
	for (size_t i = 0; i < sizeof(out) / sizeof(*out); i++) {
		free(out[i].name);
		free(out[i].data);
	}
	book_free(&b);
	status = diag_status(d);
	return status;
}

void
quire_cleanup(void)
{
	parse_cleanup();
	xmlCleanupParser();
}
