/* fuzz_render.c: one essay through the Markdown-to-XHTML stages and both
 * writers, in memory: front matter, parse, render, link, then the EPUB and
 * HTML writers, in quire_build's order (build.c).  The content folder is
 * made once and holds a.png, so image references resolve. */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[4096];
static char *root_real;

static void
cleanup(void)
{
	fuzz_rm_tree(root);
	free(root_real);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *p;

	(void)argc;
	(void)argv;
	fuzz_clean_stale("quire-fuzz-render");
	fuzz_mkdtemp(root, sizeof(root), "quire-fuzz-render");
	p = path_join(root, "a.png");
	fuzz_write_file(p, fuzz_png, sizeof(fuzz_png));
	free(p);
	if ((root_real = realpath(root, NULL)) == NULL) {
		perror(root);
		abort();
	}
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quire_options opt;
	struct quire_diag *d = quire_diag_new(0);
	struct book b;
	struct essay *e;
	struct out_file out;
	int (*const writers[])(struct book *, struct out_file *,
	    struct quire_diag *) = { epub_write, html_write };

	memset(&opt, 0, sizeof(opt));
	opt.src = root;
	opt.formats = QUIRE_ALL;
	memset(&b, 0, sizeof(b));
	b.root = xstrdup(root);
	b.root_real = xstrdup(root_real);
	/* What load_book settles for every book. */
	b.title = xstrdup("Fuzz");
	b.lang = xstrdup("en");
	b.slug = xstrdup("fuzz");
	b.uuid = xstrdup("urn:uuid:00000000-0000-8000-8000-000000000000");
	b.mtime = 1700000000;
	b.essays = xcalloc(1, sizeof(*b.essays));
	b.nessays = 1;
	e = &b.essays[0];
	essay_set_path(e, "", "e.md");
	e->slug = xstrdup("e");
	e->file = xstrdup("e.xhtml");
	e->text = fuzz_normalise(data, size, &e->len);

	pthread_mutex_init(&b.lock, NULL);
	essay_front_matter(e, d);
	cmark_init();
	render_book(&b, &opt, d);
	/* build.c runs the writers only when no stage reported an error. */
	if (quire_diag_errors(d) == 0)
		for (size_t i = 0; i < sizeof(writers) / sizeof(*writers);
		    i++) {
			int rc;

			memset(&out, 0, sizeof(out));
			rc = writers[i](&b, &out, d);
			out_free(&out);
			if (rc < 0)
				break;
		}
	book_free(&b);
	quire_diag_free(d);
	return 0;
}
