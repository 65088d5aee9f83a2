/* fuzz_svgfile.c: an SVG image file through the sanitiser (sanitize.c's
 * san_svg_file), as link.c packs one.  Whatever the bytes, a document it
 * accepts must come out as well-formed XML with an svg root, no DOCTYPE
 * and nothing the allow-list refuses. */
#include "fuzz_common.h"  /* first: it sets the feature macros */

#include <libxml/parser.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An element named script or foreignObject, or an attribute
 * named on..., anywhere in the tree: what the allow-list never lets by.
 * (Text that merely reads " on" or "<script" is fine.)  Walked without
 * recursion: the document may be deep. */
static int
has_refused(xmlNode *n)
{
	xmlNode *top = n;

	while (n) {
		if (n->type == XML_ELEMENT_NODE) {
			if (!xmlStrcasecmp(n->name, BAD_CAST "script") ||
			    !xmlStrcasecmp(n->name, BAD_CAST "foreignObject"))
				return 1;
			for (xmlAttr *a = n->properties; a; a = a->next)
				if (!xmlStrncasecmp(a->name, BAD_CAST "on", 2))
					return 1;
		}
		if (n->type == XML_ELEMENT_NODE && n->children)
			n = n->children;
		else {
			while (n != top && n->next == NULL)
				n = n->parent;
			if (n == top)
				break;
			n = n->next;
		}
	}
	return 0;
}

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
		if (doc == NULL || doc->intSubset != NULL ||
		    has_refused(xmlDocGetRootElement(doc)))
			abort();
		xmlFreeDoc(doc);
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
