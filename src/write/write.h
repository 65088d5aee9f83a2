/* write.h: the back ends of the book model (the EPUB, the archive) in a
 * table of writers, and the atomic replacement of output files. */
#ifndef QUIRE_WRITE_H
#define QUIRE_WRITE_H

#include "book/book.h"

struct out_file {
	char *name;         /* file name inside the output folder */
	struct part *parts; /* its bytes, in order, owned */
	size_t nparts, cap; /* cap: room in parts */
	struct spill *own;  /* a spill file of its own (closed with it) */
};
void out_add(struct out_file *, char *data, size_t len);
void out_add_part(struct out_file *, struct part *);
void out_reserve(struct out_file *, size_t);  /* room for n more parts */
void out_free(struct out_file *);
/* Hands a part's bytes to out in order; -1 when out or a read failed,
 * Q_CHANGED when a resource's file changed since it was checked. */
int part_emit(const struct part *, int (*out)(void *, const char *,
    size_t), void *);

struct quire_writer {
	const char *name;
	unsigned format;
	const char *ext;
	/* On the thread that rendered the essay, in table order: what the
	 * writer needs of it, before its tree is freed. */
	int (*essay)(struct book *, struct essay *, struct quire_diag *);
	/* Once every essay is done: the file. */
	int (*write)(struct book *, struct out_file *, struct quire_diag *);
};
/* writers.c: the table.  NWRITERS rows, in the order of their files. */
#define NWRITERS 2
/* Each wanted writer's essay hook, in table order. */
void writers_essay(struct book *, struct essay *, unsigned formats,
    struct quire_diag *);
/* The files of the wanted formats into out (NWRITERS at most), in table
 * order, each writer on its own thread; how many, or 0 after an error. */
size_t write_all_formats(struct book *, unsigned formats,
    struct out_file *out, struct quire_diag *);
int epub_write(struct book *, struct out_file *, struct quire_diag *);
int html_write(struct book *, struct out_file *, struct quire_diag *);
/* The EPUB's XHTML file, deflated; then the archive's article, which
 * takes the tree apart. */
int epub_essay(struct book *, struct essay *, struct quire_diag *);
int html_essay(struct book *, struct essay *, struct quire_diag *);

/* index.c: the book's index, from every essay's marks; NULL when the
 * book has none.  Its name (index, unless an essay is called so) is the
 * EPUB file's stem and the archive section's id; the section is the
 * EPUB's (EPUB Indexes 1.0) or, archive set, the archive's. */
struct bindex;
struct bindex *bindex_make(const struct book *);
void bindex_free(struct bindex *);
const char *bindex_name(const struct bindex *);
extern const char bindex_css[];  /* with quire's stylesheets */
xmlNode *bindex_section(xmlNode *parent, const struct book *,
    const struct bindex *, int archive);

/* write.c: atomic replacement of outputs. */
/* Writes the n files, then, when sums is not NULL, a file of that name
 * with their SHA-256 digests, in the format of sha256sum -c. */
/* Where write_outputs() tells the bytes written (QUIRE_WRITING). */
void write_progress(void (*)(enum quire_phase, size_t, size_t, void *),
    void *);
int write_outputs(const char *dir, struct out_file *, size_t,
    const char *sums, struct quire_diag *);

/* items.c: documents written a run of items at a time. */
#define XML_MARKER "quire:items"
xmlNode *xml_marker(xmlNode *parent);
/* A run of items for xml_dump_runs_to(): the items of each marker of one
 * document, made and written one at a time. */
struct xml_run {
	xmlNode *marker;
	size_t n;
	xmlNode *(*item)(void *, size_t, xmlNode *);
	void *arg;
};
void xml_dump_runs_to(xmlDoc *, const struct xml_run *, size_t nruns,
    xmlOutputBuffer *);
char *xml_dump_runs(xmlDoc *, const struct xml_run *, size_t nruns,
    size_t *len);

/* contents.c: what a table of contents is made of, for contents_walk(). */
struct contents_ops {
	/* The entry of essay e (h NULL) or of its section h, under parent. */
	xmlNode *(*entry)(void *, xmlNode *parent, const struct essay *e,
	    const struct heading *h);
	/* The entry of a part without a page of its own. */
	xmlNode *(*part)(void *, xmlNode *parent, const struct division *);
	/* Where an entry's children go: a list in it, or the entry. */
	xmlNode *(*under)(xmlNode *entry);
	/* When not NULL: told of each division's entry once it is made. */
	void (*made)(void *, xmlNode *entry, const struct division *);
};
xmlNode *contents_item(xmlNode *ol, const char *href, const char *text);
/* An essay's title in the contents, its number first when it has one
 * (number_sections); malloc'd. */
char *contents_title(const struct essay *);
/* An essay's headings in the contents: its own, or a big book's read
 * back from the spill file into *mem (the caller frees both when *mem is
 * set: the array, then *mem).  NULL with 0 when they cannot be read. */
struct heading *contents_heads(const struct book *, const struct essay *,
    size_t *n, char **mem);
/* The entries of dv and of what it holds, depth first, under parent. */
void contents_walk(const struct book *, const struct division *,
    xmlNode *parent, const struct contents_ops *, void *);
/* An essay's sections in the contents: each heading nests under the last
 * shallower one listed before it. */
struct toc_stack {
	int level[8];
	void *node[8];
	size_t n;
};
/* Where an entry for a heading of level lv goes: under the last
 * shallower heading's, else under top; NULL: deeper than depth. */
void *toc_nest(struct toc_stack *, int lv, int depth, void *top);
void toc_push(struct toc_stack *, int lv, void *node);

/* assets.c (generated): the default stylesheets. */
extern const unsigned char asset_book_css[];
extern const size_t asset_book_css_len;
extern const unsigned char asset_archive_css[];
extern const size_t asset_archive_css_len;

#endif
