/* fuzz_segments.c: a differential target.  An essay's HTML read in
 * segments (parse.c: plain runs as XML, spans around raw HTML through the
 * HTML5 tree builder) must give the very tree that the tree builder gives
 * for the whole document at once; any difference aborts. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
xhtml(struct essay *e, struct segment *segs, size_t n)
{
	struct quire_diag *d = quire_diag_new(0);
	struct book b;
	size_t len;
	char *out;

	memset(&b, 0, sizeof(b));
	b.lang = (char *)"en";
	render_essay_html(&b, e, segs, n, d);
	out = xml_dump(e->w->xml, &len);
	essay_work_free(e);
	quire_diag_free(d);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quire_diag *d = quire_diag_new(0);
	struct essay e;
	struct segment *segs, whole;
	size_t n;
	char *a, *b;

	memset(&e, 0, sizeof(e));
	essay_set_path(&e, "", "e.md");
	e.text = fuzz_normalise(data, size, &e.len);
	cmark_init();
	parse_essay(&e, d);
	n = parse_segments(&e, &segs);
	whole.html = parse_render_html(&e);
	whole.raw = 1;
	whole.tree = NULL;
	essay_free_parse(&e);
	a = xhtml(&e, segs, n);
	free(e.title);
	e.title = NULL;
	b = xhtml(&e, &whole, 1);
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "segments (%zu):\n%s\nwhole:\n%s\n", n, a, b);
		abort();
	}
	free(a);
	free(b);
	free(whole.html);
	for (size_t i = 0; i < n; i++)
		free(segs[i].html);
	free(segs);
	essay_free(&e);
	quire_diag_free(d);
	return 0;
}
