/* base.h: the layer that knows no book.  Memory, buffers, diagnostics,
 * paths, text (UTF-8, slugs, dates, hashes, base64), deflate, string
 * sets, the one sanitiser's allow-lists, XML helpers, spill files, child
 * processes, the words of the message catalogues.  Calls nothing above
 * it. */
#ifndef QUIRE_BASE_H
#define QUIRE_BASE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
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
char *dec_digits(char *end, long long v);  /* written back from end */
/* Run before the run ends for want of memory; async-signal-safe. */
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

/* What a call returns besides 0 and -1 (an error, reported or with
 * errno set), each with one meaning wherever it is used: */
#define Q_ABSENT (-2)   /* what was asked for does not exist: not reported */
#define Q_CHANGED (-3)  /* a file changed since it was checked */

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
/* A message said once for the whole run under key, at the earliest of
 * the places it is offered at (path, line, column), whichever thread
 * offers them first. */
int diag_once(struct quire_diag *, const char *key, enum level,
    const struct loc *, const char *, ...)
    __attribute__((format(printf, 5, 6)));
void diag_set_strict(struct quire_diag *, int);
/* Includes: from line `line` of file (by address) on, path's from `from`. */
void diag_map_line(struct quire_diag *, const char *, int, const char *, int);
struct spill;
/* A big book's many messages wait in spill files (d's; NULL: memory). */
void diag_spill(struct quire_diag *, struct spill *texts, struct spill *msgs);
/* System failures (I/O) are errors that also make the status 3. */
int diag_syserr(struct quire_diag *, const struct loc *, const char *, ...)
    __attribute__((format(printf, 3, 4)));
/* A failed call: a system error if errno err says out of resources or I/O. */
int diag_errno(struct quire_diag *, const struct loc *, int err,
    const char *, ...) __attribute__((format(printf, 4, 5)));
int diag_status(const struct quire_diag *);
/* While set, this thread's messages are also copied to t (returns the one
 * set before); replayed later into d, path by the address given. */
struct diag_tape *diag_tape_new(void), *diag_tape_set(struct diag_tape *);
void diag_tape_free(struct diag_tape *);
int diag_tape_errors(const struct diag_tape *);
size_t diag_tape_bytes(const struct diag_tape *);
void diag_tape_replay(struct quire_diag *, const struct diag_tape *, const char *);

/* path.c: paths inside the content folder, never outside it. */
char *path_join(const char *, const char *);
/* Resolves rel against the folder of base (both relative to the content
 * root) into a normal relative path; NULL if it leaves the root. */
char *path_resolve(const char *base, const char *rel);
char *path_dirname(const char *);
const char *path_basename(const char *);
int path_has_ext(const char *, const char *);
char *url_decode(const char *, size_t);  /* NULL: it decodes to a NUL */
int url_is_remote(const char *);  /* scheme: or //host */
char *safe_name(const char *, const char *fallback);  /* [a-z0-9_-]+ */

/* text.c: UTF-8 (a sequence's length, 0: invalid), slugs, dates. */
size_t utf8_decode(const unsigned char *, size_t, uint32_t *);
size_t xml_clean_span(const char *, size_t);  /* what xml_clean keeps */
char *xml_clean(const char *, size_t);
char *slug_github(const char *);
int date_valid(const char *);  /* YYYY, YYYY-MM or YYYY-MM-DD */
char *date_human(const char *);
/* SHA-256 (libcrypto): init, update, final (which frees the context). */
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
struct packed {
	unsigned char *data;
	size_t zlen, len;   /* deflated and plain sizes */
	unsigned long crc;  /* CRC-32 of the plain bytes (given, or taken) */
	struct spill *sp;   /* when data is NULL: the zlen bytes at off in sp */
	uint64_t off;
};
void deflate_raw(const void *, size_t, int, const uint32_t *, struct packed *);
void deflate_cleanup(void);
int inflate_raw(const struct packed *, int (*)(void *, const char *, size_t),
    void *);

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
uint64_t hash_fnv_n(const void *, size_t);
/* The set's own copy of s (added if absent), alive as long as the set. */
const char *idset_get(struct idset *, const char *);
size_t *idset_val(const struct idset *, const char *);  /* NULL: absent */
/* Adds base, else base-K with the first free K from first up, and
 * returns what it added.  hint remembers where each base's search
 * stopped, so n equal bases cost O(n), not O(n^2). */
char *idset_unique(struct idset *, struct idset *hint, const char *base,
    size_t first);
void idset_free(struct idset *);

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
/* 1 for an attribute whose value is words for people (aria-*, role). */
int san_text_attr(const char *name);
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
/* What a file is, by its first bytes: an image type or NULL. */
const char *sniff_mime(const unsigned char *, size_t);
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
const xmlAttr *attr_named(const xmlNode *, const char *);  /* of no ns */
const char *attr_text(const xmlAttr *, char **copy);  /* in place, or *copy */
int is_el(const xmlNode *, const char *name);
int is_html(const xmlNode *);
int blank_text(const xmlNode *);  /* white space only */
char *node_text(xmlNode *);               /* malloc'd text content */
void set_epub_type(xmlNode *, const char *);
int heading_level(const xmlNode *);        /* 1-6 for h1-h6, else 0 */
void add_text(xmlNode *, const char *);
void add_date(xmlNode *, const char *date, const char *sep);
void xhtml_meta(xmlNode *head, const char *k, const char *kv,
    const char *content);
/* A new document whose root element is root in namespace ns. */
xmlDoc *xml_new(const char *root, const char *ns, xmlNode **rootp);
xmlDoc *xhtml_new(const char *lang, const char *title, const char *css,
    xmlNode **body);
/* serial.c, as libxml2 2.9 writes them: an XML document (empty elements
 * fixed first); an element of an HTML or an XML one (-1: left to libxml2). */
char *xml_dump(xmlDoc *, size_t *len);
void html_serialise(struct buf *, const xmlNode *);
int xml_serialise(struct buf *, const xmlNode *);
void xhtml_fix_empty(xmlNode *);

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
long count_words(xmlNode *);
/* run.c: runs a program (no shell); in: a file for its standard input
 * or NULL; out, err: its output, when not NULL.  Its exit status, or -1
 * when it could not be run. */
int run_program(const char *const argv[], const char *in, struct buf *out,
    struct buf *err);
/* i18n.c: the words quire writes, in the book's language. */
enum word {
	W_CONTENTS, W_NOTES, W_BACK_TO_TEXT, W_BACK_TO_REF, W_TITLE_PAGE,
	W_COVER, W_COVER_OF, W_LANDMARKS, W_START_OF_CONTENT, W_START,
	W_PAIR, W_LIST_ITEM, W_VERSION, W_SECTION, W_BOUND_BY, W_SERIES,
	W_EDITOR, W_TRANSLATOR, W_ILLUSTRATOR, W_FOREWORD, W_CONTRIBUTOR,
	W_NOTE, W_TIP, W_IMPORTANT, W_WARNING, W_CAUTION, W_INDEX,
	W_FIGURE, W_TABLE, W_LISTING, W_EQUATION,  /* crossref: "Figure %s" */
	W_REFERENCES,
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

/* assets.c (generated): the words of po/, through msgfmt. */
extern const unsigned char asset_words[];
extern const size_t asset_words_len;
/* Makes dir and its parents (mode 0777 less the umask); 0 or -1. */
int mkdirs(const char *);

#endif
