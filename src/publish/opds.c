/* The OPDS 1.2 catalog, catalog.xml: an Atom acquisition feed over the
 * release ledger, one entry per release (latest first) with acquisition
 * links for the EPUB and the archive, cover and thumbnail, summary, what
 * changed, dates and a stable id. */
#include <stdlib.h>
#include <string.h>

#include "publish/publish.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_DCTERMS "http://purl.org/dc/terms/"
#define NS_OPDS "http://opds-spec.org/2010/catalog"
#define ACQ_FEED "application/atom+xml;profile=opds-catalog;kind=acquisition"

static xmlNode *
link_to(xmlNode *parent, const char *rel, const char *href, const char *type)
{
	xmlNode *n = el(parent, "link");

	set_attr(n, "rel", rel);
	set_attr(n, "href", href);
	set_attr(n, "type", type);
	return n;
}

static void
authors(xmlNode *parent, const struct release *r)
{
	for (size_t i = 0; i < r->authors.n; i++)
		el_text(el(parent, "author"), "name", r->authors.v[i]);
}

static void
entry(xmlNode *feed, xmlNs *dc, const struct release *r)
{
	xmlNode *e = el(feed, "entry"), *n;
	const struct rel_file *cover = release_file(r, "cover");
	struct buf what = { 0 };
	char *s;

	s = xasprintf("%s %s", r->title, r->version);
	el_text(e, "title", s);
	free(s);
	el_text(e, "id", r->uuid);
	el_text(e, "updated", r->date);
	el_text(e, "published", r->date);
	authors(e, r);
	xmlNewTextChild(e, dc, BAD_CAST "language", BAD_CAST r->lang);
	xmlNewTextChild(e, dc, BAD_CAST "issued", BAD_CAST r->date);
	if (r->description)
		set_attr(el_text(e, "summary", r->description), "type",
		    "text");
	buf_printf(&what, "Release %s.", r->version);
	if (r->nchanges)
		buf_puts(&what, " What changed:");
	for (size_t i = 0; i < r->nchanges; i++) {
		char *c = change_text(&r->changes[i]);
		buf_printf(&what, " %s.", c);
		free(c);
	}
	n = el_text(e, "content", what.data);
	set_attr(n, "type", "text");
	buf_free(&what);
	if (cover) {
		link_to(e, "http://opds-spec.org/image", cover->name,
		    cover->mime);
		link_to(e, "http://opds-spec.org/image/thumbnail", cover->name,
		    cover->mime);
	}
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct rel_file *f = &r->files[i];
		char len[32];

		if (strcmp(f->role, "cover") == 0)
			continue;
		n = link_to(e, "http://opds-spec.org/acquisition", f->name,
		    f->mime);
		snprintf(len, sizeof(len), "%llu", f->size);
		set_attr(n, "length", len);
		set_attr(n, "title", strcmp(f->role, "epub") == 0 ?
		    "EPUB" : "HTML archive");
	}
}

int
opds_write(const struct edition *b, struct out_file *out,
    struct quire_diag *d)
{
	const struct ledger *l = b->ledger;
	const struct release *latest;
	xmlDoc *doc;
	xmlNode *feed;
	xmlNs *dc;
	size_t len;
	char *s;

	(void)d;
	if (l == NULL || l->n == 0)
		return -1;
	latest = &l->rel[l->n - 1];
	doc = xmlNewDoc(BAD_CAST "1.0");
	feed = xmlNewDocNode(doc, NULL, BAD_CAST "feed", NULL);
	xmlDocSetRootElement(doc, feed);
	xmlSetNs(feed, xmlNewNs(feed, BAD_CAST NS_ATOM, NULL));
	dc = xmlNewNs(feed, BAD_CAST NS_DCTERMS, BAD_CAST "dc");
	xmlNewNs(feed, BAD_CAST NS_OPDS, BAD_CAST "opds");
	xmlNodeSetLang(feed, BAD_CAST latest->lang);
	el_text(feed, "id", l->book);
	el_text(feed, "title", latest->title);
	if (latest->subtitle)
		el_text(feed, "subtitle", latest->subtitle);
	el_text(feed, "updated", latest->date);
	/* Atom wants an author for the feed or in every entry. */
	if (latest->authors.n)
		authors(feed, latest);
	else
		el_text(el(feed, "author"), "name", latest->title);
	link_to(feed, "self", "catalog.xml", ACQ_FEED);
	link_to(feed, "start", "catalog.xml", ACQ_FEED);
	link_to(feed, "alternate", "index.html", "text/html");
	for (size_t i = l->n; i-- > 0;)
		entry(feed, dc, &l->rel[i]);
	s = xml_dump(doc, &len);
	xmlFreeDoc(doc);
	out->name = xstrdup("catalog.xml");
	out_add(out, s, len);
	return 0;
}
