/* fuzz_ledger.c: a release ledger (releases.xml) through ledger_read, as
 * a release build and the release page read one from the output folder.
 * Whatever the bytes, it is read or refused without a leak or a crash;
 * a ledger it reads is written out again by ledger_xml, and that text
 * reads back to the same number of releases and writes out the same. */
#include "fuzz_common.h"  /* first: it sets the feature macros */
#include "publish/publish.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void
ledger_at(const void *data, size_t size)
{
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz-ledger-%ld.xml",
		    (long)getpid());
	fuzz_write_file(path, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quire_diag *d = quire_diag_new(0);
	struct ledger l, again;
	char *xml, *xml2;
	size_t len, len2;

	ledger_at(data, size);
	if (ledger_read(path, "releases.xml", &l, d) == 0) {
		xml = ledger_xml(&l, &len);
		ledger_at(xml, len);
		if (ledger_read(path, "releases.xml", &again, d) != 0 ||
		    again.n != l.n)
			abort();
		xml2 = ledger_xml(&again, &len2);
		if (len2 != len || memcmp(xml, xml2, len) != 0)
			abort();
		free(xml2);
		free(xml);
		ledger_free(&again);
		ledger_free(&l);
	}
	quire_diag_free(d);
	return 0;
}
