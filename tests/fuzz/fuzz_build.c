/* fuzz_build.c: a whole build in memory.  The input is split on "\n====\n"
 * into at most 8 files in a fresh folder /tmp/quire-fuzz-build-PID-XXXXXX:
 * when the first part starts with "title:" it becomes collection.yaml and
 * the rest essays, otherwise every part is an essay (01.md, 02.md, ...).
 * The folder also holds images/a.png.  quire_build runs with out = NULL:
 * every stage and both writers, nothing written; the diagnostics are
 * printed to /dev/null as quire does.  The folder is removed
 * afterwards (or, after a crash, by the next run's LLVMFuzzerInitialize). */
#include "fuzz_common.h"

#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n====\n"
#define SEPLEN (sizeof(SEP) - 1)
#define MAXPARTS 8

static FILE *devnull;

static const uint8_t *
find_sep(const uint8_t *p, const uint8_t *end)
{
	while ((size_t)(end - p) >= SEPLEN) {
		const uint8_t *q = memchr(p, '\n', (size_t)(end - p));
		if (q == NULL || (size_t)(end - q) < SEPLEN)
			return NULL;
		if (memcmp(q, SEP, SEPLEN) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_clean_stale("quire-fuzz-build");
	if ((devnull = fopen("/dev/null", "w")) == NULL) {
		perror("/dev/null");
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[4096];
	const uint8_t *start[MAXPARTS], *p = data, *end = data + size;
	size_t len[MAXPARTS], nparts = 0, k = 1;
	struct quire_options opt;
	struct quire_diag *d;
	char *path;

	/* The last part takes whatever follows the seventh separator. */
	while (nparts < MAXPARTS - 1) {
		const uint8_t *s = find_sep(p, end);
		if (s == NULL)
			break;
		start[nparts] = p;
		len[nparts++] = (size_t)(s - p);
		p = s + SEPLEN;
	}
	start[nparts] = p;
	len[nparts++] = (size_t)(end - p);

	fuzz_mkdtemp(dir, sizeof(dir), "quire-fuzz-build");
	path = path_join(dir, "images");
	mkdir(path, 0755);
	free(path);
	path = path_join(dir, "images/a.png");
	fuzz_write_file(path, fuzz_png, sizeof(fuzz_png));
	free(path);
	for (size_t i = 0; i < nparts; i++) {
		if (i == 0 && len[0] >= 6 && memcmp(start[0], "title:", 6) == 0)
			path = path_join(dir, "collection.yaml");
		else {
			char name[16];
			snprintf(name, sizeof(name), "%02zu.md", k++);
			path = path_join(dir, name);
		}
		fuzz_write_file(path, start[i], len[i]);
		free(path);
	}

	memset(&opt, 0, sizeof(opt));
	opt.src = dir;
	opt.out = NULL;
	opt.formats = QUIRE_ALL;
	opt.has_epoch = 1;  /* the same bytes every run */
	opt.epoch = 1700000000;
	d = quire_diag_new(0);
	quire_build(&opt, d);
	/* The messages, sorted and printed as the command line does.  Not
	 * when there are none: quire_diag_flush then calls qsort(NULL, 0),
	 * which UBSan reports (see README.md). */
	if (quire_diag_errors(d) + quire_diag_warnings(d) > 0)
		quire_diag_flush(d, devnull);
	quire_diag_free(d);
	fuzz_rm_tree(dir);
	return 0;
}
