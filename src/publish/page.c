/* The downloads page, index.html: one offline file over the release
 * ledger (cover, title, description, the latest release first with its
 * files, sizes and SHA-256 digests, every older one, what changed in
 * each), no JavaScript, nothing fetched. */
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLtree.h>

#include "publish/publish.h"

#define CSP "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

static char *
version_id(const char *prefix, const char *version)
{
	char *s = safe_name(version, "v"), *id;

	id = xasprintf("%s%s", prefix, s);
	free(s);
	return id;
}

static void
release_date(xmlNode *parent, const struct release *r)
{
	char day[11];
	xmlNode *p = el(parent, "p");

	set_attr(p, "class", "date");
	add_text(p, "Published ");
	snprintf(day, sizeof(day), "%.10s", r->date);
	add_date(p, day, NULL);
}

static void
files(xmlNode *parent, const struct release *r)
{
	static const struct { const char *role, *label; } kinds[] = {
		{ "epub", "EPUB book" },
		{ "html", "HTML archive (one file, opens in any browser)" },
	};
	xmlNode *ul = el(parent, "ul");

	set_attr(ul, "class", "files");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
		const struct rel_file *f = release_file(r, kinds[k].role);
		xmlNode *li, *a, *n;
		char *s;

		if (f == NULL)
			continue;
		li = el(ul, "li");
		a = el_text(li, "a", kinds[k].label);
		set_attr(a, "href", f->name);
		set_attr(a, "type", f->mime);
		add_text(li, " ");
		{
			char *hs = human_size(f->size);
			s = xasprintf("%s, %s", f->name, hs);
			free(hs);
		}
		n = el_text(li, "span", s);
		free(s);
		set_attr(n, "class", "size");
		n = el(li, "span");
		set_attr(n, "class", "sha");
		add_text(n, "SHA-256: ");
		el_text(n, "code", f->sha);
	}
}

static void
changes(xmlNode *parent, const struct release *r, const char *h)
{
	xmlNode *ul;

	if (r->nchanges == 0)
		return;
	el_text(parent, h, "What changed");
	ul = el(parent, "ul");
	set_attr(ul, "class", "changes");
	for (size_t i = 0; i < r->nchanges; i++) {
		char *s = change_text(&r->changes[i]);
		el_text(ul, "li", s);
		free(s);
	}
}

static void
book_header(xmlNode *body, const struct edition *b, const struct release *r)
{
	xmlNode *hd = el(body, "header"), *div, *img;
	const struct out_file *c = b->cover_file;
	struct buf data = { 0 };
	char *s;

	set_attr(hd, "class", "book");
	if (c && c->nparts == 1 && c->parts[0].data) {
		char *b64 = base64((const unsigned char *)c->parts[0].data,
		    c->parts[0].len);
		buf_printf(&data, "data:%s;base64,%s", b->cover_mime, b64);
		free(b64);
		img = el(hd, "img");
		set_attr(img, "src", data.data);
		s = xasprintf("Cover of %s", r->title);
		set_attr(img, "alt", s);
		free(s);
		buf_free(&data);
	}
	div = el(hd, "div");
	el_text(div, "h1", r->title);
	if (r->subtitle)
		set_attr(el_text(div, "p", r->subtitle), "class", "subtitle");
	if (r->authors.n) {
		struct buf by = { 0 };
		buf_puts(&by, "By ");
		for (size_t i = 0; i < r->authors.n; i++)
			buf_printf(&by, "%s%s", i == 0 ? "" :
			    i + 1 == r->authors.n ? " and " : ", ",
			    r->authors.v[i]);
		set_attr(el_text(div, "p", by.data), "class", "byline");
		buf_free(&by);
	}
	if (r->description)
		set_attr(el_text(div, "p", r->description), "class",
		    "description");
}

static void
checking(xmlNode *main, const struct edition *b, const struct release *r)
{
	xmlNode *sec = el(main, "section"), *p, *a;
	const struct rel_file *f = release_file(r, "epub");
	char *s;

	set_attr(sec, "aria-labelledby", "checking");
	set_attr(el_text(sec, "h2", "Checking a download"), "id", "checking");
	p = el(sec, "p");
	add_text(p, "Every file is listed with its SHA-256 digest in ");
	set_attr(el_text(p, "a", "SHA256SUMS"), "href", "SHA256SUMS");
	add_text(p, ". In the folder of the downloads:");
	el_text(el(sec, "pre"), "code", "sha256sum --check --ignore-missing "
	    "SHA256SUMS");
	if (b->signing) {
		p = el(sec, "p");
		add_text(p, "The list is signed by the author (");
		set_attr(el_text(p, "a", "SHA256SUMS.sig"), "href",
		    "SHA256SUMS.sig");
		add_text(p, "). With the author's public key in a file "
		    "allowed_signers, as a line \u201cauthor@example.org "
		    "ssh-ed25519 AAAA\u2026\u201d:");
		el_text(el(sec, "pre"), "code", "ssh-keygen -Y verify -f "
		    "allowed_signers -I author@example.org -n file -s "
		    "SHA256SUMS.sig < SHA256SUMS");
	}
	p = el(sec, "p");
	add_text(p, "E-reader apps that read OPDS catalogs (Thorium Reader, "
	    "KOReader, Moon+ Reader) can subscribe to ");
	a = el_text(p, "a", "the catalog");
	set_attr(a, "href", "catalog.xml");
	set_attr(a, "type", "application/atom+xml;profile=opds-catalog;"
	    "kind=acquisition");
	add_text(p, "; ");
	set_attr(el_text(p, "a", "the ledger of releases"), "href",
	    "releases.xml");
	s = xasprintf(" records every file and essay%s.",
	    f ? " of every release" : "");
	add_text(p, s);
	free(s);
}

int
page_write(const struct edition *b, struct out_file *out, struct quire_diag *d)
{
	const struct ledger *l = b->ledger;
	const struct release *latest;
	xmlDoc *doc;
	xmlNode *html, *head, *body, *main, *sec, *n;
	xmlOutputBuffer *ob;
	char *s, *id;

	(void)d;
	if (l == NULL || l->n == 0)
		return -1;
	latest = &l->rel[l->n - 1];
	doc = htmlNewDocNoDtD(NULL, NULL);
	doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
	xmlCreateIntSubset(doc, BAD_CAST "html", NULL, NULL);
	html = xmlNewDocNode(doc, NULL, BAD_CAST "html", NULL);
	xmlDocSetRootElement(doc, html);
	set_attr(html, "lang", latest->lang);
	head = el(html, "head");
	set_attr(el(head, "meta"), "charset", "utf-8");
	xhtml_meta(head, "http-equiv", "Content-Security-Policy", CSP);
	xhtml_meta(head, "name", "viewport", "width=device-width, initial-scale=1");
	xhtml_meta(head, "name", "color-scheme", "light dark");
	s = xasprintf("%s: downloads", latest->title);
	el_text(head, "title", s);
	free(s);
	if (latest->description)
		xhtml_meta(head, "name", "description", latest->description);
	s = xasprintf("quire %s", QUIRE_VERSION);
	xhtml_meta(head, "name", "generator", s);
	free(s);
	n = el(head, "link");
	set_attr(n, "rel", "alternate");
	set_attr(n, "type", "application/atom+xml;profile=opds-catalog;"
	    "kind=acquisition");
	set_attr(n, "href", "catalog.xml");
	set_attr(n, "title", "OPDS catalog");
	n = el(head, "style");
	s = xstrndup((const char *)asset_page_css, asset_page_css_len);
	xmlAddChild(n, xmlNewDocText(doc, BAD_CAST s));
	free(s);
	body = el(html, "body");
	book_header(body, b, latest);
	main = el(body, "main");
	sec = el(main, "section");
	id = version_id("release-", latest->version);
	set_attr(sec, "aria-labelledby", id);
	s = xasprintf("Latest release: %s", latest->version);
	set_attr(el_text(sec, "h2", s), "id", id);
	free(s);
	free(id);
	release_date(sec, latest);
	files(sec, latest);
	changes(sec, latest, "h3");
	if (l->n > 1) {
		sec = el(main, "section");
		set_attr(sec, "aria-labelledby", "older");
		set_attr(el_text(sec, "h2", "Older releases"), "id", "older");
		for (size_t i = l->n - 1; i-- > 0;) {
			const struct release *r = &l->rel[i];
			xmlNode *art = el(sec, "article");

			set_attr(art, "class", "release");
			id = version_id("release-", r->version);
			set_attr(art, "aria-labelledby", id);
			s = xasprintf("Release %s", r->version);
			set_attr(el_text(art, "h3", s), "id", id);
			free(s);
			free(id);
			release_date(art, r);
			files(art, r);
			changes(art, r, "h4");
		}
	}
	checking(main, b, latest);
	s = xasprintf("Made with quire %s.", QUIRE_VERSION);
	el_text(el(body, "footer"), "p", s);
	free(s);
	ob = xmlAllocOutputBuffer(NULL);
	htmlDocContentDumpFormatOutput(ob, doc, "UTF-8", 0);
	out->name = xstrdup("index.html");
	{
		size_t len = xmlOutputBufferGetSize(ob);
		out_add(out, xstrndup((const char *)
		    xmlOutputBufferGetContent(ob), len), len);
	}
	xmlOutputBufferClose(ob);
	xmlFreeDoc(doc);
	return 0;
}
