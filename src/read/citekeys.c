/* Citations' keys, in collection.yaml and in front matter (pandoc's):
 * bibliography: (a path or a list of them: BibTeX .bib, CSL JSON .json),
 * csl: (a .csl style) and, in collection.yaml only, bibliography_at:
 * essay or book.  Paths are relative to the file that names them and
 * never leave the content folder.  Kept as triples in a strv for
 * render/cite.c: "b" (or "c", "a"), the value (a path relative to the
 * content root), "LINE COL" of the value. */
#include <stdlib.h>
#include <string.h>

#include "read/read.h"
#include "private.h"

static void
keep(struct strv *out, const char *kind, char *value, const struct fm_value *v)
{
	strv_push(out, xstrdup(kind));
	strv_push(out, value);
	strv_push(out, xasprintf("%d %d", v->line, v->col));
}

static int
cite_path(struct quire_diag *d, const char *key, const char *s,
    const struct fm_value *v, const char *path, const char *base,
    struct strv *out)
{
	struct loc at = { path, v->line, v->col };
	char *rel;

	if (s[0] == '/' || url_is_remote(s) ||
	    (rel = path_resolve(base, s)) == NULL)
		return diag_error(d, &at, "%s %s is outside the content folder "
		    "(it is read from there only)", key, s);
	keep(out, key[0] == 'c' ? "c" : "b", rel, v);
	return 0;
}

int
cite_key(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, const char *base, int book, struct strv *out)
{
	int rc = 0;

	if (strcmp(key, "bibliography") == 0) {
		if (v->kind == V_NULL)
			return 0;
		if (v->kind != V_SCALAR && v->kind != V_LIST)
			return diag_error(d, l, "'bibliography' must be a path or "
			    "a list of paths");
		for (size_t i = 0; i < (v->kind == V_SCALAR ? 1 : v->list.n);
		    i++)
			if (cite_path(d, key, v->kind == V_SCALAR ? v->scalar :
			    v->list.v[i], v, l->path, base, out) < 0)
				rc = -1;
		return rc;
	}
	if (strcmp(key, "csl") == 0) {
		if (v->kind == V_NULL)
			return 0;
		if (v->kind != V_SCALAR)
			return diag_error(d, l, "'csl' must be the path of a "
			    "style (.csl)");
		return cite_path(d, key, v->scalar, v, l->path, base, out);
	}
	if (book && strcmp(key, "bibliography_at") == 0) {
		if (v->kind == V_NULL)
			return 0;
		if (v->kind != V_SCALAR || (strcmp(v->scalar, "essay") &&
		    strcmp(v->scalar, "book")))
			return diag_error(d, l, "'bibliography_at' must be essay "
			    "or book");
		keep(out, "a", xstrdup(v->scalar), v);
		return 0;
	}
	return 1;
}

/* With bibliography_at: book, the book's bibliography: an essay of its
 * own at the end, with the role bibliography, its text made by
 * render/cite.c once the citations are rendered. */
void
cite_book_essay(struct book *b)
{
	int at_book = 0, any = 0, role = 0;
	struct essay *e;
	struct division *dv;
	char *rel = xstrdup("references.md");

	for (size_t i = 0; i + 2 < b->cite.n; i += 3)
		if (b->cite.v[i][0] == 'a')
			at_book = strcmp(b->cite.v[i + 1], "book") == 0;
		else if (b->cite.v[i][0] == 'b')
			any = 1;
	for (size_t i = 0; !any && i < b->nessays; i++)
		for (size_t k = 0; k + 2 < ECITE(b, i)->n; k += 3)
			any |= ECITE(b, i)->v[k][0] == 'b';
	if (!at_book || !any) {
		free(rel);
		return;
	}
	for (int n = 2;; n++) {
		size_t i;

		for (i = 0; i < b->nessays; i++)
			if (strcmp(b->essays[i].rel, rel) == 0)
				break;
		if (i == b->nessays)
			break;
		free(rel);
		rel = xasprintf("references-%d.md", n);
	}
	while (essay_roles[role] && strcmp(essay_roles[role], "bibliography"))
		role++;
	b->essays = xreallocarray(b->essays, b->nessays + 1,
	    sizeof(*b->essays));
	e = &b->essays[b->nessays];
	memset(e, 0, sizeof(*e));
	essay_set_path(e, "", rel);
	free(rel);
	e->title = xstrdup(i18n_word(b->lang ? b->lang : "en", W_REFERENCES));
	e->role = essay_roles[role] ? role : 0;
	e->text = xstrdup("\n");
	e->len = 1;
	e->body_line = 1;
	e->title_line = 1;
	/* generated: cite.c fills it */
	strv_push(&essay_more(e)->cite, xstrdup("g"));
	strv_push(&essay_more(e)->cite, xstrdup(""));
	strv_push(&essay_more(e)->cite, xstrdup("0 0"));
	dv = division_add(&b->tree);
	dv->essay = (long)b->nessays;
	b->nessays++;
}
