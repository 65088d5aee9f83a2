/* The book's contents as every writer walks them (the EPUB's nav and NCX,
 * the archive's contents): parts and essays in reading order, an essay's
 * headings down to the book's toc_depth nested under the last shallower
 * one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "write/write.h"

void *
toc_nest(struct toc_stack *st, int lv, int depth, void *top)
{
	if (lv > depth || lv < 1 || lv > 6)
		return NULL;
	while (st->n && st->level[st->n - 1] >= lv)
		st->n--;
	return st->n ? st->node[st->n - 1] : top;
}

void
toc_push(struct toc_stack *st, int lv, void *node)
{
	if (st->n < sizeof(st->level) / sizeof(*st->level)) {
		st->level[st->n] = lv;
		st->node[st->n++] = node;
	}
}

struct heading *
contents_heads(const struct book *b, const struct essay *e, size_t *n,
    char **mem)
{
	struct heading *h;
	const char *p, *end;

	*mem = NULL;
	*n = e->nheads;
	if (e->heads || e->heads_len == 0)
		return e->heads;
	*mem = xmalloc(e->heads_len);
	h = xreallocarray(NULL, e->nheads, sizeof(*h));
	if (spill_pread(b->spill, *mem, e->heads_len, e->heads_off) == -1) {
		/* Said by the writer once the contents are made. */
		atomic_store(&((struct book *)b)->heads_err, errno ? errno : EIO);
		free(h);
		free(*mem);
		*mem = NULL;
		*n = 0;
		return NULL;
	}
	p = *mem;
	end = p + e->heads_len;
	for (size_t k = 0; k < e->nheads && p < end; k++) {
		h[k].level = (unsigned char)*p++;
		h[k].id = (char *)p;
		p += strlen(p) + 1;
		h[k].text = (char *)p;
		p += strlen(p) + 1;
	}
	return h;
}

void
contents_walk(const struct book *b, const struct division *dv,
    xmlNode *parent, const struct contents_ops *ops, void *arg)
{
	xmlNode *entry;

	if (dv->essay >= 0) {
		const struct essay *e = &b->essays[dv->essay];
		struct toc_stack st = { 0 };
		char *mem;
		size_t nh;
		struct heading *heads = contents_heads(b, e, &nh, &mem);

		entry = ops->entry(arg, parent, e, NULL);
		for (size_t k = 0; k < nh; k++) {
			const struct heading *h = &heads[k];
			xmlNode *p;

			if ((p = toc_nest(&st, h->level, b->toc_depth,
			    entry)) == NULL)
				continue;
			toc_push(&st, h->level, ops->entry(arg, ops->under(p), e,
			    h));
		}
		if (mem) {
			free(heads);
			free(mem);
		}
	} else
		entry = ops->part(arg, parent, dv);
	if (ops->made)
		ops->made(arg, entry, dv);
	for (size_t i = 0; i < dv->nkids; i++)
		contents_walk(b, &dv->kids[i], ops->under(entry), ops, arg);
}

/* An entry of a list of contents: <li><a href="href">text</a></li>. */
xmlNode *
contents_item(xmlNode *ol, const char *href, const char *text)
{
	xmlNode *li = el(ol, "li");

	set_attr(el_text(li, "a", text), "href", href);
	return li;
}

char *
contents_title(const struct essay *e)
{
	return e->num ? xasprintf("%s %s", e->num, e->title) :
	    xstrdup(e->title);
}
