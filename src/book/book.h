/* book.h: the book model every stage shares (the book, its essays, parts
 * and resources), the one reader of the content folder's files, and the
 * XHTML pieces every writer shares (stylesheet links, title page, cover).
 * Fields of struct essay are grouped by the stage that writes them. */
#ifndef QUIRE_BOOK_H
#define QUIRE_BOOK_H
#include <stdatomic.h>

#include "base/base.h"

/* What tells a file's bytes have changed without reading them: device,
 * inode, size, modification and change times (no one sets ctime back). */
struct stamp {
	unsigned long long dev, ino;
	long long size, msec, mnsec, csec, cnsec;
};

struct resource {    /* a local image, packed once */
	char *src;          /* path relative to the content root */
	char *name;         /* path inside the book: images/x.png */
	char *id;           /* manifest id */
	const char *mime;
	unsigned char *data;  /* its bytes when kept (SVG, data: URIs, fonts);
	                       * NULL: read again from file when written */
	size_t len;
	unsigned char hash[32];
	char *file;         /* a raster image's file, its resolved path */
	struct stamp stamp; /* that file's, when its bytes were read */
	int stamped;        /* stamp is known: no need to hash them again */
	struct resource *same;  /* an alias of this one (same bytes) */
	char *uri;          /* its data: URI, made once for the archive */
};

struct heading { int level; char *id; char *text; };
/* A crossref mark (read/xref.c): a heading, or a labelled figure, table,
 * listing or equation; kind "fig", "tbl", "lst", "eq" or "h1".."h6". */
struct xmark { int line; char kind[4]; char *label, *text, *num; };

enum essay_props { P_SVG = 1 << 0, P_MATHML = 1 << 1 };  /* <svg>, <math> */

/* Found while rendering an essay, judged once every essay is rendered: a
 * link into another essay's section, or a remote image (told once). */
struct later {
	char *text, *orig;  /* the section id, or the URL; as written */
	char *href;         /* the href written for it */
	struct essay *target;
	int line, col;
};

/* A piece of an output file, as the writers make it of an essay. */
struct part {
	char *data;         /* its bytes; deflated when zlen is not 0 */
	size_t len;         /* the bytes it writes */
	size_t zlen;        /* data is deflate_raw()'s: zlen bytes */
	const struct resource *res;  /* when set: the base64 of its bytes */
	struct spill *sp;   /* when data is NULL: the len bytes at off in sp */
	uint64_t off;
};

/* What a static site generator knows an essay by: made when first written
 * (essay_site()); most essays have none, so read it with ESITE(e). */
struct essay_site {
	struct strv urls;   /* url, permalink, aliases of its front matter */
	char *site_slug, *label;  /* its URL's last part; its SUMMARY.md name */
	struct strv params, cascade;  /* front-matter values, Hugo's cascade */
	struct idset siterefs;  /* targets of {{< ref >}}, {% post_url %} */
	struct strv hids;   /* ids given to headings ({#id}): line, id... */
	struct strv index;  /* front matter's index: terms for the essay */
};
extern const struct essay_site essay_site_none;  /* all empty */
#define ESITE(e) ((e)->site ? (e)->site : &essay_site_none)

/* Front matter few essays have: made when first written (essay_more()),
 * read with EMORE(e).  dir: "rtl" or "ltr"; NULL: lang's. */
struct essay_more {
	char *subtitle, *summary, *dir;
	struct strv authors, tags, cite;  /* cite: bibliography:, csl: */
};
extern const struct essay_more essay_more_none;  /* all empty */
#define EMORE(e) ((e)->more ? (e)->more : &essay_more_none)
#define ECITE(b, i) (&EMORE(&(b)->essays[i])->cite)  /* essay i's cite */

/* What an essay holds only while it is rendered (render/). */
struct essay_work {
	void *doc;          /* cmark_node *, owned (parse.c) */
	int plain;          /* no raw HTML: its HTML is read as XML */
	xmlDoc *xml;        /* the XHTML document, owned */
	xmlNode *content;   /* the essay's <section> in xml */
	struct idset ids, seen;  /* every id in it; remote URLs met in it */
	struct locator *locator;  /* link.c's: link_forget() frees it */
};

struct essay {
	/* read/: the source, its front matter, its place in the book. */
	char *rel, *path;   /* rel: path's tail, relative to the content root */
	char *slug, *file;  /* unique, safe: the book's file stem; .xhtml */
	char *title, *date, *lang;
	struct essay_more *more;  /* NULL: none (EMORE) */
	double order;
	char *text;         /* the whole file, UTF-8, LF line ends */
	size_t len;
	size_t body;        /* offset of the Markdown after front matter */
	int body_line, title_line;  /* that offset's line; the title's */
	struct essay_site *site;  /* read/site.c's; NULL: none (ESITE) */
	struct xmark *xmarks;  /* in line order: nxmarks */
	char *num;          /* its chapter's number or letter, or NULL */
	/* A byte each.  role: in essay_roles[]; numbered: number_sections,
	 * 1 false, 2 true, 0 unsaid; empty: no body (left out); part_page: a
	 * part's _index.md; reread: text let go after loading (essay_reload);
	 * maybe_math: may have a formula (math_candidate()). */
	unsigned char has_order, draft, included, role, numbered, empty,
	    part_page, reread, maybe_math;
	uint32_t words;     /* publish/: for the release ledger */
	/* render/: essay_work() while it is rendered; NULL once settled. */
	struct essay_work *w;
	unsigned props, nimages, nimages_noalt, nnotes;
	/* render/: kept to the end, for the contents and link_check(). */
	uint32_t nxmarks, nheads, nidh, nhtml;
	struct heading *heads;
	char *heads_mem;    /* once rendered, their strings (essay_settle) */
	size_t heads_len; uint64_t heads_off;  /* a big book's: spilled */
	uint64_t *idh;      /* once rendered, its ids hashed, sorted: nidh */
	struct later *xlinks;  /* judged by link_check() */
	uint32_t nxlinks, nremote;  /* nremote: remote URLs met (rfirst) */
	struct idset *xbad;  /* hrefs into sections found missing, or NULL */
	struct strv marks;  /* index marks: term, subterm, subsubterm, id... */
	/* write/: what the writers take from it, made as soon as it is
	 * rendered so that its tree can go at once. */
	struct packed epub;
	struct part *html;  /* its <article> in the archive: nhtml parts */
	/* Of the source file: for the ledger, and to read it again. */
	unsigned char src_sha[32];
};

/* The book's contents as a tree: parts (folders, or the parts of
 * SUMMARY.md) holding essays and parts, in reading order.  The essays
 * themselves are in book.essays in the same order, depth first: a part's
 * page, then what the part holds. */
struct division {
	char *title;        /* a part's (or a draft chapter's) title */
	char *rel;          /* the folder it came from, or NULL */
	long essay;         /* index in book.essays: the essay, or a part's
	                     * own page; -1: none */
	int part, indexed;  /* a part, not an essay; one with an _index.md */
	struct division *kids;
	size_t nkids;
};
struct division *division_add(struct division *parent);
void division_free(struct division *);
/* The first essay at or under dv, or -1. */
long division_first(const struct division *);

struct contributor {  /* in collection.yaml, with a MARC relator code */
	char *name;
	const char *role;   /* "edt", "trl"...; NULL: none given or known */
};

/* An author's stylesheet: read by load, its url()s resolved by css.c. */
struct style {
	char *rel;          /* relative to the content root */
	char *path;         /* as shown in diagnostics */
	int line, col;      /* where collection.yaml names it */
	char *text;         /* as read */
	size_t len;
	char *name;         /* its file in the EPUB: style-1.css */
	char *epub, *html;  /* rewritten for each writer */
};

struct book {
	char *root;         /* the content folder as given */
	char *root_real;    /* its resolved path: nothing is read outside */
	char *title, *subtitle, *description, *lang, *identifier;
	char *publisher, *rights, *version, *date, *cover;
	struct strv authors, cite;  /* cite: bibliography:, csl:... */
	char *isbn;         /* urn:isbn:..., its check digit verified */
	char *license;      /* a URL */
	char *series, *series_pos;
	struct contributor *contribs;
	size_t ncontribs;
	struct strv subjects;
	struct style *styles;  /* the author's stylesheets, in order */
	size_t nstyles;
	int theme_none;     /* theme: none: quire's stylesheets left out */
	int math_svg;       /* math: svg: formulas drawn as SVG */
	char *math_macros;  /* math_macros: a JSON object, name to TeX */
	char *slug;         /* the output name stem */
	char *uuid;         /* the unique identifier: urn:uuid:..., or the
	                     * URN or URL given as identifier */
	time_t mtime;       /* the build's one timestamp */
	struct essay *essays;
	size_t nessays;
	struct division tree; /* the contents; the root is the book */
	int toc_depth;      /* headings down to this level in the contents */
	struct essay **byrel;  /* essays sorted by path, for link lookups */
	struct resource **res;  /* res_ix: by src, name, hash (registry.c) */
	size_t nres; struct idset res_ix[3];
	/* Remote images: where the book first has each URL, its essay and
	 * its place among that essay's remote URLs (told by link_check()). */
	struct idset remote;  /* URL: index in rfirst, plus one */
	struct remote_first {
		const char *url;  /* remote's own copy */
		size_t essay, seq;
		int line, col;
	} *rfirst;
	size_t nrfirst;
	pthread_mutex_t lock;  /* res, while essays render in parallel */
	struct essay **byfile; /* essays sorted by file name */
	size_t big;         /* sources past this many bytes make a book big
	                       (BIG_BOOK, or QUIRE_TEST_SQUEEZE for tests) */
	int squeeze;        /* a big book: archive articles kept deflated */
	struct spill *spill;  /* a big book's essays, once made (spill.c) */
	_Atomic int heads_err;  /* errno: headings not read back from spill */
	int threads;        /* threads one big essay may render on (-j) */
	void (*math_wanted)(void);  /* once: an essay may have a formula */
	const char *outdir;   /* where spill files go; NULL: a check */
	struct resource *cover_res;  /* NULL: generated cover */
	int cover_line, cover_col;   /* where collection.yaml names it */
	size_t nimages, nimages_noalt;
	int ledger_info;    /* a release: essays' digests, words wanted */
	int number_sections, crossref_chapters;  /* collection.yaml's */
	struct idset xlabels;  /* crossref labels: their essay's index */
	/* collection.yaml's params: and site: (key, value...); the folders
	 * with a cascade (folder, then "key\0value\0...\0"...). */
	struct strv params, sitevars, cascades;
	struct site_url *site;  /* the essays by site URL, sorted (site.c) */
	size_t nsite;
};

/* An essay as a static site generator serves it (site.c's index). */
struct site_url {
	char *key;
	struct essay *e;
	size_t order;       /* essays earlier in the book win a tie */
};

/* model.c: the book model's constructors and destructors. */
void book_init(struct book *);
void book_free(struct book *);
void essay_free(struct essay *);
struct essay_site *essay_site(struct essay *);  /* made if NULL */
struct essay_more *essay_more(struct essay *);  /* made if NULL */
void essay_set_path(struct essay *, const char *root, const char *rel);
struct essay_work *essay_work(struct essay *);  /* made if NULL */
void essay_work_free(struct essay *); void heads_free(struct essay *);
void xmarks_free(struct essay *);  /* essay_work_free: after link_forget */
extern const char *const essay_roles[]; enum { ROLE_BACK = 7 };  /* model.c */
/* Once an essay is rendered and its writers have what they need: keeps
 * only what the book needs of it to the end, compactly (the headings in
 * the contents, its ids hashed), so memory grows little with essays. */
void essay_settle(const struct book *, struct essay *);
int essay_has_id(const struct essay *, const char *id);
int cmp_essay_file(const void *, const void *);  /* by file (byfile) */
/* A big book: past this many bytes of sources, the load stage lets texts
 * go (read again when rendered), the writers spill what they make. */
#define BIG_BOOK ((size_t)16 << 20)
/* Larger files are refused, whoever reads them (files.c). */
#define MAX_FILE (64u << 20)
void later_free(struct later *, size_t); void essay_free_parse(struct essay *);
void site_index_free(struct book *);
/* Resource lookup shared by load (cover) and link (images). */
struct resource *resource_add(struct book *, const char *rel,
    const struct loc *, struct quire_diag *);
/* A base64 data: URI image, checked as a file is; NULL after a warning. */
struct resource *resource_add_data(struct book *, const char *uri,
    const struct loc *, struct quire_diag *);
/* Reads rel inside the content root; Q_ABSENT when it does not exist (not
 * reported), -1 after reporting any other failure. */
int read_inside(const struct book *, const char *rel, const struct loc *,
    struct quire_diag *, char **data, size_t *len, time_t *mtime);
struct resource *resource_pack(struct book *, const char *src, char *data,
    size_t len, const char *mime, const char *dir, const char *ext,
    const char *idpfx);
const char *resource_uri(struct book *, const char *name);
/* The resource packed as name (not an alias); NULL if none. */
struct resource *resource_find(struct book *, const char *name);
/* A file's stamp, of path (following symbolic links) or of an open fd;
 * -1 if it cannot be had or the file is not a regular one. */
int stamp_path(const char *, struct stamp *); int stamp_fd(int, struct stamp *);
/* Hands a resource's bytes to out in blocks (base64: as base64, in one
 * line), read again from its file when it has one and checked against
 * the stamp it had when it was checked, or else its size and hash.  0;
 * -1 when out or a read failed (errno set); Q_CHANGED if the file changed. */
int resource_emit(const struct resource *, int base64,
    int (*out)(void *, const char *, size_t), void *);
/* A resource's bytes, checked as above (malloc'd); NULL: unread, changed. */
unsigned char *resource_bytes(const struct resource *);
/* Stored, not deflated, in a zip: the data is compressed already. */
int mime_compressed(const char *mime);
xmlNode *titlepage(xmlNode *, const struct book *);
/* The typographic SVG cover; an SVG cover as PNG (*png NULL: raster),
 * drawn once for cover_keep()'s book (cover_ahead(): now) till
 * cover_stop(); the last kept for the next build by cover_memo(1). */
char *cover_svg(const struct book *, size_t *len);
int cover_raster(const struct book *, struct quire_diag *, char **, size_t *);
void cover_memo(int), cover_keep(const struct book *),
    cover_ahead(const struct book *), cover_stop(void);
/* Each XHTML document's <link>s: quire's (but theme: none), the author's. */
void xhtml_styles(xmlDoc *, const struct book *);

#endif
