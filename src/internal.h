/* internal.h: the book model every stage shares, and the stages' entry
 * points.  One direction: load -> parse -> render -> link -> writers. */
#ifndef QUIRE_INTERNAL_H
#define QUIRE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <pthread.h>

#include <libxml/tree.h>

#include "quire.h"

/* mem.c: allocation aborts on exhaustion, so callers never check. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
/* What to do before the run ends for want of memory (write.c removes its
 * temporary files); async-signal-safe. */
void mem_on_exhaust(void (*)(void));
/* Makes room for element n of array p, doubling when n is a power of two
 * (the capacity is n rounded up to one), so appends cost O(1). */
#define GROW(p, n) do { \
	if (((n) & ((n) - 1)) == 0) \
		(p) = xreallocarray((p), (n) ? (n) * 2 : 1, sizeof(*(p))); \
} while (0)

struct buf {
	char *data;
	size_t len, cap;
};
void buf_grow(struct buf *, size_t);
void buf_put(struct buf *, const void *, size_t);
void buf_puts(struct buf *, const char *);
void buf_putc(struct buf *, char);
void buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
char *buf_take(struct buf *);
void buf_free(struct buf *);

struct strv {
	char **v;
	size_t n;
};
void strv_push(struct strv *, char *);
void strv_free(struct strv *);

/* diag.c: every message of every stage, in one format. */
enum level { L_NOTE, L_WARNING, L_ERROR };
struct loc {
	const char *path;  /* as shown to the user; NULL: no file */
	int line, col;     /* from 1; 0: unknown */
};
int diag(struct quire_diag *, enum level, const struct loc *,
    const char *, ...) __attribute__((format(printf, 4, 5)));
#define diag_error(d, l, ...) diag((d), L_ERROR, (l), __VA_ARGS__)
#define diag_warn(d, l, ...) diag((d), L_WARNING, (l), __VA_ARGS__)
void diag_set_strict(struct quire_diag *, int);
struct spill;
/* From now on the messages' texts go to sp (which d takes over) until
 * they are printed: a big book's are many. */
void diag_spill(struct quire_diag *, struct spill *sp);
/* System failures (I/O) are errors that also make the status 3. */
int diag_syserr(struct quire_diag *, const struct loc *, const char *, ...)
    __attribute__((format(printf, 3, 4)));
/* An error from a failed call: a system error when errno err says the
 * machine ran out of something (descriptors, memory) or failed (I/O). */
int diag_errno(struct quire_diag *, const struct loc *, int err,
    const char *, ...) __attribute__((format(printf, 4, 5)));
int diag_status(const struct quire_diag *);

/* path.c: paths inside the content folder, never outside it. */
char *path_join(const char *, const char *);
/* Resolves rel against the folder of base (both relative to the content
 * root) into a normal relative path; NULL if it leaves the root. */
char *path_resolve(const char *base, const char *rel);
char *path_dirname(const char *);
const char *path_basename(const char *);
int path_has_ext(const char *, const char *);
/* Percent-decodes a URL path; NULL if it decodes to a NUL byte. */
char *url_decode(const char *, size_t);
int url_is_remote(const char *);  /* scheme: or //host */
/* Lowercase ASCII letters, digits, '-' and '_' only; never empty. */
char *safe_name(const char *, const char *fallback);

/* text.c: UTF-8, slugs, dates. */
/* One UTF-8 sequence at s: its length (0 if invalid) and code point. */
size_t utf8_decode(const unsigned char *, size_t, uint32_t *);
size_t utf8_valid_prefix(const unsigned char *, size_t, int *bad_len);
char *xml_clean(const char *, size_t);
char *slug_github(const char *);
int date_valid(const char *);  /* YYYY, YYYY-MM or YYYY-MM-DD */
char *date_human(const char *);
/* SHA-256 through libcrypto: init, update as often as needed, final
 * (which frees the context). */
struct sha256 {
	void *ctx;          /* EVP_MD_CTX * */
};
void sha256_init(struct sha256 *);
void sha256_update(struct sha256 *, const void *, size_t);
void sha256_final(struct sha256 *, unsigned char out[32]);
void sha256(const void *, size_t, unsigned char out[32]);
void sha256_hex(const void *, size_t, char out[65]);
void sha256_cleanup(void);
char *base64(const unsigned char *, size_t);
/* A name-based UUID (RFC 9562 version 8, from SHA-256 of seed), as a
 * urn:uuid: URI: the same seed always gives the same one. */
char *uuid_v8(const char *seed);
char *iso_time(time_t);     /* 2006-01-02T15:04:05Z, in UTC */
int base64_decode(const char *, size_t, unsigned char **, size_t *);
const char *find_bytes(const char *p, const char *end, const char *needle,
    size_t n);
/* Raw deflate, as in zip entries. */
struct spill;
struct packed {
	unsigned char *data;
	size_t zlen, len;   /* deflated and plain sizes */
	unsigned long crc;  /* CRC-32 of the plain bytes */
	struct spill *sp;   /* when data is NULL: the zlen bytes at off in sp */
	uint64_t off;
};
void deflate_raw(const void *, size_t, int level, struct packed *);
void deflate_cleanup(void);
int inflate_raw(const struct packed *, int (*)(void *, const char *, size_t),
    void *);

/* A local image, packed once whatever the number of references. */
/* What tells a file's bytes have changed without reading them: its
 * device, inode, size, and modification and change times (a write sets
 * the change time to the clock's, which no one can set back). */
struct stamp {
	unsigned long long dev, ino;
	long long size, msec, mnsec, csec, cnsec;
};

struct resource {
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

/* A set of strings (ids, URLs already warned about), each with a number
 * for the caller (0 when added). */
struct idset {
	char **slot;
	size_t *val;
	size_t n, cap;
};
int idset_has(const struct idset *, const char *);
int idset_add(struct idset *, const char *);  /* 0 if already there */
uint64_t hash_fnv(const char *);  /* FNV-1a, 64 bits */
/* The set's own copy of s, added if it was not there: it lives as long
 * as the set. */
const char *idset_get(struct idset *, const char *);
size_t *idset_val(const struct idset *, const char *);  /* NULL: absent */
/* Adds base, else base-K with the first free K from first up, and
 * returns what it added.  hint remembers where each base's search
 * stopped, so n equal bases cost O(n), not O(n^2). */
char *idset_unique(struct idset *, struct idset *hint, const char *base,
    size_t first);
void idset_free(struct idset *);

struct heading {
	int level;
	char *id;
	char *text;
};

enum essay_props {
	P_SVG = 1 << 0,     /* inline <svg> */
	P_MATHML = 1 << 1
};

struct part;

/* Something found while rendering an essay that can only be judged once
 * every essay is rendered: a link into another essay's section, or a
 * remote image that is reported once for the whole book. */
struct later {
	char *text;         /* the section id, or the URL */
	char *orig;         /* the reference as written */
	char *href;         /* the href written for it */
	struct essay *target;
	int line, col;
};

struct essay {
	char *rel;          /* path relative to the content root */
	char *path;         /* path as shown in diagnostics */
	char *slug;         /* unique, safe: the file stem in the book */
	char *file;         /* slug.xhtml */
	char *title, *subtitle, *summary, *date, *lang;
	char *dir;          /* front matter's "rtl" or "ltr"; NULL: lang's */
	struct strv authors, tags;
	double order;
	int has_order, draft;
	int empty;          /* nothing after the front matter: left out */
	int part_page;      /* a part's own page (its _index.md) */
	int title_line;     /* where the title came from, for messages */
	char *text;         /* the whole file, UTF-8, LF line ends */
	int reread;         /* text let go after loading: essay_reload() */
	size_t len;
	size_t body;        /* offset of the Markdown after front matter */
	int body_line;      /* line number of that offset */
	void *doc;          /* cmark_node *, owned (parse.c) */
	int plain;          /* no raw HTML: its HTML is read as XML */
	int maybe_math;     /* may have a formula (math_candidate()) */
	xmlDoc *xml;        /* the XHTML document, owned */
	xmlNode *content;   /* the essay's <section> in xml */
	struct heading *heads;
	size_t nheads;
	char *heads_mem;    /* once rendered, their strings (essay_settle) */
	uint64_t *idh;      /* once rendered, its ids hashed, sorted */
	size_t nidh;
	unsigned props;
	size_t nimages, nimages_noalt, nnotes;
	struct idset ids;   /* every id in the document */
	size_t *lines;      /* offsets of line starts, made on demand */
	size_t nlines;
	int hint_block;     /* where the last link of a block was found */
	size_t hint_line, hint_off;
	struct idset guesses;  /* where searches from the top ended (link.c) */
	int col_line, col_byte, col_char;  /* the last column worked out */
	struct later *xlinks;  /* judged by link_check() */
	size_t nxlinks;
	size_t nremote;     /* remote URLs met in it (book.rfirst) */
	struct idset xbad;  /* hrefs into sections found missing */
	struct idset seen;  /* remote URLs met in this essay */
	/* What the writers take from it, made as soon as it is rendered so
	 * that its tree can go at once: */
	struct packed epub;
	struct part *html;  /* its <article> in the archive: nhtml parts */
	size_t nhtml;
	/* For the release ledger (book.ledger_info): */
	unsigned char src_sha[32];  /* of the source file */
	long words;
	/* What a static site generator knows it by (site.c): */
	struct strv urls;   /* url, permalink, aliases of its front matter */
	char *site_slug;    /* slug: the last part of its URL */
	struct strv params; /* its other front-matter values: key, value... */
	struct idset siterefs;  /* targets of {{< ref >}}, {% post_url %} */
	struct strv hids;   /* ids given to headings ({#id}): line, id... */
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
	int part;           /* a part, not an essay (with sub-chapters) */
	struct division *kids;
	size_t nkids;
	/* How it sorts among its siblings while the book loads. */
	double order;
	int has_order;
	const char *date, *key;
};
struct division *division_add(struct division *parent);
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
void division_free(struct division *);
/* The first essay at or under dv, or -1. */
long division_first(const struct division *);

/* A contributor named in collection.yaml, with a MARC relator code. */
struct contributor {
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
	struct strv authors;
	char *isbn;         /* urn:isbn:..., its check digit verified */
	char *license;      /* a URL */
	char *series, *series_pos;
	struct contributor *contribs;
	size_t ncontribs;
	struct strv subjects;
	struct style *styles;  /* the author's stylesheets, in order */
	size_t nstyles;
	int theme_none;     /* theme: none: quire's stylesheets left out */
	char *slug;         /* the output name stem */
	char *uuid;         /* the unique identifier: urn:uuid:..., or the
	                     * URN or URL given as identifier */
	time_t mtime;       /* the build's one timestamp */
	struct essay *essays;
	size_t nessays;
	struct division tree; /* the contents; the root is the book */
	int toc_depth;      /* headings down to this level in the contents */
	struct essay **byrel;  /* essays sorted by path, for link lookups */
	struct resource **res;
	size_t nres;
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
	int threads;        /* threads one big essay may render on (-j) */
	/* Called once, from any thread, when the load stage meets an essay
	 * that may have a formula (math_prestart). */
	void (*math_wanted)(void);
	const char *outdir;   /* where spill files go; NULL: a check */
	struct resource *cover_res;  /* NULL: generated cover */
	int cover_line, cover_col;   /* where collection.yaml names it */
	size_t nimages, nimages_noalt;
	int ledger_info;    /* a release: essays' digests and words wanted */
	struct strv params;  /* collection.yaml's other values: key, value... */
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
void heads_free(struct essay *);
/* Once an essay is rendered and its writers have taken what they need:
 * keeps only what the book needs of it until the end, compactly (the
 * headings in the contents, its ids hashed), so that memory does not
 * grow with the number of essays more than it must. */
void essay_settle(const struct book *, struct essay *);
int essay_has_id(const struct essay *, const char *id);

/* The stages.  Each returns 0, or -1 when it reported an error. */
/* A big book: memory must not grow with it.  Past this many bytes of
 * sources, the load stage lets texts go (read again when rendered) and
 * the writers keep what they make in spill files. */
#define BIG_BOOK ((size_t)16 << 20)
/* Larger files are refused, whoever reads them (files.c). */
#define MAX_FILE (64u << 20)
int load_book(struct book *, const struct quire_options *,
    struct quire_diag *);
/* 1 if text may hold a formula (cheap, rough: may say 1 for none). */
int math_candidate(const char *text, size_t len);
int essay_reload(struct book *, struct essay *, struct quire_diag *);
int essay_front_matter(struct essay *, struct quire_diag *);
int parse_essay(struct essay *, struct quire_diag *);
/* TeX to MathML for the essay's formulas (math.c does the converting). */
int parse_math(struct essay *, struct quire_diag *);
struct segment;
int render_essay_html(struct book *, struct essay *,
    const struct segment *, size_t, struct quire_diag *);
/* blocks.c: figures, alerts and definition lists in a rendered tree. */
/* Figures, alerts (labelled in lang) and definition lists. */
void blocks_essay(xmlNode *box, const char *lang);
void link_prepare(struct book *);
/* Orders essays by file name (book.byfile). */
int cmp_essay_file(const void *, const void *);
int link_essay(struct book *, struct essay *, struct quire_diag *);
size_t link_check(struct book *, struct quire_diag *);
void later_free(struct later *, size_t);
void essay_free_parse(struct essay *);
/* Every essay through parse, render, link and the writers' essay hooks
 * for opt->formats, in parallel; then the links between essays. */
int render_book(struct book *, const struct quire_options *,
    struct quire_diag *);
char *parse_render_html(struct essay *);
/* A run of an essay's top-level blocks as HTML; raw: it holds raw HTML
 * (the HTML5 tree builder reads it), else it is read as XML. */
struct segment {
	char *html;
	int raw;
};
size_t parse_segments(struct essay *, struct segment **);
void parse_cleanup(void);
void cmark_init(void);

/* highlight.c: tokens of a code block in a language (an info string such
 * as "ts" or "bash"), as byte ranges with a stylesheet class, in order
 * and not overlapping.  -1: language unknown, nothing to mark. */
struct hl_span {
	size_t start, end;
	const char *cls;
};
int highlight(const char *lang, const char *code, size_t len,
    struct hl_span **, size_t *);
/* The grammar's name for an info string, or NULL if none. */
const char *highlight_grammar(const char *lang);
/* Highlights every <pre><code class="language-x"> under a node. */
void highlight_tree(xmlNode *);
void highlight_cleanup(void);

/* site.c: what static site generators (Hugo, Jekyll, mdBook) add to
 * Markdown.  The pre-pass rewrites their template syntax in e->text,
 * line for line; the index finds an essay by the URL the site gives it. */
void site_prepass(struct book *, struct essay *, struct quire_diag *);
char *site_smart(const char *);   /* under the cmark-gfm parse lock */
void site_index(struct book *);
void site_index_free(struct book *);
char *site_key(const char *);
struct essay *site_find(const struct book *, const char *path);
struct essay *site_find_stem(const struct book *, const char *name);
int site_is_image(const struct book *, const char *rel);
char *site_static(const struct book *, const char *rel);

/* embed.c: elements a book cannot show (iframes, video, audio, objects,
 * embed scripts) become links to their source; an anchor without href
 * becomes an empty one.  1 when it took the node. */
struct GumboInternalNode;
struct embed_state {
	unsigned warned;    /* kinds already reported in this essay */
	struct idset anchors;  /* ids of empty anchors made */
	int line;
};
int embed_convert(struct essay *, struct quire_diag *, struct embed_state *,
    const struct GumboInternalNode *, xmlNode *parent);

/* Resource lookup shared by load (cover) and link (images). */
struct resource *resource_add(struct book *, const char *rel,
    const struct loc *, struct quire_diag *);
/* An image given as a base64 data: URI, checked as a file is; NULL
 * after a warning. */
struct resource *resource_add_data(struct book *, const char *uri,
    const struct loc *, struct quire_diag *);
/* Reads rel inside the content root; -2 when it does not exist (not
 * reported), -1 after reporting any other failure. */
int read_inside(const struct book *, const char *rel, const struct loc *,
    struct quire_diag *, char **data, size_t *len, time_t *mtime);
const char *sniff_mime(const unsigned char *, size_t);
struct resource *resource_pack(struct book *, const char *src, char *data,
    size_t len, const char *mime, const char *dir, const char *ext,
    const char *idpfx);
const char *resource_uri(struct book *, const char *name);
/* The resource packed as name (not an alias); NULL if none. */
struct resource *resource_find(struct book *, const char *name);
/* A file's stamp, of path (following symbolic links) or of an open fd;
 * -1 if it cannot be had or the file is not a regular one. */
int stamp_path(const char *, struct stamp *);
int stamp_fd(int, struct stamp *);
/* Hands a resource's bytes to out in blocks (base64: as base64, in one
 * line), read again from its file when it has one and checked against
 * the stamp it had when it was checked, or else its size and hash.  0;
 * -1 when out or a read failed (errno set); -2 when the file has
 * changed. */
int resource_emit(const struct resource *, int base64,
    int (*out)(void *, const char *, size_t), void *);
/* The whole bytes of a resource, checked as above (malloc'd); NULL when
 * they could not be read or have changed. */
unsigned char *resource_bytes(const struct resource *);
/* Stored, not deflated, in a zip: the data is compressed already. */
int mime_compressed(const char *mime);

/* sanitize.c: the one allow-list for markup from the content (inline
 * HTML, inline SVG and MathML, SVG image files), and the one judge of the
 * URLs and the CSS in it. */
enum rule_act { R_KEEP, R_RENAME, R_UNWRAP, R_DROP };
struct rule {
	const char *name;
	enum rule_act act;
	const char *to;     /* R_RENAME: the new name */
	const char *attrs;  /* allowed beyond the common ones, space-framed */
};
enum san_ns { SAN_HTML, SAN_SVG, SAN_MATHML };
/* The element's rule; NULL when not listed (HTML: unwrapped; SVG and
 * MathML: dropped with what it holds). */
const struct rule *san_rule(enum san_ns, const char *name);
/* SVG and MathML: a number below san_nattrs() for an allowed attribute
 * (the same for the same name), -1 for any other. */
int san_attr(enum san_ns, const struct rule *, const char *name);
size_t san_nattrs(enum san_ns);
int san_tables_sorted(void);
/* Elements whose text libxml2's HTML serializer writes unescaped. */
int san_raw_text(const char *name);
int san_xml_name(const char *);
enum san_url { URL_BAD, URL_FRAG, URL_LOCAL, URL_REMOTE, URL_DATA };
/* What a URL in href, src or xlink:href is: a fragment, a local path, a
 * web or mail address, a data: URI, or anything else (refused). */
enum san_url san_url(const char *);
/* A CSS value (sheet 0: a style attribute or presentation attribute) or
 * style sheet (1) that fetches nothing and hides nothing: url() only to
 * #id, no escapes, no comments, only known functions and at-rules. */
int san_css_ok(const char *, int sheet);
/* The bytes decode far enough: PNG chunks and CRCs to IEND, JPEG
 * segments to EOI, GIF blocks to the trailer. */
int san_image_ok(const char *mime, const unsigned char *, size_t);
/* An SVG file parsed without DTD, entities or network, its DOCTYPE
 * dropped, kept by the allow-list, serialised again into *out.  -1 if it
 * is not SVG (*why says why); else 0, *why saying what was dropped or
 * NULL. */
int san_svg_file(const unsigned char *, size_t, char **out, size_t *outlen,
    char **why);
/* A base64 data: URI: its bytes and media type (lowercased); -1 if it is
 * not one. */
int data_uri_decode(const char *uri, unsigned char **bytes, size_t *len,
    char **mime);
/* A URL as a message shows it: at most 80 bytes, cut on a character,
 * "..." after a cut.  Returns out. */
const char *clip_url(const char *, char out[96]);

/* xml.c: small helpers over libxml2 trees. */
#define NS_XHTML "http://www.w3.org/1999/xhtml"
#define NS_EPUB "http://www.idpf.org/2007/ops"
#define NS_SVG "http://www.w3.org/2000/svg"
#define NS_MATHML "http://www.w3.org/1998/Math/MathML"
xmlNode *el(xmlNode *parent, const char *name);
xmlNode *el_text(xmlNode *parent, const char *name, const char *text);
void set_attr(xmlNode *, const char *, const char *);
char *get_attr(xmlNode *, const char *);  /* malloc'd or NULL */
int is_el(const xmlNode *, const char *name);
int is_html(const xmlNode *);
int blank_text(const xmlNode *);  /* white space only */
char *node_text(xmlNode *);               /* malloc'd text content */
void set_epub_type(xmlNode *, const char *);
int heading_level(const xmlNode *);        /* 1-6 for h1-h6, else 0 */
void add_text(xmlNode *, const char *);
void add_date(xmlNode *, const char *date, const char *sep);
struct book;
xmlNode *titlepage(xmlNode *, const struct book *);
/* A new document whose root element is root in namespace ns. */
xmlDoc *xml_new(const char *root, const char *ns, xmlNode **rootp);
xmlDoc *xhtml_new(const char *lang, const char *title, const char *css,
    xmlNode **body);
/* Serialises an XML document; fixes empty non-void elements first. */
char *xml_dump(xmlDoc *, size_t *len);
void xhtml_fix_empty(xmlNode *);
#define XML_MARKER "quire:items"
xmlNode *xml_marker(xmlNode *parent);
char *xml_dump_items(xmlDoc *, xmlNode *marker, size_t n,
    xmlNode *(*item)(void *, size_t, xmlNode *), void *arg, size_t *len);
void xml_dump_items_to(xmlDoc *, xmlNode *marker, size_t n,
    xmlNode *(*item)(void *, size_t, xmlNode *), void *, xmlOutputBuffer *);
/* A run of items for xml_dump_runs_to(): several markers in one document. */
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

/* A back end of the book model. */
struct part {
	char *data;
	size_t len;
	struct packed z;    /* when data, sp and res are NULL: the bytes,
	                       deflated */
	const struct resource *res;  /* when set: the base64 of its bytes */
	struct spill *sp;   /* when data is NULL: the len bytes at off in sp */
	uint64_t off;
};
struct out_file {
	char *name;         /* file name inside the output folder */
	struct part *parts; /* its bytes, in order, owned */
	size_t nparts;
	struct spill *own;  /* a spill file of its own (closed with it) */
};
void out_add(struct out_file *, char *data, size_t len);
void out_add_part(struct out_file *, struct part *);
void out_free(struct out_file *);
/* Hands a part's bytes to out in order; -1 when out or a read failed,
 * -2 when a resource's file changed since it was checked. */
int part_emit(const struct part *, int (*out)(void *, const char *,
    size_t), void *);

/* spill.c: an unlinked temporary file in the output folder, which holds
 * what a big book has made until its outputs are written.  spill_put()
 * may be called from every thread at once.  All return 0, or -1 with
 * errno set. */
struct spill *spill_open(const char *dir);  /* NULL with errno */
void spill_close(struct spill *);
int spill_put(struct spill *, const void *, size_t, uint64_t *off);
int spill_pwrite(struct spill *, const void *, size_t, uint64_t off);
int spill_pread(struct spill *, void *, size_t, uint64_t off);
int spill_emit(struct spill *, uint64_t off, uint64_t len,
    int (*out)(void *, const char *, size_t), void *);
/* The first len bytes of the file, mapped read-only, its pages let go
 * again and again while it is open, so that it never counts whole in
 * memory; NULL with errno. */
struct spill_map *spill_map(struct spill *, uint64_t len);
const void *spill_map_data(const struct spill_map *);
void spill_unmap(struct spill_map *);
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

/* release.c: the ledger of the releases in an output folder, what
 * changed between them, and the all-or-nothing switch to a new one. */
#define MAX_RELEASE_FILES 8
struct rel_file {
	char *name, *role, *mime;  /* role: epub, html or cover */
	unsigned long long size;
	char sha[65];
};
struct rel_essay {
	char *title;
	char sha[65];       /* of the source file */
	long words;
};
enum { CH_ADDED, CH_REMOVED, CH_CHANGED };
struct rel_change {
	int kind;
	char *title;
	long words, delta;  /* delta: CH_CHANGED only */
};
struct release {
	char *version, *date, *uuid;  /* date: ISO 8601, UTC */
	char *title, *subtitle, *description, *lang;
	struct strv authors;
	struct rel_file *files;
	size_t nfiles;
	struct rel_essay *essays;
	size_t nessays;
	struct rel_change *changes;  /* from the release before */
	size_t nchanges;
};
struct ledger {
	char *book;         /* the book's urn:uuid */
	struct release *rel;  /* in the order published */
	size_t n;
};
int ledger_read(const char *path, const char *shown, struct ledger *,
    struct quire_diag *);
char *ledger_xml(const struct ledger *, size_t *len);
void ledger_free(struct ledger *);
void release_free(struct release *);
const struct rel_file *release_file(const struct release *,
    const char *role);
int release_name_ok(const char *);
void hex32(const unsigned char[32], char out[65]);
long count_words(xmlNode *);
void release_tidy(const char *dir);
int release_lock(const char *dir, struct quire_diag *);
int release_publish(struct book *, const struct quire_options *,
    struct out_file *, size_t, struct quire_diag *);
int release_working_copy(const struct quire_options *, struct out_file *,
    size_t, struct quire_diag *);
/* page.c, opds.c: the downloads page and the OPDS catalog of a release,
 * written from what release_publish() hands them. */
struct edition {
	const struct ledger *ledger;     /* every release, the new one last */
	const struct out_file *cover_file;
	const char *cover_mime;
	int signing;        /* SHA256SUMS.sig will be made */
};
int page_write(const struct edition *, struct out_file *,
    struct quire_diag *);
int opds_write(const struct edition *, struct out_file *,
    struct quire_diag *);
/* epub.c: the typographic cover drawn when the collection has none. */
char *cover_svg(const struct book *, size_t *len);
/* run.c: runs a program (no shell); in: a file for its standard input
 * or NULL; out, err: its output, when not NULL.  Its exit status, or -1
 * when it could not be run. */
int run_program(const char *const argv[], const char *in, struct buf *out,
    struct buf *err);
/* A size for people: 812 bytes, 3.4 KB, 1.2 MB. */
char *human_size(unsigned long long);
/* One change for people: Added "Title" (1234 words). */
char *change_text(const struct rel_change *);

/* write.c: atomic replacement of outputs. */
int mkdirs(const char *);
/* Writes the n files, then, when sums is not NULL, a file of that name
 * with their SHA-256 digests, in the format of sha256sum -c. */
/* Where write_outputs() tells the bytes written (QUIRE_WRITING). */
void write_progress(void (*)(enum quire_phase, size_t, size_t, void *),
    void *);
int write_outputs(const char *dir, struct out_file *, size_t,
    const char *sums, struct quire_diag *);

/* i18n.c: the words quire writes, in the book's language. */
enum word {
	W_CONTENTS, W_NOTES, W_BACK_TO_TEXT, W_BACK_TO_REF, W_TITLE_PAGE,
	W_COVER, W_COVER_OF, W_LANDMARKS, W_START_OF_CONTENT, W_START,
	W_PAIR, W_LIST_ITEM, W_VERSION, W_SECTION, W_BOUND_BY, W_SERIES,
	W_EDITOR, W_TRANSLATOR, W_ILLUSTRATOR, W_FOREWORD, W_CONTRIBUTOR,
	W_NOTE, W_TIP, W_IMPORTANT, W_WARNING, W_CAUTION,
	W_NWORDS
};
const char *i18n_word(const char *lang, enum word);
/* The word with its "%s" replaced by a, then b. */
char *i18n_fmt(const char *lang, enum word, const char *a, const char *b);
char *i18n_list(const char *lang, const struct strv *);
char *i18n_date(const char *lang, const char *date);
int lang_rtl(const char *lang);
/* The lang of n: its own or its nearest ancestor's; NULL if none. */
const char *node_lang(const xmlNode *);
void i18n_cleanup(void);

/* css.c: the author's stylesheets. */
int css_prepare(struct book *, struct style *, struct quire_diag *);
/* The <link>s of every XHTML document: quire's stylesheet (unless
 * theme: none), then the author's. */
void xhtml_styles(xmlDoc *, const struct book *);

/* assets.c (generated): the default stylesheets. */
extern const unsigned char asset_book_css[];
extern const size_t asset_book_css_len;
extern const unsigned char asset_archive_css[];
extern const size_t asset_archive_css_len;
extern const unsigned char asset_words[];  /* po/, through msgfmt */
extern const size_t asset_words_len;
extern const unsigned char asset_page_css[];
extern const size_t asset_page_css_len;

#endif
