/* The back-of-book index, made once every essay is rendered from the
 * marks each one kept (essay.marks): entries sorted by ICU's collation
 * for the book's language, grouped under the letters of that language's
 * alphabet, each with a locator back to every place it was marked, as
 * EPUB Indexes 1.0 lays it out.  The EPUB's index document and the
 * archive's index section are the same tree with other hrefs. */
#include <stdlib.h>
#include <string.h>

#include <unicode/ucol.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/ulocdata.h>
#include <unicode/uscript.h>
#include <unicode/uset.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "write/write.h"

struct ixloc {
	size_t essay;
	const char *id;     /* the mark's anchor; "": the essay itself */
};

struct ixent {
	const char *term;
	struct ixloc *locs;
	size_t nlocs;
	struct ixent *kids;
	size_t nkids;
	char *group;        /* a top entry's letter, when it starts one */
};

struct bindex {
	struct ixent *top;
	size_t ntop;
	char *name;         /* index: the file's stem and the archive's id */
};

/* One mark, as sorted. */
struct item {
	const char *t[3];
	char *key[3];       /* ICU sort keys (NUL-ended) */
	size_t essay, seq;
	const char *id;
};

static UChar *
utf16(const char *s, int32_t *len)
{
	UErrorCode st = U_ZERO_ERROR;
	UChar *u;

	u_strFromUTF8(NULL, 0, len, s, -1, &st);
	u = xreallocarray(NULL, (size_t)*len + 1, sizeof(*u));
	st = U_ZERO_ERROR;
	u_strFromUTF8(u, *len + 1, len, s, -1, &st);
	if (U_FAILURE(st))
		*len = 0;
	return u;
}

static char *
sort_key(const UCollator *c, const char *s)
{
	int32_t len, n;
	UChar *u = utf16(s, &len);
	uint8_t *k;

	n = ucol_getSortKey(c, u, len, NULL, 0);
	k = xmalloc((size_t)n + 1);
	ucol_getSortKey(c, u, len, k, n + 1);
	free(u);
	return (char *)k;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int r;

	for (int i = 0; i < 3; i++) {
		/* No subterm before any subterm. */
		if ((*x->t[i] == '\0') != (*y->t[i] == '\0'))
			return *x->t[i] == '\0' ? -1 : 1;
		if ((r = strcmp(x->key[i], y->key[i])) != 0 ||
		    (r = strcmp(x->t[i], y->t[i])) != 0)
			return r;
	}
	if (x->essay != y->essay)
		return x->essay < y->essay ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The collator of the book's language (a BCP 47 tag), else the root's. */
static UCollator *
collator(const char *lang, char *loc, size_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	UCollator *c;

	uloc_forLanguageTag(lang ? lang : "", loc, (int32_t)n, NULL, &st);
	if (U_FAILURE(st))
		*loc = '\0';
	st = U_ZERO_ERROR;
	c = ucol_open(loc, &st);
	if (U_FAILURE(st)) {
		st = U_ZERO_ERROR;
		c = ucol_open("", &st);
	}
	return U_FAILURE(st) ? NULL : c;
}

static struct ixent *
add_ent(struct ixent **v, size_t *n, const char *term)
{
	struct ixent *x;

	GROW(*v, *n);
	x = &(*v)[(*n)++];
	memset(x, 0, sizeof(*x));
	x->term = term;
	return x;
}

static void
add_loc(struct ixent *x, const struct item *it)
{
	GROW(x->locs, x->nlocs);
	x->locs[x->nlocs].essay = it->essay;
	x->locs[x->nlocs++].id = it->id;
}

/* The letters of the language's index (CLDR's index exemplars), in the
 * collator's order: where a group starts. */
struct letter {
	UChar l[4];
	char *key;
};
struct letters {
	struct letter *v;
	size_t n;
};

static int
cmp_letter(const void *a, const void *b)
{
	return strcmp(((const struct letter *)a)->key,
	    ((const struct letter *)b)->key);
}

static void
letters_of(const char *loc, const UCollator *c, struct letters *ls)
{
	UErrorCode st = U_ZERO_ERROR;
	ULocaleData *ld = ulocdata_open(loc, &st);
	USet *set = U_SUCCESS(st) ? ulocdata_getExemplarSet(ld, NULL, 0,
	    ULOCDATA_ES_INDEX, &st) : NULL;

	ls->v = NULL;
	ls->n = 0;
	if (set && U_SUCCESS(st)) {
		int32_t n = uset_size(set);

		ls->v = xreallocarray(NULL, n > 0 ? (size_t)n : 1,
		    sizeof(*ls->v));
		for (int32_t i = 0; i < n; i++) {
			UChar32 ch = uset_charAt(set, i);
			int32_t k = 0, len;
			uint8_t *key;

			if (ch < 0)
				continue;
			U16_APPEND_UNSAFE(ls->v[ls->n].l, k, ch);
			ls->v[ls->n].l[k] = 0;
			len = ucol_getSortKey(c, ls->v[ls->n].l, k, NULL, 0);
			key = xmalloc((size_t)len + 1);
			ucol_getSortKey(c, ls->v[ls->n].l, k, key, len + 1);
			ls->v[ls->n++].key = (char *)key;
		}
		qsort(ls->v, ls->n, sizeof(*ls->v), cmp_letter);
	}
	if (set)
		uset_close(set);
	if (ld)
		ulocdata_close(ld);
}

static void
letters_free(struct letters *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->v[i].key);
	free(ls->v);
}

/* The letter a term is listed under: the last of the alphabet's letters
 * that sorts (at the primary level) at or before it, when both are of
 * one script; else the term's first character, in capitals. */
static char *
group_of(const struct letters *ls, const UCollator *primary, const char *t)
{
	int32_t len, k = 0, i = 0;
	UChar *u = utf16(t, &len), out[8];
	UChar32 first;
	UErrorCode st = U_ZERO_ERROR;
	char buf[32];
	const UChar *pick = NULL;

	if (len == 0) {
		free(u);
		return xstrdup("");
	}
	U16_NEXT(u, i, len, first);
	for (size_t j = 0; j < ls->n; j++) {
		UChar32 lc;
		int32_t m = 0;

		if (ucol_strcoll(primary, ls->v[j].l, -1, u, len) ==
		    UCOL_GREATER)
			break;
		U16_NEXT(ls->v[j].l, m, 4, lc);
		pick = uscript_getScript(lc, &st) == uscript_getScript(first,
		    &st) ? ls->v[j].l : NULL;
	}
	if (pick == NULL) {
		U16_APPEND_UNSAFE(out, k, u_toupper(first));
		out[k] = 0;
		pick = out;
	}
	st = U_ZERO_ERROR;
	u_strToUTF8(buf, sizeof(buf), NULL, pick, -1, &st);
	free(u);
	return xstrdup(U_SUCCESS(st) ? buf : "");
}

static int
name_taken(const struct book *b, const char *name)
{
	for (size_t i = 0; i < b->nessays; i++)
		if (strcmp(b->essays[i].slug, name) == 0)
			return 1;
	return 0;
}

struct bindex *
bindex_make(const struct book *b)
{
	struct item *it = NULL;
	size_t n = 0;
	struct bindex *ix;
	UCollator *c, *primary;
	UErrorCode st = U_ZERO_ERROR;
	struct letters ls;
	char loc[ULOC_FULLNAME_CAPACITY];
	const struct item *prev = NULL;
	struct ixent *top = NULL, *sub = NULL;

	for (size_t i = 0; i < b->nessays; i++)
		n += b->essays[i].marks.n / 4;
	if (n == 0)
		return NULL;
	c = collator(b->lang, loc, sizeof(loc));
	it = xreallocarray(NULL, n, sizeof(*it));
	n = 0;
	for (size_t i = 0; i < b->nessays; i++) {
		const struct strv *m = &b->essays[i].marks;

		for (size_t k = 0; k + 3 < m->n; k += 4, n++) {
			for (int j = 0; j < 3; j++) {
				it[n].t[j] = m->v[k + j];
				it[n].key[j] = c ? sort_key(c, m->v[k + j]) :
				    xstrdup("");
			}
			it[n].essay = i;
			it[n].seq = k;
			it[n].id = m->v[k + 3];
		}
	}
	qsort(it, n, sizeof(*it), cmp_item);
	ix = xcalloc(1, sizeof(*ix));
	for (size_t i = 0; i < n; i++, prev = &it[i - 1]) {
		const struct item *x = &it[i];

		if (!prev || strcmp(prev->t[0], x->t[0]) != 0) {
			top = add_ent(&ix->top, &ix->ntop, x->t[0]);
			sub = NULL;
		}
		if (*x->t[1] == '\0') {
			add_loc(top, x);
			continue;
		}
		if (!sub || strcmp(sub->term, x->t[1]) != 0)
			sub = add_ent(&top->kids, &top->nkids, x->t[1]);
		if (*x->t[2] == '\0')
			add_loc(sub, x);
		else {
			if (sub->nkids == 0 || strcmp(sub->kids[sub->nkids -
			    1].term, x->t[2]) != 0)
				add_ent(&sub->kids, &sub->nkids, x->t[2]);
			add_loc(&sub->kids[sub->nkids - 1], x);
		}
	}
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < 3; j++)
			free(it[i].key[j]);
	free(it);
	/* Groups: a heading wherever the letter changes. */
	primary = c ? ucol_clone(c, &st) : NULL;
	if (primary)
		ucol_setStrength(primary, UCOL_PRIMARY);
	ls.v = NULL;
	ls.n = 0;
	if (primary)
		letters_of(loc, c, &ls);
	for (size_t i = 0, cur = 0; i < ix->ntop; i++) {
		char *g = primary ? group_of(&ls, primary, ix->top[i].term) :
		    xstrdup("");

		if (i == 0 || strcmp(g, ix->top[cur].group) != 0) {
			ix->top[i].group = g;
			cur = i;
		} else
			free(g);
	}
	letters_free(&ls);
	if (primary)
		ucol_close(primary);
	if (c)
		ucol_close(c);
	/* Its name: index, unless an essay has that one. */
	ix->name = xstrdup("index");
	for (int k = 2; name_taken(b, ix->name); k++) {
		free(ix->name);
		ix->name = xasprintf("index-%d", k);
	}
	return ix;
}

static void
ent_free(struct ixent *x)
{
	for (size_t i = 0; i < x->nkids; i++)
		ent_free(&x->kids[i]);
	free(x->kids);
	free(x->locs);
	free(x->group);
}

void
bindex_free(struct bindex *ix)
{
	if (ix == NULL)
		return;
	for (size_t i = 0; i < ix->ntop; i++)
		ent_free(&ix->top[i]);
	free(ix->top);
	free(ix->name);
	free(ix);
}

/* Entries without bullets, each level indented under the one above. */
const char bindex_css[] =
    ".book-index ul { list-style-type: none; margin: 0; padding: 0; }\n"
    ".book-index ul ul { padding-left: 1.5em; }\n"
    "[dir=\"rtl\"] .book-index ul ul { padding-left: 0; "
    "padding-right: 1.5em; }\n";

const char *
bindex_name(const struct bindex *ix)
{
	return ix->name;
}

/* An entry: its term, its locators, then its subentries. */
static void
entry(xmlNode *ul, const struct book *b, const struct ixent *x, int archive)
{
	xmlNode *li = el(ul, "li"), *n;

	if (!archive)
		set_epub_type(li, "index-entry");
	n = el_text(li, "span", x->term);
	if (!archive)
		set_epub_type(n, "index-term");
	else
		set_attr(n, "class", "index-term");
	for (size_t i = 0, nth = 0; i < x->nlocs; i++) {
		const struct essay *e = &b->essays[x->locs[i].essay];
		const char *id = x->locs[i].id;
		char *href, num[24];

		/* The essay's title, then its further places by number. */
		nth = i > 0 && x->locs[i - 1].essay == x->locs[i].essay ?
		    nth + 1 : 1;
		snprintf(num, sizeof(num), "%zu", nth);
		add_text(li, ", ");
		n = el_text(li, "a", nth == 1 ? e->title : num);
		if (archive)
			href = *id ? xasprintf("#%s--%s", e->slug, id) :
			    xasprintf("#%s", e->slug);
		else
			href = *id ? xasprintf("%s#%s", e->file, id) :
			    xstrdup(e->file);
		set_attr(n, "href", href);
		free(href);
		if (!archive)
			set_epub_type(n, "index-locator");
	}
	if (x->nkids) {
		n = el(li, "ul");
		if (!archive)
			set_epub_type(n, "index-entry-list");
		for (size_t i = 0; i < x->nkids; i++)
			entry(n, b, &x->kids[i], archive);
	}
}

xmlNode *
bindex_section(xmlNode *parent, const struct book *b,
    const struct bindex *ix, int archive)
{
	xmlNode *sec = el(parent, "section"), *h, *ul = NULL;
	char *id = xasprintf("%s--title", ix->name);

	if (archive)
		set_attr(sec, "id", ix->name);
	else
		set_epub_type(sec, "index");
	set_attr(sec, "class", "book-index");
	set_attr(sec, "role", "doc-index");
	set_attr(sec, "aria-labelledby", id);
	h = el_text(sec, "h1", i18n_word(b->lang, W_INDEX));
	set_attr(h, "id", id);
	free(id);
	for (size_t i = 0; i < ix->ntop; i++) {
		if (ix->top[i].group || ul == NULL) {
			xmlNode *g = el(sec, "section");

			if (!archive)
				set_epub_type(g, "index-group");
			if (ix->top[i].group && *ix->top[i].group)
				el_text(g, "h2", ix->top[i].group);
			ul = el(g, "ul");
			if (!archive)
				set_epub_type(ul, "index-entry-list");
		}
		entry(ul, b, &ix->top[i], archive);
	}
	return sec;
}
