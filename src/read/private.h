/* private.h: what the files of the read stage share, and no one else. */
#ifndef QUIRE_READ_PRIVATE_H
#define QUIRE_READ_PRIVATE_H

#include <stdatomic.h>
#include <time.h>

#include <yaml.h>

#define MAX_DEPTH 32           /* folder nesting */

/* One loading of the content folder. */
struct scan {
	struct book *book;
	const struct quire_options *opt;
	struct quire_diag *d;
	struct strv files;         /* essay paths relative to the root */
	time_t newest;
	atomic_int math_seen;      /* an essay may have a formula */
	char *src;                 /* book.toml's src: SUMMARY.md's folder */
	struct idset included;     /* Markdown files essays include */
	size_t other_markup[6];    /* files of other_markup_ext[], by kind */
};

enum fm_kind { V_NULL, V_SCALAR, V_LIST, V_MAP, V_RECS, V_OTHER };

/* A mapping met as a value (series: {name, position}) or as an item of
 * a list (contributors: [{name, role}]): its keys and values in turn; a
 * plain item of such a list is the one pair ("", value). */
struct fm_rec {
	struct strv kv;
	int line, col;
	int *at;            /* line and column of each of kv */
};

struct fm_value {
	enum fm_kind kind;
	char *scalar;
	struct strv list;
	struct fm_rec *recs;  /* V_MAP: one; V_RECS: one per item */
	size_t nrecs;
	int line, col;
	int kline, kcol;      /* where its key is */
};

/* Called for each key of a mapping, with its value and place. */
typedef int (*fm_key_fn)(void *, const char *key, struct fm_value *,
    struct loc *);

/* citekeys.c: bibliography:, csl:, bibliography_at: (1: not one of
 * them); the book's bibliography as an essay of its own. */
int cite_key(struct quire_diag *, const char *key, struct fm_value *,
    struct loc *, const char *base, int book, struct strv *out);
void cite_book_essay(struct book *);

struct essay_fm {
	struct essay *e;
	struct quire_diag *d;
};

/* source.c */
int blank(const char *s);
int is_index(const char *rel);
int scan_read(struct scan *s, const char *rel, char **data, size_t *len);
char *normalise_text(struct quire_diag *d, const char *path, char *text,
    size_t *len);
int read_essays(struct scan *s);

/* include.c: mdBook's and Quarto's includes expanded in e's text; md gets
 * the Markdown files included (no essays of their own). */
int include_expand(const struct book *b, struct essay *e,
    struct quire_diag *d, struct strv *md);

/* yaml.c */
struct fm_rec *rec_new(struct fm_value *v, int line, int col);
void rec_push(struct fm_rec *r, const char *s, int line, int col);
int yaml_map(struct quire_diag *d, const char *path, int first_line,
    const char *src, size_t len, fm_key_fn fn, void *arg);
int want_string(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, char **dst);
int want_list(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, struct strv *dst);
int want_lang(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, char **dst);

/* front.c */
int unknown_key(struct quire_diag *d, const char *path, struct fm_value *v,
    const char *key, const char *what, const char *const *lists[]);

/* collection.c */
time_t date_epoch(const char *s);
char *make_uuid(const struct book *b);
int load_collection(struct scan *s);
int load_booktoml(struct scan *s);

/* booktoml.cc: book.toml's [book] keys, one call of fn each (value NULL:
 * not a string); -1 with *error (malloc'd) at line:col if not TOML. */
typedef void (*toml_take_fn)(void *arg, const char *key,
    const char *value, int line, int col);
int booktoml_read(const char *text, size_t len, toml_take_fn fn, void *arg,
    char **error, int *line, int *col);
int load_styles(struct book *b, struct quire_diag *d);

/* caps.c */
int is_fence(const char *s, const char *end, const char *mark);
void cap_nesting(struct essay *e, struct quire_diag *d);
void cap_tables(struct essay *e, struct quire_diag *d);

/* xref.c: the cross-reference marks of e's text (e->xmarks). */
void xref_scan(struct essay *e, int shown);

/* summary.c */
int find_summary(struct scan *s);
extern const char *const collection_keys[];

#endif
