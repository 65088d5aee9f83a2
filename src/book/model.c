/* The book model's constructors and destructors: the book, its essays and
 * the tree of parts that every writer walks. */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include <cmark-gfm.h>

#include "book/book.h"

void
book_init(struct book *b)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	b->tree.essay = -1;
	b->tree.part = 1;
	b->toc_depth = 3;
}

void
later_free(struct later *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].orig);
		free(v[i].href);
	}
	free(v);
}

void
heads_free(struct essay *e)
{
	if (e->heads_mem == NULL && e->heads)
		for (size_t i = 0; i < e->nheads; i++) {
			free(e->heads[i].id);
			free(e->heads[i].text);
		}
	free(e->heads_mem);
	free(e->heads);
	e->heads_mem = NULL;
	e->heads = NULL;
	e->nheads = 0;
	e->heads_len = 0;
}

void
xmarks_free(struct essay *e)
{
	for (size_t i = 0; i < e->nxmarks; i++) {
		free(e->xmarks[i].label);
		free(e->xmarks[i].text);
		free(e->xmarks[i].num);
	}
	free(e->xmarks);
	e->xmarks = NULL;
	e->nxmarks = 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
essay_settle(const struct book *b, struct essay *e)
{
	size_t n = 0, size = 0;
	char *p;

	/* Headings deeper than the contents go: no writer lists them. */
	for (size_t i = 0; i < e->nheads; i++) {
		struct heading *h = &e->heads[i];

		if (h->level > b->toc_depth) {
			free(h->id);
			free(h->text);
			continue;
		}
		e->heads[n++] = *h;
		size += strlen(h->id) + strlen(h->text) + 2;
	}
	e->nheads = n;
	if (n == 0) {
		free(e->heads);
		e->heads = NULL;
	} else if (b->spill && e->heads_mem == NULL) {
		/* A big book's wait on disk until the contents are written
		 * (contents_heads): level, id, NUL, text, NUL for each. */
		struct buf sb = { 0 };

		for (size_t i = 0; i < n; i++) {
			buf_putc(&sb, (char)e->heads[i].level);
			buf_put(&sb, e->heads[i].id,
			    strlen(e->heads[i].id) + 1);
			buf_put(&sb, e->heads[i].text,
			    strlen(e->heads[i].text) + 1);
		}
		if (spill_put(b->spill, sb.data, sb.len, &e->heads_off) == 0) {
			for (size_t i = 0; i < n; i++) {
				free(e->heads[i].id);
				free(e->heads[i].text);
			}
			free(e->heads);
			e->heads = NULL;
			e->heads_len = sb.len;
		}
		buf_free(&sb);
	}
	if (e->heads && e->heads_mem == NULL) {
		e->heads = xreallocarray(e->heads, n, sizeof(*e->heads));
		p = e->heads_mem = xmalloc(size);
		for (size_t i = 0; i < n; i++) {
			struct heading *h = &e->heads[i];
			size_t li = strlen(h->id) + 1, lt = strlen(h->text) + 1;

			memcpy(p, h->id, li);
			free(h->id);
			h->id = p;
			p += li;
			memcpy(p, h->text, lt);
			free(h->text);
			h->text = p;
			p += lt;
		}
	}
	/* Its ids, for links from other essays (link_check), hashed:
	 * two collide with a chance of about n^2 / 2^65. */
	free(e->idh);
	e->idh = xreallocarray(NULL, e->w->ids.n ? e->w->ids.n : 1,
	    sizeof(*e->idh));
	e->nidh = 0;
	for (size_t i = 0; i < e->w->ids.cap; i++)
		if (e->w->ids.slot[i])
			e->idh[e->nidh++] = hash_fnv(e->w->ids.slot[i]);
	qsort(e->idh, e->nidh, sizeof(*e->idh), cmp_u64);
	idset_free(&e->w->ids);
}

int
essay_has_id(const struct essay *e, const char *id)
{
	uint64_t h = hash_fnv(id);

	return bsearch(&h, e->idh, e->nidh, sizeof(h), cmp_u64) != NULL;
}

/* The roles front matter may give an essay (role:, or epub:type on its
 * title), as epub:type names them; DPUB-ARIA's role is "doc-" and the
 * same.  Front matter comes before ROLE_BACK, back matter from it. */
const char *const essay_roles[] = { "chapter", "dedication", "epigraph",
    "foreword", "preface", "introduction", "prologue", "epilogue",
    "afterword", "appendix", "glossary", "bibliography", "colophon",
    NULL };

const struct essay_site essay_site_none;
const struct essay_more essay_more_none;

/* One string for both: e->rel is the tail of e->path (path_join() ends
 * with its second path), freed with it. */
void
essay_set_path(struct essay *e, const char *root, const char *rel)
{
	e->path = path_join(root, rel);
	e->rel = e->path + strlen(e->path) - strlen(rel);
}

struct essay_more *
essay_more(struct essay *e)
{
	if (e->more == NULL)
		e->more = xcalloc(1, sizeof(*e->more));
	return e->more;
}

struct essay_site *
essay_site(struct essay *e)
{
	if (e->site == NULL)
		e->site = xcalloc(1, sizeof(*e->site));
	return e->site;
}

struct essay_work *
essay_work(struct essay *e)
{
	if (e->w == NULL)
		e->w = xcalloc(1, sizeof(*e->w));
	return e->w;
}

void
essay_work_free(struct essay *e)
{
	if (e->w == NULL)
		return;
	/* Its locator is link.c's: link_forget() has let it go. */
	essay_free_parse(e);
	if (e->w->xml)
		xmlFreeDoc(e->w->xml);
	idset_free(&e->w->ids);
	idset_free(&e->w->seen);
	free(e->w);
	e->w = NULL;
}

void
essay_free(struct essay *e)
{
	essay_work_free(e);
	heads_free(e);
	free(e->idh);
	later_free(e->xlinks, e->nxlinks);
	if (e->xbad)
		idset_free(e->xbad);
	free(e->xbad);
	free(e->epub.data);
	for (size_t i = 0; i < e->nhtml; i++)
		free(e->html[i].data);
	free(e->html);
	free(e->path);  /* and rel */
	free(e->slug);
	free(e->file);
	free(e->title);
	free(e->date);
	free(e->lang);
	if (e->more) {
		free(e->more->subtitle);
		free(e->more->summary);
		free(e->more->dir);
		strv_free(&e->more->authors);
		strv_free(&e->more->tags);
		strv_free(&e->more->cite);
		free(e->more);
	}
	if (e->site) {
		strv_free(&e->site->urls);
		free(e->site->site_slug);
		free(e->site->label);
		strv_free(&e->site->params);
		strv_free(&e->site->cascade);
		idset_free(&e->site->siterefs);
		strv_free(&e->site->hids);
		strv_free(&e->site->index);
		free(e->site);
	}
	strv_free(&e->marks);
	xmarks_free(e);
	free(e->num);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

/* A new, empty child of parent (an essay's node until told otherwise);
 * the pointer holds until parent gains another child. */
struct division *
division_add(struct division *parent)
{
	struct division *dv;

	GROW(parent->kids, parent->nkids);
	dv = &parent->kids[parent->nkids++];
	memset(dv, 0, sizeof(*dv));
	dv->essay = -1;
	return dv;
}

/* Frees what dv holds (not dv itself, which lives in its parent's
 * array).  The nesting is bounded when the tree is made (MAX_DEPTH). */
void
division_free(struct division *dv)
{
	for (size_t i = 0; i < dv->nkids; i++)
		division_free(&dv->kids[i]);
	free(dv->kids);
	free(dv->title);
	free(dv->rel);
	dv->kids = NULL;
	dv->nkids = 0;
	dv->title = dv->rel = NULL;
}

long
division_first(const struct division *dv)
{
	long e;

	if (dv->essay >= 0)
		return dv->essay;
	for (size_t i = 0; i < dv->nkids; i++)
		if ((e = division_first(&dv->kids[i])) >= 0)
			return e;
	return -1;
}

void
book_free(struct book *b)
{
	for (size_t i = 0; i < b->nessays; i++)
		essay_free(&b->essays[i]);
	free(b->essays);
	free(b->byrel);
	free(b->byfile);
	division_free(&b->tree);
	for (size_t i = 0; i < b->nres; i++) {
		struct resource *r = b->res[i];
		free(r->uri);
		free(r->src);
		free(r->name);
		free(r->id);
		free(r->data);
		free(r->file);
		free(r);
	}
	free(b->res);
	for (int i = 0; i < 3; i++)
		idset_free(&b->res_ix[i]);
	idset_free(&b->remote);
	idset_free(&b->xlabels);
	free(b->rfirst);
	free(b->root);
	free(b->root_real);
	free(b->title);
	free(b->subtitle);
	free(b->description);
	free(b->lang);
	free(b->identifier);
	free(b->publisher);
	free(b->math_macros);
	free(b->rights);
	free(b->version);
	free(b->date);
	free(b->cover);
	strv_free(&b->authors);
	strv_free(&b->cite);
	free(b->isbn);
	free(b->license);
	free(b->series);
	free(b->series_pos);
	for (size_t i = 0; i < b->ncontribs; i++)
		free(b->contribs[i].name);
	free(b->contribs);
	strv_free(&b->subjects);
	for (size_t i = 0; i < b->nstyles; i++) {
		struct style *st = &b->styles[i];
		free(st->rel);
		free(st->path);
		free(st->text);
		free(st->name);
		free(st->epub);
		free(st->html);
	}
	free(b->styles);
	strv_free(&b->params);
	strv_free(&b->sitevars);
	strv_free(&b->cascades);
	site_index_free(b);
	free(b->slug);
	free(b->uuid);
	spill_close(b->spill);
	pthread_mutex_destroy(&b->lock);
	memset(b, 0, sizeof(*b));
}

void
essay_free_parse(struct essay *e)
{
	if (e->w == NULL)
		return;
	if (e->w->doc)
		cmark_node_free(e->w->doc);
	e->w->doc = NULL;
}

void
site_index_free(struct book *b)
{
	for (size_t i = 0; i < b->nsite; i++)
		free(b->site[i].key);
	free(b->site);
	b->site = NULL;
	b->nsite = 0;
}

int
cmp_essay_file(const void *a, const void *b)
{
	return strcmp((*(struct essay *const *)a)->file,
	    (*(struct essay *const *)b)->file);
}
