/* fuzz_frontmatter.c: the YAML front matter reader (load.c's
 * essay_front_matter) on arbitrary bytes.  The input is the whole essay
 * file, raw: essay_front_matter must cope with any bytes, even those
 * load.c's normalisation would have replaced. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quire_diag *d = quire_diag_new(0);
	struct essay e;

	memset(&e, 0, sizeof(e));
	essay_set_path(&e, "", "fuzz.md");
	e.text = xmalloc(size + 1);
	memcpy(e.text, data, size);
	e.text[size] = '\0';
	e.len = size;

	essay_front_matter(&e, d);

	/* What the later stages rely on. */
	if (e.body > e.len || e.body_line < 1)
		abort();
	if (e.date && !date_valid(e.date))
		abort();

	/* Every field the front matter may fill (index:, params...): the
	 * model's own destructor, not a list of some of them. */
	essay_free(&e);
	quire_diag_free(d);
	return 0;
}
