/* Single-file HTML archive writer: the whole book in one HTML5 document,
 * stylesheet inline, images as data: URIs, every id prefixed with its
 * essay's slug so that nothing collides, and a Content-Security-Policy
 * that forbids every fetch. */
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLtree.h>

#include "internal.h"

#define MARK "quire:articles"
#define CSP "default-src 'none'; img-src data:; font-src data:; " \
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

struct arch {
	struct book *b;
	xmlDoc *doc;
	char **uris;        /* data: URI per resource, made once */
	struct essay **byfile;  /* essays sorted by file name */
};

static char *
base64(const unsigned char *p, size_t n)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = t[v >> 18 & 63];
		*o++ = t[v >> 12 & 63];
		*o++ = i + 1 < n ? t[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? t[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static const char *
data_uri(struct arch *a, const char *name)
{
	for (size_t i = 0; i < a->b->nres; i++) {
		struct resource *r = a->b->res[i];
		if (r->same || strcmp(r->name, name) != 0)
			continue;
		if (a->uris[i] == NULL) {
			char *b64 = base64(r->data, r->len);
			a->uris[i] = xasprintf("data:%s;base64,%s", r->mime, b64);
			free(b64);
		}
		return a->uris[i];
	}
	return NULL;
}

static int
cmp_essay_file(const void *a, const void *b)
{
	return strcmp((*(const struct essay *const *)a)->file,
	    (*(const struct essay *const *)b)->file);
}

/* The essay whose file is the n bytes at file, through a sorted index. */
static const struct essay *
essay_by_file(const struct arch *a, const char *file, size_t n)
{
	struct essay key, *kp = &key, **hit;
	char *f = xstrndup(file, n);

	key.file = f;
	hit = bsearch(&kp, a->byfile, a->b->nessays, sizeof(*a->byfile),
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

/* Rewrites a copied essay subtree for the single document: ids scoped,
 * links to other essays become in-page links, images become data: URIs,
 * EPUB-only attributes and namespaces go. */
static void
adapt(struct arch *a, const struct essay *e, xmlNode *n)
{
	for (; n; n = n->next) {
		xmlAttr *at, *nexta;
		char *v;

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
		}
		if (is_html(n))
			n->ns = NULL;
		if ((v = get_attr(n, "id")) != NULL) {
			char *s = scoped(e, v);
			set_attr(n, "id", s);
			free(s);
			free(v);
		}
		if (n->ns == NULL && (v = get_attr(n, "href")) != NULL) {
			char *hash = strchr(v, '#'), *s = NULL;
			const struct essay *t;

			if (v[0] == '#')
				s = xasprintf("#%s--%s", e->slug, v + 1);
			else if (strchr(v, ':') == NULL && (t = essay_by_file(
			    a, v, hash ? (size_t)(hash - v) : strlen(v))))
				s = hash ? xasprintf("#%s--%s", t->slug,
				    hash + 1) : xasprintf("#%s", t->slug);
			if (s) {
				set_attr(n, "href", s);
				free(s);
			}
			free(v);
		}
		if (n->ns == NULL && strcmp((char *)n->name, "img") == 0 &&
		    (v = get_attr(n, "src")) != NULL) {
			const char *uri = data_uri(a, v);
			if (uri)
				set_attr(n, "src", uri);
			free(v);
		}
		adapt(a, e, n->children);
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

static void
hmeta(xmlNode *head, const char *k, const char *kv, const char *content)
{
	xmlNode *m = el(head, "meta");

	set_attr(m, k, kv);
	set_attr(m, "content", content);
}

static void
toc(struct arch *a, xmlNode *body)
{
	const struct book *b = a->b;
	xmlNode *nav = el(body, "nav"), *ol;

	set_attr(nav, "id", "contents");
	set_attr(nav, "aria-labelledby", "contents-title");
	set_attr(el_text(nav, "h2", "Contents"), "id", "contents-title");
	ol = el(nav, "ol");
	for (size_t i = 0; i < b->nessays; i++) {
		const struct essay *e = &b->essays[i];
		xmlNode *li = el(ol, "li"), *sub = NULL, *last = NULL;
		xmlNode *subsub = NULL;
		int l1 = 7, l2 = 7;
		char *s = xasprintf("#%s", e->slug);

		set_attr(el_text(li, "a", e->title), "href", s);
		free(s);
		for (size_t k = 0; k < e->nheads; k++) {
			int lv = e->heads[k].level;
			if (lv < l1) {
				l2 = l1;
				l1 = lv;
			} else if (lv > l1 && lv < l2)
				l2 = lv;
		}
		for (size_t k = 0; k < e->nheads; k++) {
			const struct heading *h = &e->heads[k];
			xmlNode *item;

			if (h->level != l1 && !(h->level == l2 && last))
				continue;
			if (h->level == l1) {
				if (sub == NULL)
					sub = el(li, "ol");
				item = last = el(sub, "li");
				subsub = NULL;
			} else {
				if (subsub == NULL)
					subsub = el(last, "ol");
				item = el(subsub, "li");
			}
			s = xasprintf("#%s--%s", e->slug, h->id);
			set_attr(el_text(item, "a", h->text), "href", s);
			free(s);
		}
	}
}

static void
title_page(struct arch *a, xmlNode *body)
{
	xmlNode *hd = el(body, "header");

	set_attr(hd, "class", "titlepage");
	set_attr(hd, "id", "title-page");
	titlepage(hd, a->b);
}

int
html_write(struct book *b, struct out_file *out, struct quire_diag *d)
{
	struct arch a = { b, NULL, NULL, NULL };
	xmlNode *html, *head, *body, *main, *n;
	xmlOutputBuffer *ob, *skel;
	const xmlChar *mem;
	char *s, *mark;

	(void)d;
	a.uris = xcalloc(b->nres, sizeof(*a.uris));
	a.byfile = xreallocarray(NULL, b->nessays, sizeof(*a.byfile));
	for (size_t i = 0; i < b->nessays; i++)
		a.byfile[i] = &b->essays[i];
	qsort(a.byfile, b->nessays, sizeof(*a.byfile), cmp_essay_file);
	a.doc = htmlNewDocNoDtD(NULL, NULL);
	a.doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
	xmlCreateIntSubset(a.doc, BAD_CAST "html", NULL, NULL);
	html = xmlNewDocNode(a.doc, NULL, BAD_CAST "html", NULL);
	xmlDocSetRootElement(a.doc, html);
	set_attr(html, "lang", b->lang);
	head = el(html, "head");
	set_attr(el(head, "meta"), "charset", "utf-8");
	hmeta(head, "http-equiv", "Content-Security-Policy", CSP);
	hmeta(head, "name", "viewport", "width=device-width, initial-scale=1");
	el_text(head, "title", b->title);
	if (b->description)
		hmeta(head, "name", "description", b->description);
	for (size_t i = 0; i < b->authors.n; i++)
		hmeta(head, "name", "author", b->authors.v[i]);
	s = xasprintf("quire %s", QUIRE_VERSION);
	hmeta(head, "name", "generator", s);
	free(s);
	if (b->version)
		hmeta(head, "name", "version", b->version);
	hmeta(head, "name", "color-scheme", "light dark");
	n = el(head, "style");
	s = xstrndup((const char *)asset_archive_css, asset_archive_css_len);
	xmlAddChild(n, xmlNewDocText(a.doc, BAD_CAST s));
	free(s);
	body = el(html, "body");
	title_page(&a, body);
	toc(&a, body);
	main = el(body, "main");
	/* The articles are written one at a time where the marker stands, so
	 * that the book is never held twice as a tree. */
	xmlAddChild(main, xmlNewDocComment(a.doc, BAD_CAST MARK));
	n = el(body, "footer");
	s = xasprintf("Bound by quire %s.", QUIRE_VERSION);
	el_text(n, "p", s);
	free(s);
	skel = xmlAllocOutputBuffer(NULL);
	htmlDocContentDumpFormatOutput(skel, a.doc, "UTF-8", 0);
	mem = xmlOutputBufferGetContent(skel);
	mark = strstr((char *)mem, "<!--" MARK "-->");
	ob = xmlAllocOutputBuffer(NULL);
	xmlOutputBufferWrite(ob, (int)(mark - (char *)mem), (char *)mem);
	for (size_t i = 0; i < b->nessays; i++) {
		const struct essay *e = &b->essays[i];
		xmlNode *art = xmlNewDocNode(a.doc, NULL, BAD_CAST "article",
		    NULL), *k;
		const char *lang = e->lang ? e->lang : b->lang;

		xmlAddChild(main, art);
		set_attr(art, "id", e->slug);
		set_attr(art, "class", "essay");
		s = xasprintf("%s--essay-title", e->slug);
		set_attr(art, "aria-labelledby", s);
		free(s);
		if (strcmp(lang, b->lang) != 0)
			set_attr(art, "lang", lang);
		for (k = e->content->children; k; k = k->next)
			xmlAddChild(art, xmlDocCopyNode(k, a.doc, 1));
		adapt(&a, e, art->children);
		drop_ns_defs(art->children);
		htmlNodeDumpFormatOutput(ob, a.doc, art, "UTF-8", 0);
		xmlUnlinkNode(art);
		xmlFreeNode(art);
	}
	mark += strlen("<!--" MARK "-->");
	xmlOutputBufferWrite(ob, (int)strlen(mark), mark);
	xmlOutputBufferClose(skel);
	out->name = xasprintf("%s.html", b->slug);
	out->len = xmlOutputBufferGetSize(ob);
	out->data = xmalloc(out->len + 1);
	memcpy(out->data, xmlOutputBufferGetContent(ob), out->len);
	out->data[out->len] = '\0';
	xmlOutputBufferClose(ob);
	for (size_t i = 0; i < b->nres; i++)
		free(a.uris[i]);
	free(a.uris);
	free(a.byfile);
	xmlFreeDoc(a.doc);
	return 0;
}
