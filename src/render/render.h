/* render.h: one essay at a time, Markdown to an XHTML tree: cmark-gfm,
 * raw HTML through the HTML5 tree builder, figures and callouts,
 * highlighting, math, embeds, then ids, links, notes and images. */
#ifndef QUIRE_RENDER_H
#define QUIRE_RENDER_H

#include <sys/types.h>

#include "read/read.h"

int parse_essay(struct essay *, struct quire_diag *);
/* TeX to MathML for the essay's formulas (math.c does the converting). */
int parse_math(struct essay *, struct quire_diag *);
struct segment;
/* Takes the segments' trees (segment.tree). */
int render_essay_html(struct book *, struct essay *,
    struct segment *, size_t, struct quire_diag *);
/* cmark-gfm's HTML for a plain run read as XML (NULL: libxml2 does not
 * take it, or the HTML5 tree builder would read it otherwise). */
xmlDoc *render_read_xml(const char *html);
/* Code points the HTML5 tokenizer replaces with U+FFFD (controls,
 * noncharacters) but XML keeps. */
int html5_replaces(uint32_t c);
/* blocks.c: figures, alerts and definition lists in a rendered tree. */
/* Figures, alerts (labelled in lang) and definition lists. */
void blocks_essay(xmlNode *box, const char *lang);
/* index.c: index marks, ((term)) and (((term, sub))), made anchors
 * in the tree under box and listed in essay.marks. */
void index_marks(struct essay *, xmlNode *box);
void link_prepare(struct book *);
int link_essay(struct book *, struct essay *, struct quire_diag *);
/* Lets go of what finding the essay's nodes in its source took. */
void link_forget(struct essay *);
size_t link_check(struct book *, struct quire_diag *);
/* What rendering an essay does to the book beyond the essay (images
 * registered or refused, remote URLs met), taped while a tape is set on
 * the thread, for a warm process to do again without rendering it:
 * link_tape_replay() is -1 when an image is no longer what it was. */
struct link_tape {
	struct taped_link {
		enum { TAPED_FILE, TAPED_DATA, TAPED_REMOTE } kind;
		char *s;            /* its path, the URI or the URL */
		char *name;         /* the resource's name; NULL: refused */
		int line, col;
	} *v;
	size_t n;
};
struct link_tape *link_tape_set(struct link_tape *);
void link_tape_free(struct link_tape *);
size_t link_tape_bytes(const struct link_tape *);
int link_tape_replay(struct book *, struct essay *, const struct link_tape *);
/* crossref.c: the book's numbers (chapters, sections, labelled figures,
 * tables, listings, equations), before any essay renders; then, in each
 * essay's tree, numbers shown and references made links. */
void xref_number(struct book *, struct quire_diag *);
void xref_essay(struct book *, struct essay *, struct quire_diag *);
/* Where needle is in the source near n (link.c). */
struct loc xref_locate(struct essay *, xmlNode *, const char *needle);
char *parse_render_html(struct essay *);
/* A run of an essay's top-level blocks as HTML; raw: it holds raw HTML
 * (the HTML5 tree builder reads it), else it is read as XML.  Or, for
 * a plain run, its tree made straight from cmark-gfm's nodes (html
 * NULL): what reading its HTML as XML gives, under a <body>. */
struct segment {
	char *html;
	int raw;
	xmlNode *tree;
};
/* direct.c: that tree for nodes v[0..n-1] (top-level blocks or a
 * document); NULL when it cannot be made exactly. */
xmlNode *direct_tree(void *const *v, size_t n);
size_t parse_segments(struct essay *, struct segment **);
void parse_cleanup(void);
void *parse_cite_doc(struct essay *);
void *parse_new_node(int type);
/* cite.c: citations rendered by citeproc-js.  cite_book, before the
 * essays render: every citation of the book at once, in book order;
 * cite_essay, as each is parsed: its citations and bibliography put in. */
int cite_book(struct book *, pthread_mutex_t *cmark, struct quire_diag *);
void cite_essay(struct essay *, void *doc);
/* What cite_essay puts in an essay, into h (a warm process's key). */
void cite_digest(const struct essay *, struct sha256 *h);
void cite_free(void);
/* The bibliography's section named for what it is (epub:type, role). */
void cite_sections(xmlNode *);
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
/* The grammar's name for an info string, or NULL if none; the form of
 * its query that compiled (0: as quire rewrites it), -1 if none did. */
const char *highlight_grammar(const char *lang);
int highlight_query_form(const char *lang);
/* Highlights every <pre><code class="language-x"> under a node. */
void highlight_tree(xmlNode *);
void highlight_cleanup(void);
/* on: from this build on, each block's tokens are kept for the next
 * build (a warm process); off: none kept.  Called as each build starts. */
void highlight_memo(int on);
/* listing.c: a fenced code block's XHTML when its info string asks for
 * more than a language (or rustdoc hides lines of it), else NULL; after
 * highlighting, numbered lines and diff lines made a span each. */
char *listing_markup(const char *info, const char *code,
    const char *sourcepos);
void listing_lines(xmlNode *);
/* The language of a fenced code block's info string (NULL: none), its
 * caption or title (*label) and, when id is not NULL, its id (*id; NULL:
 * none); caller frees them. */
char *listing_lang(const char *info, char **label, char **id);

/* diagram.c: a ```dot fence's source drawn to SVG by Graphviz, under a
 * lock of its own (safe from any thread).  0: *out is one <svg> element
 * named by label (role="img"), its ids prefixed with prefix; -1: *why
 * says why not (Graphviz's message, a graph too big, a file named).
 * Caller frees. */
#define DIAGRAM_MAX_NODES 150
#define DIAGRAM_MAX_EDGES 300
int diagram_svg(const char *src, const char *label, const char *prefix,
    char **out, char **why);
void diagram_cleanup(void);

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

/* coproc.c: a node co-process of tools/ (math.c, cite.c).  A request is
 * a header line and the bytes it counts; an answer "ok N" or "err N"
 * and N bytes; every wait bounded by a time on mono_ms()'s clock. */
struct coproc {
	pid_t pid;
	int fd;
	char *in;           /* bytes read beyond the last answer */
	size_t inlen, incap;
};
enum { COPROC_OK = 0, COPROC_ERR = 1, COPROC_GONE = -1, COPROC_LATE = -2,
    COPROC_LARGE = -3 };
long long mono_ms(void);
/* The script: the environment variable env when set; else file in the
 * data folder beside the binary (an installed quire); else built. */
const char *coproc_script(const char *env, const char *file,
    const char *built, char *buf, size_t size);
/* Starts node on script, its heap limited to heap_mb; -1, errno set. */
int coproc_spawn(struct coproc *, const char *script, int heap_mb);
/* Its input closed; with grace_ms, SIGTERM and that long to leave;
 * then SIGKILL. */
void coproc_reap(struct coproc *, int grace_ms);
/* A line read: its length, the newline left; -1 gone or past max
 * bytes, -2 at the time until.  Then consume() drops n bytes read. */
ssize_t coproc_line(struct coproc *, long long until, size_t max);
void coproc_consume(struct coproc *, size_t n);
/* Sends head and data; COPROC_OK or COPROC_ERR with *out (its *outlen
 * bytes, malloc'd) the answer; else no answer (*outlen: its size when
 * COPROC_LARGE, past max). */
int coproc_request(struct coproc *, const char *head, const char *data,
    size_t len, long long until, size_t max, char **out, size_t *outlen);

/* math.c: TeX to MathML or SVG through a converter that can be swapped. */
enum { MATH_NONE = -1, MATH_OK = 0, MATH_BAD = 1 };

/* Converts one formula; safe from any thread.  MATH_OK: *out is one
 * <math> element with the TeX as its alttext (or, in SVG mode, one
 * <svg> named by it); MATH_BAD: *out says why not (the TeX, or a
 * converter that failed or was too slow on it); MATH_NONE: no converter
 * (*out is NULL).  Caller frees *out. */
int math_convert(const char *tex, size_t len, int display, char **out);
/* Why there is no converter, in *why (caller frees); 1 the first time
 * it is asked during a build, so it is reported once. */
int math_missing(char **why);
/* Starts the converter now, in the background, so that the first
 * formula does not wait for node to load KaTeX; safe from any thread.
 * math_ready(): 0 while it loads (a formula would wait), else 1. */
void math_prestart(void);
int math_ready(void);
/* For the build about to run: SVG instead of MathML, and the book's
 * macros as a JSON object (NULL: none).  Before the first formula. */
void math_configure(int svg, const char *macros_json);
int math_is_svg(void);
/* Ends the converter; the next build starts a new one. */
/* Before each build: the converter kept from the build before (quire
 * watch) serves this one; one that failed is tried again. */
void math_next_build(void);
void math_cleanup(void);

#endif
