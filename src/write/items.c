/* Documents written a run of items at a time: a marker comment stands in
 * the document where each run goes, and each item is made, serialised
 * and freed in turn, so that a big book's package document, nav and NCX
 * are never whole trees. */
#include <string.h>

#include <libxml/xmlsave.h>

#include "write/write.h"

/* Like xml_dump(), for a document whose comment markers (made by
 * xml_marker()) stand where runs of items go, the runs in document order:
 * run k's item(arg, i, parent) makes each of its n items under its
 * marker's parent; each is written and freed before the next, so a table
 * of contents or a package of thousands of essays is never one tree.  The
 * bytes go to ob, which is flushed, not closed. */
void
xml_dump_runs_to(xmlDoc *doc, const struct xml_run *runs, size_t nruns,
    xmlOutputBuffer *ob)
{
	static const char mark[] = "<!--" XML_MARKER "-->";
	size_t slen;
	char *skel = xml_dump(doc, &slen), *from = skel, *at;
	const xmlChar *enc = doc->encoding;
	xmlNode **parent = xreallocarray(NULL, nruns, sizeof(*parent));
	struct buf one = { 0 };

	for (size_t k = 0; k < nruns; k++) {
		parent[k] = runs[k].marker->parent;
		xmlUnlinkNode(runs[k].marker);
		xmlFreeNode(runs[k].marker);
	}
	for (size_t k = 0; k < nruns; k++) {
		at = strstr(from, mark);
		xmlOutputBufferWrite(ob, (int)(at - from), from);
		/* As xmlDocDumpMemoryEnc() does while it writes: attribute
		 * values stay UTF-8 rather than become character
		 * references. */
		doc->encoding = BAD_CAST "UTF-8";
		for (size_t i = 0; i < runs[k].n; i++) {
			xmlNode *it = runs[k].item(runs[k].arg, i, parent[k]);

			if (it == NULL)
				continue;
			xhtml_fix_empty(it);
			one.len = 0;
			if (xml_serialise(&one, it) == 0)
				xmlOutputBufferWrite(ob, (int)one.len, one.data);
			else
				xmlNodeDumpOutput(ob, doc, it, 0, 0, "UTF-8");
			xmlUnlinkNode(it);
			xmlFreeNode(it);
		}
		doc->encoding = enc;
		from = at + sizeof(mark) - 1;
	}
	xmlOutputBufferWrite(ob, (int)(slen - (size_t)(from - skel)), from);
	xmlOutputBufferFlush(ob);
	buf_free(&one);
	free(parent);
	free(skel);
}

/* xml_dump_runs_to() into memory. */
char *
xml_dump_runs(xmlDoc *doc, const struct xml_run *runs, size_t nruns,
    size_t *len)
{
	xmlOutputBuffer *ob = xmlAllocOutputBuffer(NULL);
	char *out;

	xml_dump_runs_to(doc, runs, nruns, ob);
	*len = xmlOutputBufferGetSize(ob);
	out = xmalloc(*len + 1);
	memcpy(out, xmlOutputBufferGetContent(ob), *len);
	out[*len] = '\0';
	xmlOutputBufferClose(ob);
	return out;
}

xmlNode *
xml_marker(xmlNode *parent)
{
	return xmlAddChild(parent, xmlNewDocComment(parent->doc,
	    BAD_CAST XML_MARKER));
}
