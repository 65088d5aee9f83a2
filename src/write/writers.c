/* The table of writers, the back ends of the book model: each takes what
 * it needs of an essay as soon as it is rendered, then makes its file
 * once every essay is done, on a thread of its own. */
#include <pthread.h>
#include <string.h>

#include "write/write.h"

static const struct quire_writer writers[] = {
	{ "epub", QUIRE_EPUB, ".epub", epub_essay, epub_write },
	{ "html", QUIRE_HTML, ".html", html_essay, html_write },
};
_Static_assert(sizeof(writers) / sizeof(*writers) == NWRITERS,
    "NWRITERS is the number of rows");

void
writers_essay(struct book *b, struct essay *e, unsigned formats,
    struct quire_diag *d)
{
	for (size_t i = 0; i < NWRITERS; i++)
		if ((formats & writers[i].format) && writers[i].essay)
			writers[i].essay(b, e, d);
}

/* The writers of the wanted formats, each on its own thread: they only
 * read the book (and take the parts made for them).  Returns how many
 * files they made, in table order; 0 after an error. */
struct job {
	const struct quire_writer *w;
	struct book *b;
	struct out_file *out;
	struct quire_diag *d;
	int rc;
};

static void *
write_job(void *arg)
{
	struct job *j = arg;

	j->rc = j->w->write(j->b, j->out, j->d);
	return NULL;
}

size_t
write_all_formats(struct book *b, unsigned formats, struct out_file *out,
    struct quire_diag *d)
{
	struct job jobs[NWRITERS];
	pthread_t tid[NWRITERS];
	int started[NWRITERS] = { 0 };
	size_t n = 0, ok = 0;

	for (size_t i = 0; i < NWRITERS; i++)
		if (formats & writers[i].format) {
			jobs[n] = (struct job){ &writers[i], b, &out[n], d, 0 };
			n++;
		}
	for (size_t i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, write_job,
		    &jobs[i]) == 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || !started[i])
			write_job(&jobs[i]);
	for (size_t i = 1; i < n; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	for (size_t i = 0; i < n; i++)
		ok += jobs[i].rc == 0;
	/* Headings not read back from the spill file (contents_heads())
	 * fail the build: said here once, whichever writers met it. */
	if (atomic_load(&b->heads_err)) {
		struct loc l = { b->outdir, 0, 0 };

		diag_syserr(d, &l, "cannot read back a temporary file: %s",
		    strerror(atomic_load(&b->heads_err)));
		return 0;
	}
	return ok == n ? n : 0;
}

