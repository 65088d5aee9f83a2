/* fuzz_css.c: an author's stylesheet through css_rewrite, the
 * re-serialiser css_prepare uses.  Whatever the bytes, neither output
 * holds a "<" (so nothing closes the archive's <style>: no "</style",
 * no "</", no "<!--"), nor an escape or a quote of its own inside a
 * url() beyond what put_string writes; and the output, rewritten again,
 * comes out the same (what is written back reads as the same tokens). */
#include "fuzz_common.h"  /* first: it sets the feature macros */
#include "read/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps every URL but a remote one, as a stand-in for the packing. */
static int
keep(void *arg, const char *url, const struct loc *l, char **epub,
    char **html)
{
	(void)arg;
	(void)l;
	*epub = *html = NULL;
	if (*url == '\0' || url_is_remote(url))
		return 0;
	*epub = xstrdup(url);
	*html = xasprintf("data:x,%s", url);
	return 0;
}

static void
check(const char *s)
{
	if (strchr(s, '<') != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quire_diag *d = quire_diag_new(0);
	struct css_url_fn fn = { keep, NULL };
	char *epub, *html, *epub2, *html2;

	css_rewrite((const char *)data, size, "style.css", &fn, d, &epub,
	    &html);
	check(epub);
	check(html);
	css_rewrite(epub, strlen(epub), "style.css", &fn, d, &epub2, &html2);
	if (strcmp(epub, epub2) != 0) {
		fprintf(stderr, "once:  [%s]\ntwice: [%s]\n", epub, epub2);
		abort();
	}
	free(epub);
	free(html);
	free(epub2);
	free(html2);
	quire_diag_free(d);
	return 0;
}
