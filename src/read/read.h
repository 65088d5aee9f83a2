/* read.h: the content folder into the book model: essays found, read and
 * normalised, front matter and collection.yaml, SUMMARY.md, the caps on
 * what cmark-gfm is given, the static site generators' pre-pass and
 * index, the author's stylesheets. */
#ifndef QUIRE_READ_H
#define QUIRE_READ_H

#include "book/book.h"

int load_book(struct book *, const struct quire_options *,
    struct quire_diag *);
/* 1 if text may hold a formula (cheap, rough: may say 1 for none). */
int math_candidate(const char *text, size_t len);
int essay_reload(struct book *, struct essay *, struct quire_diag *);
int essay_front_matter(struct essay *, struct quire_diag *);
/* site.c: what static site generators (Hugo, Jekyll, mdBook) add to
 * Markdown.  The pre-pass rewrites their template syntax in e->text,
 * line for line; the index finds an essay by the URL the site gives it. */
void site_prepass(struct book *, struct essay *, struct quire_diag *);
/* Whether the line at s (past any > and list markers) is a fence of
 * three or more ` or ~: its *mark, run *len, and *info: text after it. */
int fence_line(const char *s, const char *end, char *mark, size_t *len,
    int *info);
char *site_smart(const char *);   /* under the cmark-gfm parse lock */
void site_index(struct book *);
char *site_key(const char *);
struct essay *site_find(const struct book *, const char *path);
struct essay *site_find_stem(const struct book *, const char *name);
int site_is_image(const struct book *, const char *rel);
char *site_image(const struct book *, const struct essay *, const char *ref);

/* xref.c: a label's kind ("fig" for "fig:x" or "fig-x"; fig, tbl, lst,
 * eq, sec), or NULL; whether c may be in a label. */
const char *xref_kind(const char *s, size_t n);
int xref_char(int c);
/* Whether a fence's language (n bytes) is Graphviz's, drawn as a figure. */
int diagram_lang(const char *s, size_t n);

/* css.c: the author's stylesheets, re-serialised from their tokens.  A
 * url() goes through resolve, which sets *epub and *html to what each
 * writer's url() holds (both NULL: "none"); -1 after an error. */
int css_prepare(struct book *, struct style *, struct quire_diag *);
struct css_url_fn {
	int (*resolve)(void *arg, const char *url, const struct loc *,
	    char **epub, char **html);
	void *arg;
};
int css_rewrite(const char *text, size_t len, const char *path,
    const struct css_url_fn *, struct quire_diag *, char **epub,
    char **html);

#endif
