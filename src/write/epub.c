/* EPUB 3 writer: package document, nav and NCX tables of contents, cover
 * and title page, all built as libxml2 trees, zipped by libzip in memory
 * with the mimetype entry first and stored. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zip.h>

#include "write/write.h"

#define NS_OPF "http://www.idpf.org/2007/opf"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_NCX "http://www.daisy.org/z3986/2005/ncx/"

struct entry {  /* one for each essay: a big book has 100,000 */
	char *name;
	char *data;
	size_t len;
	struct packed *z;   /* an essay's, deflated already: data unused */
	struct packed *own; /* or this entry's, deflated when added */
	const struct resource *res;  /* or an image read from its file */
	int owned;
	int deflate;        /* data or res: deflated by libzip, not stored */
};

/* Deflate level 6, zip's default (libdeflate's packs as tight as zlib's,
 * in half the time).  libzip's own default, 9, takes twice as long for
 * about one per cent of size on XHTML. */
#define LEVEL 6

struct pack {
	struct entry *e;
	size_t n, cap;
};

static void
add(struct pack *p, const char *name, char *data, size_t len, int owned)
{
	if (p->n == p->cap)
		p->e = xreallocarray(p->e, p->cap = p->cap ? p->cap * 2 : 16,
		    sizeof(*p->e));
	p->e[p->n].name = xstrdup(name);
	p->e[p->n].data = data;
	p->e[p->n].len = len;
	p->e[p->n].owned = owned;
	p->e[p->n].z = NULL;
	p->e[p->n].res = NULL;
	p->e[p->n].deflate = 0;
	p->e[p->n].own = NULL;
	if (p->n > 0 && data) {
		/* All but the mimetype, deflated here (see packed_source). */
		p->e[p->n].own = xcalloc(1, sizeof(struct packed));
		deflate_raw(data, len, LEVEL, NULL, p->e[p->n].own);
		if (owned)
			free(data);
		p->e[p->n].data = NULL;
		p->e[p->n].owned = 0;
	}
	p->n++;
}

/* An entry deflated already; takes z over. */
static void
add_packed(struct pack *p, const char *name, struct packed *z)
{
	add(p, name, NULL, 0, 0);
	p->e[p->n - 1].own = xmalloc(sizeof(*z));
	*p->e[p->n - 1].own = *z;
	memset(z, 0, sizeof(*z));
}

static void
add_doc(struct pack *p, const char *name, xmlDoc *doc)
{
	size_t len;
	char *data = xml_dump(doc, &len);

	add(p, name, data, len, 1);
}

/* ---- cover, title page ---- */

static xmlDoc *
cover_page(const struct book *b, const char *img)
{
	xmlNode *body, *sec, *n;
	xmlDoc *doc = xhtml_new(b->lang, i18n_word(b->lang, W_COVER), NULL,
	    &body);
	char *alt = i18n_fmt(b->lang, W_COVER_OF, b->title, NULL);

	xhtml_styles(doc, b);
	sec = el(body, "section");
	set_epub_type(sec, "cover");
	set_attr(sec, "class", "cover");
	set_attr(sec, "aria-label", i18n_word(b->lang, W_COVER));
	n = el(sec, "img");
	set_attr(n, "src", img);
	set_attr(n, "alt", alt);
	set_epub_type(n, "cover-image");
	set_attr(n, "role", "doc-cover");
	free(alt);
	return doc;
}

static xmlDoc *
title_page(const struct book *b)
{
	xmlNode *body, *sec;
	xmlDoc *doc = xhtml_new(b->lang, b->title, NULL, &body);

	xhtml_styles(doc, b);
	sec = el(body, "section");
	set_epub_type(sec, "titlepage");
	set_attr(sec, "class", "titlepage");
	set_attr(sec, "aria-labelledby", "book-title");
	set_attr(titlepage(sec, b), "id", "book-title");
	return doc;
}

/* The index document: after the back matter, its entries linking to
 * the marks' anchors in the essays. */
static xmlDoc *
index_doc(const struct book *b, const struct bindex *ix)
{
	xmlNode *body;
	xmlDoc *doc = xhtml_new(b->lang, i18n_word(b->lang, W_INDEX), NULL,
	    &body);

	/* Before the author's stylesheets, which may restyle it. */
	if (!b->theme_none)
		xmlAddChild(el(body->prev, "style"), xmlNewDocText(doc,
		    BAD_CAST bindex_css));
	xhtml_styles(doc, b);
	bindex_section(body, b, ix, 0);
	return doc;
}

/* ---- tables of contents ---- */

/* The list under an entry: its last child if that is one, else new. */
static xmlNode *
sublist(xmlNode *li)
{
	xmlNode *last = xmlGetLastChild(li);

	return last && is_el(last, "ol") ? last : el(li, "ol");
}

/* The nav's entries: an essay or a section, a link; a part without a
 * page, a heading in a <span>. */
static xmlNode *
nav_entry(void *arg, xmlNode *ol, const struct essay *e,
    const struct heading *h)
{
	xmlNode *li;
	char *href;

	(void)arg;
	if (h == NULL) {
		char *t = contents_title(e);
		li = contents_item(ol, e->file, t);
		free(t);
		return li;
	}
	href = xasprintf("%s#%s", e->file, h->id);
	li = contents_item(ol, href, h->text);
	free(href);
	return li;
}

static xmlNode *
nav_part(void *arg, xmlNode *ol, const struct division *dv)
{
	xmlNode *li = el(ol, "li");

	(void)arg;
	el_text(li, "span", dv->title);
	return li;
}

static const struct contents_ops nav_ops = { nav_entry, nav_part, sublist,
    NULL };

static xmlNode *
nav_top(void *arg, size_t i, xmlNode *ol)
{
	const struct book *b = arg;

	contents_walk(b, &b->tree.kids[i], ol, &nav_ops, NULL);
	return xmlGetLastChild(ol);
}

/* The body starts at the first essay that is not front matter (all of
 * them front matter: the last). */
static const char *
body_start(const struct book *b)
{
	size_t i = 0;

	while (i + 1 < b->nessays && b->essays[i].role > 0 &&
	    b->essays[i].role < ROLE_BACK)
		i++;
	return b->essays[i].file;
}

/* The nav document, with a marker where nav_top()'s entries go. */
static xmlDoc *
nav_doc(const struct book *b, const char *ixfile, xmlNode **marker)
{
	xmlNode *body, *nav, *ol, *n;
	const char *lang = b->lang;
	xmlDoc *doc = xhtml_new(lang, i18n_word(lang, W_CONTENTS), NULL, &body);

	xhtml_styles(doc, b);

	nav = el(body, "nav");
	set_epub_type(nav, "toc");
	set_attr(nav, "role", "doc-toc");
	set_attr(nav, "id", "toc");
	set_attr(nav, "aria-labelledby", "toc-title");
	n = el_text(nav, "h1", i18n_word(lang, W_CONTENTS));
	set_attr(n, "id", "toc-title");
	ol = el(nav, "ol");
	set_attr(ol, "class", "toc");
	contents_item(ol, "title.xhtml", i18n_word(lang, W_TITLE_PAGE));
	*marker = xml_marker(ol);
	if (ixfile)
		contents_item(ol, ixfile, i18n_word(lang, W_INDEX));
	/* Landmarks, for reading systems' "go to" menus. */
	nav = el(body, "nav");
	set_epub_type(nav, "landmarks");
	set_attr(nav, "hidden", "hidden");
	set_attr(nav, "aria-labelledby", "landmarks-title");
	n = el_text(nav, "h2", i18n_word(lang, W_LANDMARKS));
	set_attr(n, "id", "landmarks-title");
	ol = el(nav, "ol");
	set_epub_type(contents_item(ol, "cover.xhtml", i18n_word(lang,
	    W_COVER))->children, "cover");
	set_epub_type(contents_item(ol, "title.xhtml", i18n_word(lang,
	    W_TITLE_PAGE))->children, "titlepage");
	set_epub_type(contents_item(ol, "nav.xhtml#toc", i18n_word(lang,
	    W_CONTENTS))->children, "toc");
	if (b->nessays)
		set_epub_type(contents_item(ol, body_start(b), i18n_word(lang,
		    W_START_OF_CONTENT))->children, "bodymatter");
	if (ixfile)
		set_epub_type(contents_item(ol, ixfile, i18n_word(lang,
		    W_INDEX))->children, "index");
	return doc;
}

struct ncx_walk {
	const struct book *b;
	int order, id;
	const char *ixfile;  /* the index's, after the essays; or NULL */
};

/* A navPoint; share: it plays in the order of the one after it (a part
 * without a page of its own points at its first essay). */
static xmlNode *
ncx_point(xmlNode *parent, struct ncx_walk *w, const char *label,
    const char *src, int share)
{
	xmlNode *np = el(parent, "navPoint"), *n;
	char *s = xasprintf("np-%d", w->id++);

	set_attr(np, "id", s);
	free(s);
	s = xasprintf("%d", share ? w->order : w->order++);
	set_attr(np, "playOrder", s);
	free(s);
	n = el(np, "navLabel");
	el_text(n, "text", label);
	set_attr(el(np, "content"), "src", src);
	return np;
}

/* The NCX's navPoints: an essay or a section; a part without a page
 * points at its first essay.  A section's navPoint nests in its parent's. */
static xmlNode *
ncx_entry(void *arg, xmlNode *parent, const struct essay *e,
    const struct heading *h)
{
	struct ncx_walk *w = arg;
	xmlNode *np;
	char *src;

	if (h == NULL) {
		char *t = contents_title(e);
		np = ncx_point(parent, w, t, e->file, 0);
		free(t);
		return np;
	}
	src = xasprintf("%s#%s", e->file, h->id);
	np = ncx_point(parent, w, h->text, src, 0);
	free(src);
	return np;
}

static xmlNode *
ncx_part(void *arg, xmlNode *map, const struct division *dv)
{
	struct ncx_walk *w = arg;
	const struct essay *e = &w->b->essays[division_first(dv)];

	return ncx_point(map, w, dv->title, e->file, 1);
}

static xmlNode *
ncx_under(xmlNode *np)
{
	return np;
}

static const struct contents_ops ncx_ops = { ncx_entry, ncx_part,
    ncx_under, NULL };

static xmlNode *
ncx_top(void *arg, size_t i, xmlNode *map)
{
	struct ncx_walk *w = arg;

	if (i == w->b->tree.nkids)
		return ncx_point(map, w, i18n_word(w->b->lang, W_INDEX),
		    w->ixfile, 0);
	contents_walk(w->b, &w->b->tree.kids[i], map, &ncx_ops, w);
	return xmlGetLastChild(map);
}

/* How deep the entries under dv nest (dv itself counts one). */
static int
toc_depth_of(const struct book *b, const struct division *dv)
{
	int depth = 1;

	if (dv->essay >= 0) {
		const struct essay *e = &b->essays[dv->essay];
		struct toc_stack st = { 0 };
		char *mem;
		size_t nh;
		struct heading *h = contents_heads(b, e, &nh, &mem);

		for (size_t k = 0; k < nh; k++) {
			if (toc_nest(&st, h[k].level, b->toc_depth,
			    &st) == NULL)
				continue;
			toc_push(&st, h[k].level, &st);
			if ((int)st.n + 1 > depth)
				depth = (int)st.n + 1;
		}
		if (mem) {
			free(h);
			free(mem);
		}
	}
	for (size_t i = 0; i < dv->nkids; i++) {
		int k = 1 + toc_depth_of(b, &dv->kids[i]);
		if (k > depth)
			depth = k;
	}
	return depth;
}

/* The NCX, with a marker where ncx_top()'s navPoints go. */
static xmlDoc *
ncx_doc(struct ncx_walk *w, xmlNode **marker)
{
	const struct book *b = w->b;
	xmlNode *ncx, *head, *map, *n;
	xmlDoc *doc = xml_new("ncx", NS_NCX, &ncx);
	int depth = 1;

	set_attr(ncx, "version", "2005-1");
	xmlNodeSetLang(ncx, BAD_CAST b->lang);
	head = el(ncx, "head");
	for (size_t i = 0; i < b->tree.nkids; i++) {
		int k = toc_depth_of(b, &b->tree.kids[i]);
		if (k > depth)
			depth = k;
	}
	{
		const char *names[] = { "dtb:uid", "dtb:depth",
		    "dtb:totalPageCount", "dtb:maxPageNumber" };
		char d[16];
		snprintf(d, sizeof(d), "%d", depth);
		const char *vals[] = { b->uuid, d, "0", "0" };
		for (int i = 0; i < 4; i++) {
			n = el(head, "meta");
			set_attr(n, "name", names[i]);
			set_attr(n, "content", vals[i]);
		}
	}
	el_text(el(ncx, "docTitle"), "text", b->title);
	map = el(ncx, "navMap");
	ncx_point(map, w, i18n_word(b->lang, W_TITLE_PAGE), "title.xhtml", 0);
	ncx_point(map, w, i18n_word(b->lang, W_CONTENTS), "nav.xhtml", 0);
	*marker = xml_marker(map);
	return doc;
}

/* ---- package document ---- */

static xmlNode *
meta(xmlNode *md, const char *prop, const char *value)
{
	xmlNode *n = el_text(md, "meta", value);

	set_attr(n, "property", prop);
	return n;
}

static void
item(xmlNode *man, const char *id, const char *href, const char *type,
    const char *props)
{
	xmlNode *n = el(man, "item");

	set_attr(n, "id", id);
	set_attr(n, "href", href);
	set_attr(n, "media-type", type);
	if (props && *props)
		set_attr(n, "properties", props);
}

/* An essay's item in the manifest. */
static xmlNode *
opf_item(void *arg, size_t i, xmlNode *man)
{
	const struct book *b = arg;
	const struct essay *e = &b->essays[i];
	struct buf props = { 0 };
	char *s;

	if (e->props & P_SVG)
		buf_puts(&props, "svg");
	if (e->props & P_MATHML)
		buf_puts(&props, props.len ? " mathml" : "mathml");
	s = xasprintf("e%zu", i + 1);
	item(man, s, e->file, "application/xhtml+xml",
	    props.data ? props.data : "");
	free(s);
	buf_free(&props);
	return xmlGetLastChild(man);
}

/* An essay's place in the spine. */
static xmlNode *
opf_itemref(void *arg, size_t i, xmlNode *spine)
{
	xmlNode *n = el(spine, "itemref");
	char *s = xasprintf("e%zu", i + 1);

	(void)arg;
	set_attr(n, "idref", s);
	free(s);
	return n;
}

/* The package document, with markers where the essays' items and
 * itemrefs go (opf_item(), opf_itemref()): a book of many thousand
 * essays is never one tree of them. */
static xmlDoc *
opf_doc(const struct book *b, const char *cover_href, const char *cover_mime,
    const char *ixfile, xmlNode *marks[2])
{
	xmlNode *pkg, *md, *man, *spine, *guide, *n;
	xmlDoc *doc = xml_new("package", NS_OPF, &pkg);
	xmlNs *dc;
	char *s;
	int has_images = 0;

	set_attr(pkg, "version", "3.0");
	set_attr(pkg, "unique-identifier", "uid");
	xmlNodeSetLang(pkg, BAD_CAST b->lang);
	md = el(pkg, "metadata");
	dc = xmlNewNs(md, BAD_CAST NS_DC, BAD_CAST "dc");
	n = xmlNewTextChild(md, dc, BAD_CAST "identifier", BAD_CAST b->uuid);
	set_attr(n, "id", "uid");
	/* An ISBN beside another unique identifier: where calibre and the
	 * stores look for it. */
	if (b->isbn && strcmp(b->isbn, b->uuid) != 0)
		xmlNewTextChild(md, dc, BAD_CAST "identifier",
		    BAD_CAST b->isbn);
	xmlNewTextChild(md, dc, BAD_CAST "title", BAD_CAST b->title);
	xmlNewTextChild(md, dc, BAD_CAST "language", BAD_CAST b->lang);
	for (size_t i = 0; i < b->authors.n; i++) {
		s = xasprintf("creator-%zu", i + 1);
		n = xmlNewTextChild(md, dc, BAD_CAST "creator",
		    BAD_CAST b->authors.v[i]);
		set_attr(n, "id", s);
		n = meta(md, "role", "aut");
		free(s);
		s = xasprintf("#creator-%zu", i + 1);
		set_attr(n, "refines", s);
		set_attr(n, "scheme", "marc:relators");
		free(s);
	}
	/* Contributors: authors among them are creators too, as the
	 * package document's rules have it; each with its MARC role. */
	for (size_t i = 0; i < b->ncontribs; i++) {
		const struct contributor *c = &b->contribs[i];
		int aut = c->role && strcmp(c->role, "aut") == 0;

		s = xasprintf("contributor-%zu", i + 1);
		n = xmlNewTextChild(md, dc, BAD_CAST (aut ? "creator" :
		    "contributor"), BAD_CAST c->name);
		set_attr(n, "id", s);
		free(s);
		if (c->role) {
			n = meta(md, "role", c->role);
			s = xasprintf("#contributor-%zu", i + 1);
			set_attr(n, "refines", s);
			set_attr(n, "scheme", "marc:relators");
			free(s);
		}
	}
	if (b->description)
		xmlNewTextChild(md, dc, BAD_CAST "description",
		    BAD_CAST b->description);
	if (b->publisher)
		xmlNewTextChild(md, dc, BAD_CAST "publisher",
		    BAD_CAST b->publisher);
	if (b->rights || b->license) {
		s = b->rights && b->license ? xasprintf("%s %s", b->rights,
		    b->license) : xstrdup(b->rights ? b->rights : b->license);
		xmlNewTextChild(md, dc, BAD_CAST "rights", BAD_CAST s);
		free(s);
	}
	if (b->date)
		xmlNewTextChild(md, dc, BAD_CAST "date", BAD_CAST b->date);
	{
		/* The book's subjects, then the essays' tags, each once, in
		 * order of appearance. */
		struct idset seen = { 0 };
		for (size_t i = 0; i < b->subjects.n; i++)
			if (*b->subjects.v[i] && idset_add(&seen,
			    b->subjects.v[i]))
				xmlNewTextChild(md, dc, BAD_CAST "subject",
				    BAD_CAST b->subjects.v[i]);
		for (size_t i = 0; i < b->nessays; i++) {
			const struct strv *t = &EMORE(&b->essays[i])->tags;

			for (size_t k = 0; k < t->n; k++)
				if (*t->v[k] && idset_add(&seen, t->v[k]))
					xmlNewTextChild(md, dc, BAD_CAST "subject",
					    BAD_CAST t->v[k]);
		}
		idset_free(&seen);
	}
	s = iso_time(b->mtime);
	meta(md, "dcterms:modified", s);
	free(s);
	if (b->version)
		meta(md, "schema:version", b->version);
	if (b->license)
		meta(md, "dcterms:license", b->license);
	if (b->series) {
		/* EPUB 3's collection, and calibre's own two metas, which
		 * calibre, Kobo and KOReader read. */
		set_attr(meta(md, "belongs-to-collection", b->series), "id",
		    "series");
		set_attr(meta(md, "collection-type", "series"), "refines",
		    "#series");
		if (b->series_pos)
			set_attr(meta(md, "group-position", b->series_pos),
			    "refines", "#series");
		n = el(md, "meta");
		set_attr(n, "name", "calibre:series");
		set_attr(n, "content", b->series);
		if (b->series_pos) {
			n = el(md, "meta");
			set_attr(n, "name", "calibre:series_index");
			set_attr(n, "content", b->series_pos);
		}
	}
	if (b->subtitle) {
		n = xmlNewTextChild(md, dc, BAD_CAST "title",
		    BAD_CAST b->subtitle);
		set_attr(n, "id", "subtitle");
		set_attr(meta(md, "title-type", "subtitle"), "refines",
		    "#subtitle");
	}

	/* Accessibility metadata (EPUB Accessibility 1.1). */
	for (size_t i = 0; i < b->nres; i++)
		if (!b->res[i]->same && b->res[i] != b->cover_res &&
		    strncmp(b->res[i]->mime, "image/", 6) == 0)
			has_images = 1;
	meta(md, "schema:accessMode", "textual");
	if (has_images)
		meta(md, "schema:accessMode", "visual");
	meta(md, "schema:accessModeSufficient", "textual");
	meta(md, "schema:accessibilityFeature", "tableOfContents");
	meta(md, "schema:accessibilityFeature", "readingOrder");
	meta(md, "schema:accessibilityFeature", "structuralNavigation");
	meta(md, "schema:accessibilityFeature", "displayTransformability");
	if (has_images && b->nimages_noalt == 0)
		meta(md, "schema:accessibilityFeature", "alternativeText");
	meta(md, "schema:accessibilityHazard", "none");
	s = b->nimages_noalt == 0 ? xasprintf("A collection of %zu essays "
	    "with a navigable table of contents and structured headings. %s "
	    "Text can be resized and restyled; there are no hazards. It "
	    "meets WCAG 2.1 Level AA.", b->nessays, !has_images ?
	    "It has no images." : "Every image has a text alternative.") :
	    xasprintf("A collection of %zu essays with a navigable table of "
	    "contents and structured headings. Text can be resized and "
	    "restyled; there are no hazards. It does not meet WCAG 2.1 Level "
	    "A: %zu of its %zu images have no text alternative.", b->nessays,
	    b->nimages_noalt, b->nimages);
	meta(md, "schema:accessibilitySummary", s);
	free(s);
	/* The claim only when every check behind it holds. */
	if (b->nimages_noalt == 0) {
		meta(md, "dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG "
		    "2.1 Level AA");
		n = el(md, "link");
		set_attr(n, "rel", "dcterms:conformsTo");
		set_attr(n, "href", "http://www.idpf.org/epub/a11y/"
		    "accessibility-20170105.html#wcag-aa");
	}
	n = el(md, "meta");
	set_attr(n, "name", "cover");
	set_attr(n, "content", "cover-image");

	man = el(pkg, "manifest");
	item(man, "nav", "nav.xhtml", "application/xhtml+xml", "nav");
	item(man, "ncx", "toc.ncx", "application/x-dtbncx+xml", NULL);
	if (!b->theme_none)
		item(man, "css", "book.css", "text/css", NULL);
	for (size_t i = 0; i < b->nstyles; i++) {
		s = xasprintf("css-%zu", i + 1);
		item(man, s, b->styles[i].name, "text/css", NULL);
		free(s);
	}
	item(man, "cover-image", cover_href, cover_mime, "cover-image");
	item(man, "cover", "cover.xhtml", "application/xhtml+xml", NULL);
	item(man, "title", "title.xhtml", "application/xhtml+xml", NULL);
	marks[0] = xml_marker(man);  /* opf_item()s */
	if (ixfile)
		item(man, "index", ixfile, "application/xhtml+xml", NULL);
	for (size_t i = 0; i < b->nres; i++) {
		const struct resource *r = b->res[i];
		/* The book's SVG cover stays an image of its own: the
		 * cover-image is its PNG. */
		if (!r->same && strcmp(r->name, cover_href) != 0)
			item(man, r->id, r->name, r->mime, NULL);
	}
	spine = el(pkg, "spine");
	set_attr(spine, "toc", "ncx");
	if (lang_rtl(b->lang))
		set_attr(spine, "page-progression-direction", "rtl");
	set_attr(el(spine, "itemref"), "idref", "cover");
	set_attr(el(spine, "itemref"), "idref", "title");
	set_attr(el(spine, "itemref"), "idref", "nav");
	marks[1] = xml_marker(spine);  /* opf_itemref()s */
	if (ixfile)  /* after the back matter */
		set_attr(el(spine, "itemref"), "idref", "index");
	/* EPUB 2 guide: Kindle takes its "start" and "contents" from it. */
	guide = el(pkg, "guide");
	n = el(guide, "reference");
	set_attr(n, "type", "cover");
	set_attr(n, "title", i18n_word(b->lang, W_COVER));
	set_attr(n, "href", "cover.xhtml");
	n = el(guide, "reference");
	set_attr(n, "type", "toc");
	set_attr(n, "title", i18n_word(b->lang, W_CONTENTS));
	set_attr(n, "href", "nav.xhtml");
	if (b->nessays) {
		n = el(guide, "reference");
		set_attr(n, "type", "text");
		set_attr(n, "title", i18n_word(b->lang, W_START));
		set_attr(n, "href", body_start(b));
	}
	if (ixfile) {
		n = el(guide, "reference");
		set_attr(n, "type", "index");
		set_attr(n, "title", i18n_word(b->lang, W_INDEX));
		set_attr(n, "href", ixfile);
	}
	return doc;
}

static const char container_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<container version=\"1.0\" "
    "xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n"
    "<rootfiles>\n"
    "<rootfile full-path=\"EPUB/package.opf\" "
    "media-type=\"application/oebps-package+xml\"/>\n"
    "</rootfiles>\n"
    "</container>\n";

/* Apple Books shows a book in its own fonts unless told that the book's
 * are meant; written when the book embeds a font, as pandoc does. */
static const char ibooks_options[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<display_options>\n"
    "<platform name=\"*\">\n"
    "<option name=\"specified-fonts\">true</option>\n"
    "</platform>\n"
    "</display_options>\n";

static int
has_fonts(const struct book *b)
{
	for (size_t i = 0; i < b->nres; i++)
		if (!b->res[i]->same && strncmp(b->res[i]->mime, "font/", 5) == 0)
			return 1;
	return 0;
}

/* ---- zip ---- */


/* The essay's XHTML file, deflated on the thread that rendered it; the
 * zip takes the bytes as they are (see packed_source). */
int
epub_essay(struct book *b, struct essay *e, struct quire_diag *d)
{
	size_t len;
	char *x = xml_dump(e->w->xml, &len);

	deflate_raw(x, len, LEVEL, NULL, &e->epub);
	free(x);
	/* A big book's essays wait on disk, not in memory. */
	if (b->spill) {
		struct loc l = { b->outdir, 0, 0 };

		if (spill_put(b->spill, e->epub.data, e->epub.zlen,
		    &e->epub.off) == -1)
			return diag_syserr(d, &l, "cannot write a temporary "
			    "file: %s", strerror(errno));
		free(e->epub.data);
		e->epub.data = NULL;
		e->epub.sp = b->spill;
	}
	return 0;
}

/* A libzip source over deflated bytes: its stat tells the method, sizes
 * and CRC, so zip_close() copies the bytes instead of compressing.  A big
 * book has 100,000: each is 16 bytes of one array, and what they share
 * (where the reading is, the time, the error) is the zip's, since
 * zip_close() reads one source to its end before it opens the next. */
struct zshared {
	zip_uint64_t off;
	time_t mtime;
	zip_error_t err;
};

struct zsrc {
	struct packed *z;   /* freed once libzip has copied it */
	struct zshared *sh;
};

static zip_int64_t
packed_source(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct zsrc *s = ud;
	struct zshared *sh = s->sh;
	zip_stat_t *st;
	zip_uint64_t n;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		if (s->z->data == NULL && s->z->sp == NULL &&
		    s->z->zlen > 0) {
			zip_error_set(&sh->err, ZIP_ER_INTERNAL, 0);
			return -1;  /* released after an earlier reading */
		}
		sh->off = 0;
		return 0;
	case ZIP_SOURCE_READ:
		n = s->z->zlen - sh->off;
		if (n > len)
			n = len;
		if (s->z->data == NULL) {
			if (n > 0 && spill_pread(s->z->sp, data, (size_t)n,
			    s->z->off + sh->off) == -1) {
				zip_error_set(&sh->err, ZIP_ER_READ, errno);
				return -1;
			}
		} else
			memcpy(data, s->z->data + sh->off, n);
		sh->off += n;
		return (zip_int64_t)n;
	case ZIP_SOURCE_CLOSE:
		/* In the archive now: an essay's bytes go at once, so that
		 * the book is never held twice while it is zipped. */
		if (sh->off == s->z->zlen) {
			free(s->z->data);
			s->z->data = NULL;
		}
		return 0;
	case ZIP_SOURCE_STAT:
		st = data;
		zip_stat_init(st);
		st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE |
		    ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC | ZIP_STAT_MTIME;
		st->size = s->z->len;
		st->comp_size = s->z->zlen;
		st->comp_method = ZIP_CM_DEFLATE;
		st->crc = (zip_uint32_t)s->z->crc;
		st->mtime = sh->mtime;
		return sizeof(*st);
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&sh->err, data, len);
	case ZIP_SOURCE_FREE:
		return 0;  /* zip_pack()'s array */
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN,
		    ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
		    ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		zip_error_set(&sh->err, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* A libzip source over an image's file, read in blocks when the zip is
 * written and checked against what the file held when it was checked:
 * a change fails the build. */
struct fsrc {
	const struct resource *r;
	const struct resource **changed;  /* set when the file changed */
	int fd;
	int hashing;
	zip_uint64_t off;
	struct sha256 sha;
	time_t mtime;
	zip_error_t err;
};

static void
fsrc_close(struct fsrc *s)
{
	unsigned char h[32];

	if (s->hashing)
		sha256_final(&s->sha, h);
	s->hashing = 0;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
}

static zip_int64_t
file_source(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct fsrc *s = ud;
	zip_stat_t *st;
	unsigned char h[32];
	ssize_t n;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		fsrc_close(s);
		if ((s->fd = open(s->r->file, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC)) == -1) {
			*s->changed = s->r;
			zip_error_set(&s->err, ZIP_ER_CHANGED, 0);
			return -1;
		}
		sha256_init(&s->sha);
		s->hashing = 1;
		s->off = 0;
		return 0;
	case ZIP_SOURCE_READ:
		do
			n = read(s->fd, data, len);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			zip_error_set(&s->err, ZIP_ER_READ, errno);
			return -1;
		}
		if (n > 0) {
			sha256_update(&s->sha, data, (size_t)n);
			s->off += (zip_uint64_t)n;
		}
		if (s->off > s->r->len)
			goto changed;
		if (n == 0 && s->hashing) {
			sha256_final(&s->sha, h);
			s->hashing = 0;
			if (s->off != s->r->len ||
			    memcmp(h, s->r->hash, 32) != 0)
				goto changed;
		}
		return (zip_int64_t)n;
	changed:
		*s->changed = s->r;
		zip_error_set(&s->err, ZIP_ER_CHANGED, 0);
		return -1;
	case ZIP_SOURCE_CLOSE:
		fsrc_close(s);
		return 0;
	case ZIP_SOURCE_STAT:
		st = data;
		zip_stat_init(st);
		st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME;
		st->size = s->r->len;
		st->mtime = s->mtime;
		return sizeof(*st);
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&s->err, data, len);
	case ZIP_SOURCE_FREE:
		fsrc_close(s);
		zip_error_fini(&s->err);
		free(s);
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN,
		    ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
		    ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		zip_error_set(&s->err, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* Where libzip writes the archive: a writable source over chunks of
 * SINK_CHUNK bytes, which become the parts of the output file as they
 * are, with no copy after zip_close().  libzip seeks back to finish each
 * local header, so any offset may be written again. */
#define SINK_CHUNK ((size_t)1 << 20)

struct zsink {
	struct spill *sp;   /* a big book's: the archive goes here instead */
	char **chunk;
	size_t nchunks;
	zip_uint64_t size;  /* bytes in the archive */
	zip_uint64_t woff;  /* where the next write goes */
	zip_uint64_t roff;  /* where the next read comes from */
	zip_error_t err;
};

static void
sink_clear(struct zsink *k)
{
	for (size_t i = 0; i < k->nchunks; i++)
		free(k->chunk[i]);
	free(k->chunk);
	k->chunk = NULL;
	k->nchunks = 0;
	k->size = k->woff = k->roff = 0;
}

static zip_int64_t
sink_write(struct zsink *k, const char *data, zip_uint64_t len)
{
	zip_uint64_t done = 0;

	if (k->sp) {
		if (spill_pwrite(k->sp, data, (size_t)len, k->woff) == -1) {
			zip_error_set(&k->err, ZIP_ER_WRITE, errno);
			return -1;
		}
		k->woff += len;
		if (k->woff > k->size)
			k->size = k->woff;
		return (zip_int64_t)len;
	}
	while (done < len) {
		size_t c = (size_t)(k->woff / SINK_CHUNK);
		size_t at = (size_t)(k->woff % SINK_CHUNK);
		size_t n = SINK_CHUNK - at;

		if (n > len - done)
			n = (size_t)(len - done);
		while (c >= k->nchunks) {
			GROW(k->chunk, k->nchunks);
			k->chunk[k->nchunks++] = xmalloc(SINK_CHUNK);
		}
		memcpy(k->chunk[c] + at, data + done, n);
		done += n;
		k->woff += n;
		if (k->woff > k->size)
			k->size = k->woff;
	}
	return (zip_int64_t)len;
}

static zip_int64_t
sink_read(struct zsink *k, char *data, zip_uint64_t len)
{
	zip_uint64_t done = 0;

	if (k->sp) {
		if (len > k->size - k->roff)
			len = k->size - k->roff;
		if (spill_pread(k->sp, data, (size_t)len, k->roff) == -1) {
			zip_error_set(&k->err, ZIP_ER_READ, errno);
			return -1;
		}
		k->roff += len;
		return (zip_int64_t)len;
	}
	while (done < len && k->roff < k->size) {
		size_t at = (size_t)(k->roff % SINK_CHUNK);
		zip_uint64_t n = SINK_CHUNK - at;

		if (n > len - done)
			n = len - done;
		if (n > k->size - k->roff)
			n = k->size - k->roff;
		memcpy(data + done, k->chunk[k->roff / SINK_CHUNK] + at,
		    (size_t)n);
		done += n;
		k->roff += n;
	}
	return (zip_int64_t)done;
}

static zip_int64_t
sink_source(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct zsink *k = ud;
	zip_stat_t *st;
	zip_int64_t off;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		k->roff = 0;
		return 0;
	case ZIP_SOURCE_READ:
		return sink_read(k, data, len);
	case ZIP_SOURCE_CLOSE:
		return 0;
	case ZIP_SOURCE_SEEK:
		if ((off = zip_source_seek_compute_offset(k->roff, k->size,
		    data, len, &k->err)) < 0)
			return -1;
		k->roff = (zip_uint64_t)off;
		return 0;
	case ZIP_SOURCE_TELL:
		return (zip_int64_t)k->roff;
	case ZIP_SOURCE_STAT:
		st = data;
		zip_stat_init(st);
		st->valid = ZIP_STAT_SIZE;
		st->size = k->size;
		return sizeof(*st);
	case ZIP_SOURCE_BEGIN_WRITE:
	case ZIP_SOURCE_ROLLBACK_WRITE:
	case ZIP_SOURCE_REMOVE:
		sink_clear(k);  /* a new archive replaces what was there */
		return 0;
	case ZIP_SOURCE_WRITE:
		return sink_write(k, data, len);
	case ZIP_SOURCE_SEEK_WRITE:
		if ((off = zip_source_seek_compute_offset(k->woff, k->size,
		    data, len, &k->err)) < 0)
			return -1;
		k->woff = (zip_uint64_t)off;
		return 0;
	case ZIP_SOURCE_TELL_WRITE:
		return (zip_int64_t)k->woff;
	case ZIP_SOURCE_COMMIT_WRITE:
		return 0;
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&k->err, data, len);
	case ZIP_SOURCE_FREE:
		return 0;  /* the sink is zip_pack()'s */
	case ZIP_SOURCE_SUPPORTS:
		return ZIP_SOURCE_SUPPORTS_WRITABLE;
	default:
		zip_error_set(&k->err, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

static int
zip_pack(const struct book *b, struct pack *p, struct out_file *out,
    struct quire_diag *d)
{
	zip_error_t err;
	zip_source_t *src;
	zip_t *za;
	struct zsink sink;
	struct zshared sh = { 0, b->mtime, { 0, 0, NULL } };
	struct zsrc *zs = xcalloc(p->n ? p->n : 1, sizeof(*zs));
	struct loc l = { NULL, 0, 0 };
	const struct resource *changed = NULL;
	int rc = -1;

	memset(&sink, 0, sizeof(sink));
	zip_error_init(&sink.err);
	zip_error_init(&sh.err);
	zip_error_init(&err);
	/* A big book is zipped into a spill file of its own, which the
	 * output file then takes. */
	if (b->spill && (sink.sp = spill_open(b->outdir)) == NULL) {
		struct loc ol = { b->outdir, 0, 0 };
		diag_syserr(d, &ol, "cannot write a temporary file: %s",
		    strerror(errno));
		goto out;
	}
	if ((src = zip_source_function_create(sink_source, &sink,
	    &err)) == NULL || (za = zip_open_from_source(src, ZIP_TRUNCATE,
	    &err)) == NULL) {
		diag_syserr(d, &l, "zip: %s", zip_error_strerror(&err));
		if (src)
			zip_source_free(src);
		goto out;
	}
	zip_source_keep(src);
	for (size_t i = 0; i < p->n; i++) {
		zip_source_t *s;
		zip_int64_t idx;

		struct packed *z = p->e[i].z ? p->e[i].z : p->e[i].own;

		if (p->e[i].res) {
			struct fsrc *fs = xcalloc(1, sizeof(*fs));
			fs->r = p->e[i].res;
			fs->changed = &changed;
			fs->fd = -1;
			fs->mtime = b->mtime;
			zip_error_init(&fs->err);
			if ((s = zip_source_function(za, file_source,
			    fs)) == NULL) {
				zip_error_fini(&fs->err);
				free(fs);
			}
		} else if (z) {
			zs[i].z = z;
			zs[i].sh = &sh;
			s = zip_source_function(za, packed_source, &zs[i]);
		} else
			s = zip_source_buffer(za, p->e[i].data, p->e[i].len, 0);
		if (s == NULL || (idx = zip_file_add(za, p->e[i].name, s,
		    ZIP_FL_ENC_UTF_8)) < 0) {
			if (s)
				zip_source_free(s);
			diag_syserr(d, &l, "zip: %s", zip_strerror(za));
			zip_discard(za);
			goto out_src;
		}
		/* libzip has its own copy. */
		free(p->e[i].name);
		p->e[i].name = NULL;
		if (z == NULL)
			zip_set_file_compression(za, (zip_uint64_t)idx,
			    p->e[i].deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
		zip_file_set_mtime(za, (zip_uint64_t)idx, b->mtime, 0);
	}
	if (zip_close(za) < 0) {
		if (changed) {
			struct loc rl = { changed->file, 0, 0 };
			diag_error(d, &rl, "the image changed while the book "
			    "was being made; nothing was written");
		} else
			diag_syserr(d, &l, "zip: %s", zip_strerror(za));
		zip_discard(za);
		goto out_src;
	}
	if (sink.sp) {
		struct part *pt = xcalloc(1, sizeof(*pt));

		pt->sp = sink.sp;
		pt->len = (size_t)sink.size;
		out_add_part(out, pt);
		out->own = sink.sp;
		sink.sp = NULL;
	}
	/* The chunks are the file: every one full but the last. */
	for (size_t i = 0; i < sink.nchunks; i++) {
		zip_uint64_t left = sink.size - (zip_uint64_t)i * SINK_CHUNK;

		out_add(out, sink.chunk[i], left < SINK_CHUNK ? (size_t)left :
		    SINK_CHUNK);
		sink.chunk[i] = NULL;
	}
	rc = 0;
out_src:
	zip_source_free(src);
out:
	/* libzip has let its sources go (zip_close, zip_discard). */
	free(zs);
	zip_error_fini(&sh.err);
	spill_close(sink.sp);
	sink_clear(&sink);
	zip_error_fini(&sink.err);
	zip_error_fini(&err);
	return rc;
}

/* Where a big book's table of contents is written as it is made. */
struct spill_out {
	struct spill *sp;
	uint64_t size;
	uint32_t crc;       /* of the bytes so far */
};

static int
spill_out_write(void *ctx, const char *p, int len)
{
	struct spill_out *w = ctx;

	if (spill_pwrite(w->sp, p, (size_t)len, w->size) == -1)
		return -1;
	w->size += (uint64_t)len;
	w->crc = libdeflate_crc32(w->crc, p, (size_t)len);
	return len;
}

/* The document of runs of items (xml_dump_runs_to()), deflated into z.
 * A big book's contents and package are thousands of entries: they are
 * written to a spill file and deflated from there, never held plain in
 * memory as they grow.  Returns 0, or -1 with errno. */
static int
dump_packed(const struct book *b, xmlDoc *doc, const struct xml_run *runs,
    size_t nruns, struct packed *z)
{
	struct spill_out w = { NULL, 0, 0 };
	xmlOutputBuffer *ob;
	struct spill_map *map;
	int rc = -1;

	if (b->spill == NULL) {
		size_t len;
		char *s = xml_dump_runs(doc, runs, nruns, &len);

		deflate_raw(s, len, LEVEL, NULL, z);
		free(s);
		return 0;
	}
	if ((w.sp = spill_open(b->outdir)) == NULL)
		return -1;
	ob = xmlOutputBufferCreateIO(spill_out_write, NULL, &w, NULL);
	xml_dump_runs_to(doc, runs, nruns, ob);
	if (xmlOutputBufferClose(ob) >= 0 &&
	    (map = spill_map(w.sp, w.size)) != NULL) {
		/* The deflated bytes wait on disk too, as the essays do (the
		 * zip is made while the book's other state is held).  Their
		 * CRC was taken as they were written: read again at once,
		 * the whole mapping would count in memory before its pages
		 * are let go. */
		deflate_raw(spill_map_data(map), (size_t)w.size, LEVEL, &w.crc,
		    z);
		spill_unmap(map);
		if (spill_put(b->spill, z->data, z->zlen, &z->off) == 0) {
			free(z->data);
			z->data = NULL;
			z->sp = b->spill;
			rc = 0;
		}
	}
	if (rc < 0 && errno == 0)
		errno = EIO;
	spill_close(w.sp);
	return rc;
}

struct ncx_job {
	const struct book *b;
	const char *ixfile;
	struct packed z;
	int err;            /* errno of a failure, or 0 */
};

static void *
ncx_job(void *arg)
{
	struct ncx_job *j = arg;
	struct ncx_walk walk = { j->b, 1, 1, j->ixfile };
	xmlNode *marker;
	xmlDoc *doc = ncx_doc(&walk, &marker);
	struct xml_run run = { marker, j->b->tree.nkids + (j->ixfile !=
	    NULL), ncx_top, &walk };

	if (dump_packed(j->b, doc, &run, 1, &j->z) == -1)
		j->err = errno;
	xmlFreeDoc(doc);
	return NULL;
}

int
epub_write(struct book *b, struct out_file *out, struct quire_diag *d)
{
	struct pack p = { 0 };
	const char *cover_href = "cover.png", *cover_mime = "image/png";
	char *png;
	size_t pnglen;
	struct bindex *ix = bindex_make(b);
	char *ixfile = ix ? xasprintf("%s.xhtml", bindex_name(ix)) : NULL;
	struct ncx_job ncx = { b, ixfile, { NULL, 0, 0, 0, NULL, 0 }, 0 };
	struct packed nav = { NULL, 0, 0, 0, NULL, 0 };
	struct loc ol = { b->outdir, 0, 0 };
	int err = 0;
	pthread_t tid;
	int started;
	xmlNode *marker;
	xmlDoc *doc;
	int rc;

	if (cover_raster(b, d, &png, &pnglen) < 0) {
		bindex_free(ix);
		free(ixfile);
		return -1;
	}
	/* Every entry there will be, no more: one an essay. */
	p.cap = 16 + b->nstyles + b->nessays + b->nres;
	p.e = xreallocarray(NULL, p.cap, sizeof(*p.e));
	add(&p, "mimetype", (char *)"application/epub+zip", 20, 0);
	add(&p, "META-INF/container.xml", (char *)container_xml,
	    sizeof(container_xml) - 1, 0);
	if (has_fonts(b))
		add(&p, "META-INF/com.apple.ibooks.display-options.xml",
		    (char *)ibooks_options, sizeof(ibooks_options) - 1, 0);
	if (png == NULL) {  /* the book's own PNG or JPEG */
		cover_href = b->cover_res->name;
		cover_mime = b->cover_res->mime;
	}
	{
		xmlNode *marks[2];

		struct packed opf = { NULL, 0, 0, 0, NULL, 0 };

		doc = opf_doc(b, cover_href, cover_mime, ixfile, marks);
		struct xml_run runs[2] = {
			{ marks[0], b->nessays, opf_item, b },
			{ marks[1], b->nessays, opf_itemref, NULL },
		};
		if (dump_packed(b, doc, runs, 2, &opf) == -1)
			err = errno;
		add_packed(&p, "EPUB/package.opf", &opf);
		xmlFreeDoc(doc);
	}
	/* The NCX on a thread of its own, the nav here: for thousands of
	 * essays they are the biggest files after the essays. */
	started = pthread_create(&tid, NULL, ncx_job, &ncx) == 0;
	doc = nav_doc(b, ixfile, &marker);
	{
		struct xml_run run = { marker, b->tree.nkids, nav_top, b };

		if (dump_packed(b, doc, &run, 1, &nav) == -1 && err == 0)
			err = errno;
	}
	add_packed(&p, "EPUB/nav.xhtml", &nav);
	xmlFreeDoc(doc);
	if (started)
		pthread_join(tid, NULL);
	else
		ncx_job(&ncx);
	add_packed(&p, "EPUB/toc.ncx", &ncx.z);
	if (err || ncx.err) {
		diag_syserr(d, &ol, "cannot write a temporary file: %s",
		    strerror(err ? err : ncx.err));
		rc = -1;
		goto done;
	}
	if (atomic_load(&b->heads_err)) {
		rc = -1;  /* said once, by write_all_formats() */
		goto done;
	}
	if (!b->theme_none)
		add(&p, "EPUB/book.css", (char *)asset_book_css,
		    asset_book_css_len, 0);
	for (size_t i = 0; i < b->nstyles; i++) {
		char *name = xasprintf("EPUB/%s", b->styles[i].name);
		add(&p, name, b->styles[i].epub, strlen(b->styles[i].epub), 0);
		free(name);
	}
	if (png) {  /* stored: a PNG is compressed already */
		add(&p, "EPUB/cover.png", NULL, 0, 0);
		p.e[p.n - 1].data = png;
		p.e[p.n - 1].len = pnglen;
		p.e[p.n - 1].owned = 1;
	}
	doc = cover_page(b, cover_href);
	add_doc(&p, "EPUB/cover.xhtml", doc);
	xmlFreeDoc(doc);
	doc = title_page(b);
	add_doc(&p, "EPUB/title.xhtml", doc);
	xmlFreeDoc(doc);
	for (size_t i = 0; i < b->nessays; i++) {
		struct essay *e = &b->essays[i];
		char *name = xasprintf("EPUB/%s", e->file);
		add(&p, name, NULL, 0, 0);
		p.e[p.n - 1].z = &e->epub;
		free(name);
	}
	if (ix) {
		char *name = xasprintf("EPUB/%s", ixfile);

		doc = index_doc(b, ix);
		add_doc(&p, name, doc);
		xmlFreeDoc(doc);
		free(name);
	}
	for (size_t i = 0; i < b->nres; i++) {
		const struct resource *r = b->res[i];
		if (!r->same) {
			char *name = xasprintf("EPUB/%s", r->name);
			/* Photos and fonts are compressed already: stored. */
			if (r->data && !mime_compressed(r->mime))
				add(&p, name, (char *)r->data, r->len, 0);
			else {
				add(&p, name, NULL, 0, 0);
				p.e[p.n - 1].res = r->data ? NULL : r;
				p.e[p.n - 1].data = (char *)r->data;
				p.e[p.n - 1].len = r->len;
				p.e[p.n - 1].deflate = !mime_compressed(r->mime);
			}
			free(name);
		}
	}
	out->name = xasprintf("%s.epub", b->slug);
	rc = zip_pack(b, &p, out, d);
done:
	for (size_t i = 0; i < p.n; i++) {
		free(p.e[i].name);
		if (p.e[i].owned)
			free(p.e[i].data);
		if (p.e[i].own)
			free(p.e[i].own->data);
		free(p.e[i].own);
	}
	free(p.e);
	bindex_free(ix);
	free(ixfile);
	return rc;
}
