/* Single-file HTML archive writer: the whole book in one HTML5 document,
 * stylesheet inline, images as data: URIs (their base64 streamed from
 * the files as the archive is written), every id prefixed with its
 * essay's slug so that nothing collides, and a Content-Security-Policy
 * that forbids every fetch. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLtree.h>

#include "write/write.h"

#define MARK "quire:articles"
#define CSP "default-src 'none'; img-src data:; font-src data:; " \
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

/* The essay whose file is the n bytes at file, through a sorted index. */
static const struct essay *
essay_by_file(const struct book *b, const char *file, size_t n)
{
	struct essay key, *kp = &key, **hit;
	char *f = xstrndup(file, n);

	key.file = f;
	hit = bsearch(&kp, b->byfile, b->nessays, sizeof(*b->byfile),
	    cmp_essay_file);
	free(f);
	return hit ? *hit : NULL;
}

/* The archive's id for an essay's id: one scheme, <slug>--<id>. */
static char *
scoped(const struct essay *e, const char *id)
{
	return xasprintf("%s--%s", e->slug, id);
}

/* The images of an article, in document order: each <img>'s src is a
 * data: URI whose base64 is a token until the file is written. */
struct imgs {
	xmlNode **node;
	struct resource **res;
	size_t n;
	char tok[32];       /* the token in the serialised article */
};

/* Rewrites a copied essay subtree for the single document: ids scoped,
 * links to other essays become in-page links, images become data: URIs
 * (their bytes left to the writer), EPUB-only attributes and namespaces
 * go. */
static void
adapt(struct book *b, const struct essay *e, xmlNode *n, struct imgs *im)
{
	for (; n; n = n->next) {
		xmlAttr *at, *nexta, *id = NULL, *href = NULL, *src = NULL;
		const char *v;
		char *copy;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (at = n->properties; at; at = nexta) {
			nexta = at->next;
			if (at->ns && strcmp((char *)at->ns->href,
			    (char *)XML_XML_NAMESPACE) != 0 &&
			    strcmp((char *)at->ns->href,
			    "http://www.w3.org/1999/xlink") != 0)
				xmlRemoveProp(at);
			else if (at->ns && strcmp((char *)at->name, "lang") ==
			    0)
				xmlRemoveProp(at);
			else if (at->ns)
				continue;
			else if (id == NULL && strcmp((char *)at->name, "id") ==
			    0)
				id = at;
			else if (href == NULL && strcmp((char *)at->name,
			    "href") == 0)
				href = at;
			else if (src == NULL && strcmp((char *)at->name,
			    "src") == 0)
				src = at;
		}
		if (is_html(n))
			n->ns = NULL;
		if (id) {
			char *s = scoped(e, attr_text(id, &copy));

			xmlFree(copy);
			set_attr(n, "id", s);
			free(s);
		}
		if (n->ns == NULL && href) {
			char *hash, *s = NULL;
			const struct essay *t;

			v = attr_text(href, &copy);
			hash = strchr(v, '#');
			if (v[0] == '#')
				s = xasprintf("#%s--%s", e->slug, v + 1);
			else if (memchr(v, ':', hash ? (size_t)(hash - v) :
			    strlen(v)) == NULL && (t = essay_by_file(
			    b, v, hash ? (size_t)(hash - v) : strlen(v))))
				s = hash ? xasprintf("#%s--%s", t->slug,
				    hash + 1) : xasprintf("#%s", t->slug);
			xmlFree(copy);
			if (s) {
				set_attr(n, "href", s);
				free(s);
			}
		}
		if (n->ns == NULL && src && strcmp((char *)n->name, "img") ==
		    0) {
			struct resource *r = resource_find(b,
			    attr_text(src, &copy));

			xmlFree(copy);
			if (r) {
				GROW(im->node, im->n);
				GROW(im->res, im->n);
				im->node[im->n] = n;
				im->res[im->n++] = r;
			}
		}
		adapt(b, e, n->children, im);
	}
}

/* After adapt(): the XHTML and EPUB namespace declarations, now unused,
 * go; others (SVG's xlink) stay where the copy put them. */
static void
drop_ns_defs(xmlNode *n)
{
	for (; n; n = n->next) {
		xmlNs **pp, *ns;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (pp = &n->nsDef; (ns = *pp) != NULL;) {
			if (strcmp((char *)ns->href, NS_XHTML) == 0 ||
			    strcmp((char *)ns->href, NS_EPUB) == 0) {
				*pp = ns->next;
				ns->next = NULL;
				xmlFreeNs(ns);
			} else
				pp = &ns->next;
		}
		drop_ns_defs(n->children);
	}
}

/* The contents: an entry per part or essay of the book's top level, made
 * by toc_top() while the file is written (so never one tree for the whole
 * book).  On wide screens the stylesheet makes it a sidebar. */
static xmlNode *
toc(xmlNode *body, const char *lang)
{
	xmlNode *nav = el(body, "nav"), *ol;

	set_attr(nav, "id", "contents");
	set_attr(nav, "aria-labelledby", "contents-title");
	set_attr(el_text(nav, "h2", i18n_word(lang, W_CONTENTS)), "id",
	    "contents-title");
	ol = el(nav, "ol");
	xml_marker(ol);
	return ol;
}

/* The list under an entry: its last child if that is one, else new. */
static xmlNode *
sublist(xmlNode *li)
{
	xmlNode *last = xmlGetLastChild(li);

	return last && last->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)last->name, "ol") == 0 ? last : el(li, "ol");
}

/* The contents' entries: an essay or a section, a link to its place in
 * the archive; a part without a page, a heading in a <span>, its entry
 * marked as a part's either way. */
static xmlNode *
toc_entry(void *arg, xmlNode *ol, const struct essay *e,
    const struct heading *h)
{
	xmlNode *li;
	char *s, *t;

	(void)arg;
	s = h ? xasprintf("#%s--%s", e->slug, h->id) :
	    xasprintf("#%s", e->slug);
	t = h ? xstrdup(h->text) : contents_title(e);
	li = contents_item(ol, s, t);
	free(t);
	free(s);
	return li;
}

static xmlNode *
toc_part(void *arg, xmlNode *ol, const struct division *dv)
{
	xmlNode *li = el(ol, "li");

	(void)arg;
	el_text(li, "span", dv->title);
	return li;
}

static void
toc_made(void *arg, xmlNode *li, const struct division *dv)
{
	(void)arg;
	if (dv->part)
		set_attr(li, "class", "part");
}

static const struct contents_ops toc_ops = { toc_entry, toc_part, sublist,
    toc_made };

static void
title_page(const struct book *b, xmlNode *body)
{
	xmlNode *hd = el(body, "header");

	set_attr(hd, "class", "titlepage");
	set_attr(hd, "id", "title-page");
	titlepage(hd, b);
}

/* The token standing for an image's base64 in an article: letters and
 * digits (libxml2 escapes nothing of them in a URL), k chosen so that the
 * article holds it nowhere else. */
#define TOKEN "QuireImageBytes%uQ"

static size_t
count_token(const char *p, size_t n, const char *tok)
{
	size_t c = 0, tn = strlen(tok);

	for (const char *q = p, *end = p + n;
	    (q = find_bytes(q, end, tok, tn)) != NULL; q += tn)
		c++;
	return c;
}

/* The article serialised with every image's src a data: URI holding a
 * token, the first that occurs in it exactly once per image (im->tok). */
static void
serialise(xmlNode *art, struct imgs *im, struct buf *out)
{
	for (unsigned k = 0;; k++) {
		char tok[32], *uri;

		snprintf(tok, sizeof(tok), TOKEN, k);
		for (size_t i = 0; i < im->n; i++) {
			uri = xasprintf("data:%s;base64,%s", im->res[i]->mime,
			    tok);
			set_attr(im->node[i], "src", uri);
			free(uri);
		}
		out->len = 0;
		html_serialise(out, art);
		if (im->n == 0 || count_token(out->data, out->len, tok) ==
		    im->n) {
			snprintf(im->tok, sizeof(im->tok), "%s", tok);
			return;
		}
		/* the text has it: another */
	}
}

static void
text_part(const struct book *b, struct essay *e, const char *p, size_t n,
    struct quire_diag *d)
{
	struct part *pt;

	GROW(e->html, e->nhtml);
	pt = &e->html[e->nhtml++];
	memset(pt, 0, sizeof(*pt));
	if (b->spill) {
		/* A big book's articles wait on disk, as they are. */
		struct loc l = { b->outdir, 0, 0 };

		pt->sp = b->spill;
		pt->len = n;
		if (spill_put(b->spill, p, n, &pt->off) == -1)
			diag_syserr(d, &l, "cannot write a temporary file: %s",
			    strerror(errno));
	} else if (b->squeeze) {
		/* Kept deflated (fast level) until the file is written: in a
		 * big book the archive is the largest thing a build holds. */
		struct packed z;

		deflate_raw(p, n, 1, NULL, &z);
		pt->data = (char *)z.data;
		pt->zlen = z.zlen;
		pt->len = n;
	} else {
		pt->len = n;
		pt->data = xstrndup(p, n);
	}
}

/* The article's parts: its text, cut where each token stands, and between
 * the cuts the base64 of the image, which the writer streams. */
static void
cut_article(const struct book *b, struct essay *e, const char *p, size_t n,
    const struct imgs *im, struct quire_diag *d)
{
	const char *end = p + n;
	size_t tn = strlen(im->tok);

	for (size_t i = 0; i < im->n; i++) {
		const char *q = find_bytes(p, end, im->tok, tn);
		struct part *pt;

		text_part(b, e, p, (size_t)(q - p), d);
		GROW(e->html, e->nhtml);
		pt = &e->html[e->nhtml++];
		memset(pt, 0, sizeof(*pt));
		pt->res = im->res[i];
		p = q + tn;
	}
	text_part(b, e, p, (size_t)(end - p), d);
}

/* An essay's <article>, serialised on the thread that rendered it: its
 * nodes move out of the EPUB document (already written) into the article
 * and are rewritten in place. */
int
html_essay(struct book *b, struct essay *e, struct quire_diag *d)
{
	xmlNode *art = xmlNewDocNode(e->w->xml, NULL, BAD_CAST "article",
	    NULL);
	xmlNode *k, *next;
	struct buf out = { 0 };
	const char *lang = e->lang ? e->lang : b->lang;
	struct imgs im = { NULL, NULL, 0, "" };
	char *s;

	(void)d;
	set_attr(art, "id", e->slug);
	set_attr(art, "class", e->part_page ? "essay part" : "essay");
	s = xasprintf("%s--essay-title", e->slug);
	set_attr(art, "aria-labelledby", s);
	free(s);
	if (strcmp(lang, b->lang) != 0)
		set_attr(art, "lang", lang);
	{
		/* Its direction where it differs from the book's. */
		const char *dir = EMORE(e)->dir ? e->more->dir :
		    lang_rtl(lang) ? "rtl" : "ltr";
		if (strcmp(dir, lang_rtl(b->lang) ? "rtl" : "ltr") != 0)
			set_attr(art, "dir", dir);
	}
	for (k = e->w->content->children; k; k = next) {
		next = k->next;
		xmlUnlinkNode(k);
		xmlAddChild(art, k);
	}
	xmlAddChild(e->w->content, art);
	adapt(b, e, art->children, &im);
	drop_ns_defs(art->children);
	/* The way back to the contents, in the essay's header. */
	if ((k = art->children) != NULL && k->type == XML_ELEMENT_NODE &&
	    strcmp((char *)k->name, "header") == 0) {
		xmlNode *p = el(k, "p");

		set_attr(p, "class", "to-contents");
		/* In the book's language, as the contents are. */
		if (strcmp(lang, b->lang) != 0)
			set_attr(p, "lang", b->lang);
		if (!EMORE(e)->dir && lang_rtl(lang) != lang_rtl(b->lang))
			set_attr(p, "dir", lang_rtl(b->lang) ? "rtl" : "ltr");
		set_attr(el_text(p, "a", i18n_word(b->lang, W_CONTENTS)),
		    "href", "#contents");
	}
	/* Serialised by HTML rules: the document is now an HTML one (it is
	 * freed right after). */
	e->w->xml->type = XML_HTML_DOCUMENT_NODE;
	serialise(art, &im, &out);
	cut_article(b, e, out.data ? out.data : "", out.len, &im, d);
	buf_free(&out);
	free(im.node);
	free(im.res);
	return 0;
}

/* A big book's contents in the archive: written to its spill file as
 * they are made, each piece a part of the output file. */
struct spill_out {
	struct spill *sp;
	struct out_file *out;
	int err;
};

static int
spill_part(void *ctx, const char *p, int len)
{
	struct spill_out *w = ctx;
	struct part *last = w->out->nparts ?
	    &w->out->parts[w->out->nparts - 1] : NULL;
	uint64_t off;

	if (spill_put(w->sp, p, (size_t)len, &off) == -1) {
		w->err = errno;
		return -1;
	}
	if (last && last->sp == w->sp && last->off + last->len == off)
		last->len += (size_t)len;
	else {
		struct part *pt = xcalloc(1, sizeof(*pt));

		pt->sp = w->sp;
		pt->off = off;
		pt->len = (size_t)len;
		out_add_part(w->out, pt);
	}
	return len;
}

/* The archive: its head, title page and contents, the articles made by
 * html_essay() in book order, and the footer, as the parts of one file
 * that write_outputs() streams out. */
int
html_write(struct book *b, struct out_file *out, struct quire_diag *d)
{
	xmlDoc *doc;
	xmlNode *html, *head, *body, *main, *n;
	xmlOutputBuffer *skel, *items;
	const char *mem, *mark, *toc_mark;
	xmlNode *ol;
	struct spill_out so = { b->spill, out, 0 };
	struct bindex *ix = bindex_make(b);
	xmlNode *ixli = NULL;
	size_t len, nparts;
	char *s, tword[48], aword[48];
	xmlNode *amark;
	struct buf ser = { 0 };

	doc = htmlNewDocNoDtD(NULL, NULL);
	doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
	xmlCreateIntSubset(doc, BAD_CAST "html", NULL, NULL);
	html = xmlNewDocNode(doc, NULL, BAD_CAST "html", NULL);
	xmlDocSetRootElement(doc, html);
	set_attr(html, "lang", b->lang);
	if (lang_rtl(b->lang))
		set_attr(html, "dir", "rtl");
	head = el(html, "head");
	set_attr(el(head, "meta"), "charset", "utf-8");
	xhtml_meta(head, "http-equiv", "Content-Security-Policy", CSP);
	xhtml_meta(head, "name", "viewport", "width=device-width, initial-scale=1");
	el_text(head, "title", b->title);
	if (b->description)
		xhtml_meta(head, "name", "description", b->description);
	for (size_t i = 0; i < b->authors.n; i++)
		xhtml_meta(head, "name", "author", b->authors.v[i]);
	s = xasprintf("quire %s", QUIRE_VERSION);
	xhtml_meta(head, "name", "generator", s);
	free(s);
	if (b->version)
		xhtml_meta(head, "name", "version", b->version);
	xhtml_meta(head, "name", "color-scheme", "light dark");
	if (!b->theme_none) {
		n = el(head, "style");
		s = xstrndup((const char *)asset_archive_css,
		    asset_archive_css_len);
		xmlAddChild(n, xmlNewDocText(doc, BAD_CAST s));
		free(s);
	}
	if (ix && !b->theme_none)
		xmlAddChild(el(head, "style"), xmlNewDocText(doc,
		    BAD_CAST bindex_css));
	/* The author's, after quire's; css.c made them safe to inline. */
	for (size_t i = 0; i < b->nstyles; i++)
		xmlAddChild(el(head, "style"), xmlNewDocText(doc,
		    BAD_CAST b->styles[i].html));
	body = el(html, "body");
	title_page(b, body);
	ol = toc(body, b->lang);
	main = el(body, "main");
	/* The articles go where the marker stands. */
	amark = xmlAddChild(main, xmlNewDocComment(doc, BAD_CAST MARK));
	/* The index after the articles, last in the contents. */
	if (ix) {
		s = xasprintf("#%s", bindex_name(ix));
		ixli = contents_item(ol, s, i18n_word(b->lang, W_INDEX));
		free(s);
		bindex_section(main, b, ix, 1);
		bindex_free(ix);
	}
	n = el(body, "footer");
	s = i18n_fmt(b->lang, W_BOUND_BY, QUIRE_VERSION, NULL);
	el_text(n, "p", s);
	free(s);
	/* The markers' words made ones the skeleton holds nowhere else: an
	 * attribute or a stylesheet from the book may hold "<!--quire:...",
	 * which HTML writes as it is there. */
	for (unsigned k = 0;; k++) {
		snprintf(tword, sizeof(tword), "%s-%u", XML_MARKER, k);
		snprintf(aword, sizeof(aword), "%s-%u", MARK, k);
		xmlNodeSetContent(ol->children, BAD_CAST tword);
		xmlNodeSetContent(amark, BAD_CAST aword);
		skel = xmlAllocOutputBuffer(NULL);
		htmlDocContentDumpFormatOutput(skel, doc, "UTF-8", 0);
		mem = (const char *)xmlOutputBufferGetContent(skel);
		len = xmlOutputBufferGetSize(skel);
		if (count_token(mem, len, tword) == 1 &&
		    count_token(mem, len, aword) == 1)
			break;
		xmlOutputBufferClose(skel);
	}
	if (ixli) {  /* written: the essays' entries go before it */
		xmlUnlinkNode(ixli);
		xmlFreeNode(ixli);
	}
	/* Each word is once in the skeleton, in its comment. */
	toc_mark = strstr(mem, tword) - 4;
	mark = strstr(mem, aword) - 4;
	out->name = xasprintf("%s.html", b->slug);
	out_add(out, xstrndup(mem, (size_t)(toc_mark - mem)),
	    (size_t)(toc_mark - mem));
	items = b->spill ? xmlOutputBufferCreateIO(spill_part, NULL, &so,
	    NULL) : xmlAllocOutputBuffer(NULL);
	for (size_t i = 0; i < b->tree.nkids; i++) {
		xmlNode *li;

		contents_walk(b, &b->tree.kids[i], ol, &toc_ops, NULL);
		li = xmlGetLastChild(ol);
		/* By quire's serialiser, which writes what libxml2's does. */
		ser.len = 0;
		html_serialise(&ser, li);
		if (ser.len > 0 && ser.len <= INT_MAX)
			xmlOutputBufferWrite(items, (int)ser.len, ser.data);
		xmlUnlinkNode(li);
		xmlFreeNode(li);
	}
	buf_free(&ser);
	if (b->spill == NULL) {
		len = xmlOutputBufferGetSize(items);
		out_add(out, xstrndup((const char *)
		    xmlOutputBufferGetContent(items), len), len);
	}
	if (xmlOutputBufferClose(items) < 0 || so.err ||
	    atomic_load(&b->heads_err)) {
		struct loc l = { b->outdir, 0, 0 };

		/* Headings lost are said once, by write_all_formats(). */
		if (!atomic_load(&b->heads_err) || so.err)
			diag_syserr(d, &l, "cannot write a temporary file: "
			    "%s", strerror(so.err ? so.err : EIO));
		xmlOutputBufferClose(skel);
		xmlFreeDoc(doc);
		return -1;
	}
	toc_mark += strlen(tword) + 7;
	out_add(out, xstrndup(toc_mark, (size_t)(mark - toc_mark)),
	    (size_t)(mark - toc_mark));
	/* The articles' parts and the tail: a big book's array is the
	 * size of its essays, not the next power of two. */
	nparts = 1;
	for (size_t i = 0; i < b->nessays; i++)
		nparts += b->essays[i].nhtml;
	out_reserve(out, nparts);
	for (size_t i = 0; i < b->nessays; i++) {
		struct essay *e = &b->essays[i];
		for (size_t k = 0; k < e->nhtml; k++)
			out->parts[out->nparts++] = e->html[k];
		free(e->html);
		e->html = NULL;
		e->nhtml = 0;
	}
	mark += strlen(aword) + 7;
	out_add(out, xstrdup(mark), strlen(mark));
	xmlOutputBufferClose(skel);
	xmlFreeDoc(doc);
	return 0;
}
