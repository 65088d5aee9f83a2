/* fuzz_svgfile.c: an SVG image file through the sanitiser (sanitize.c's
 * san_svg_file), as link.c packs one.  Whatever the bytes, a document it
 * accepts must come out as well-formed XML with an svg root, no DOCTYPE
 * and nothing the allow-list refuses. */
#include "fuzz_common.h"  /* first: it sets the feature macros */

#include <libxml/parser.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out, *why;
	size_t len;
	xmlDoc *doc;

	if (san_svg_file(data, size, &out, &len, &why) == 0) {
		/* The output, read again, is an SVG document without a
		 * DTD, and passes through unchanged. */
		char *again, *why2;
		size_t len2;

		doc = xmlReadMemory(out, (int)len, NULL, NULL, XML_PARSE_NONET |
		    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		if (doc == NULL || doc->intSubset != NULL)
			abort();
		xmlFreeDoc(doc);
		if (strstr(out, "<script") || strstr(out, "<!DOCTYPE") ||
		    strstr(out, " on"))
			abort();
		if (san_svg_file((const uint8_t *)out, len, &again, &len2,
		    &why2) != 0 || len2 != len || memcmp(again, out, len))
			abort();
		free(again);
		free(why2);
		free(out);
	}
	free(why);
	return 0;
}
