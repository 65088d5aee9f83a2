/* quire.h: the public interface of libquire, which binds a folder of Markdown
 * essays into an EPUB 3 book and a single-file offline HTML archive.
 *
 * Threads: one quire_build() or quire_verify() at a time in a process.  A
 * build runs threads of its own, and it changes what the whole process
 * shares: the TZ variable (set to UTC), libxml2's allocator, signal
 * handlers for SIGINT, SIGTERM, SIGHUP and SIGXFSZ while outputs are
 * written, the math converter child, compiled highlighting queries and
 * cmark-gfm's extension registry.  A struct quire_diag belongs to one
 * build at a time; its functions are safe from the callbacks below, which
 * may be called from any of the build's threads (never two at once).
 * quire_cleanup() only once no build runs. */
#ifndef QUIRE_H
#define QUIRE_H

#include <stdio.h>

#define QUIRE_VERSION "0.1.0"

/* Output formats, combinable. */
enum quire_format {
	QUIRE_EPUB = 1 << 0,
	QUIRE_HTML = 1 << 1,
	QUIRE_ALL = QUIRE_EPUB | QUIRE_HTML
};

/* Exit statuses, the worst one seen wins. */
enum quire_status {
	QUIRE_OK = 0,      /* built, possibly with warnings */
	QUIRE_EINPUT = 1,  /* the content has errors: nothing written */
	QUIRE_EUSAGE = 2,  /* bad command line */
	QUIRE_ESYSTEM = 3  /* I/O or other system failure: nothing replaced */
};

/* The phases of a build, in order, as on_progress() tells them. */
enum quire_phase {
	QUIRE_READING,      /* essays read of the files found */
	QUIRE_RENDERING,    /* essays rendered */
	QUIRE_WRITING       /* bytes of the outputs written */
};

/* How formulas are drawn: MathML (the default), or SVG at build time for
 * readers without MathML. */
enum quire_math { QUIRE_MATH_DEFAULT = 0, QUIRE_MATH_MATHML = 1,
    QUIRE_MATH_SVG = 2 };

struct quire_options {
	const char *src;        /* content folder (default "content") */
	const char *out;        /* output folder; NULL: check only, write nothing */
	unsigned formats;       /* enum quire_format */
	int drafts;             /* include essays with draft: true */
	int strict;             /* warnings count as errors */
	const char *release;    /* overrides collection.yaml's version */
	int jobs;               /* threads rendering essays; 0: one per core */
	int math;               /* enum quire_math: how formulas are drawn;
	                           0: as collection.yaml says (MathML) */
	const char *sign;       /* with release: an SSH private key that signs
	                           SHA256SUMS (ssh-keygen -Y sign) */
	int has_epoch;          /* epoch below is set (SOURCE_DATE_EPOCH) */
	long long epoch;
	int keep_warm;          /* keep the math converter running after the
	                           build, for the next one in this process
	                           (quire_cleanup() stops it) */
	/* Called once for every file written, after it is in place. */
	void (*on_output)(const char *path, void *arg);
	/* Called as the build goes (done of total in each phase: essays
	 * read, essays rendered, bytes written), from any thread but never
	 * from two at once; may be NULL. */
	void (*on_progress)(enum quire_phase, size_t done, size_t total,
	    void *arg);
	void *arg;
};

struct quire_diag;

/* A diagnostics sink: messages are kept, then printed sorted by file and
 * line with quire_diag_flush().  color: use ANSI colours. */
struct quire_diag *quire_diag_new(int color);
void quire_diag_free(struct quire_diag *);
/* Prints every message and a closing count to fp; returns the error count. */
size_t quire_diag_flush(struct quire_diag *, FILE *fp);

/* The formats quire_diag_flush_as() prints in. */
enum quire_diag_format {
	QUIRE_DIAG_TEXT,    /* path:line:col: level: message, and a count */
	QUIRE_DIAG_JSON,    /* one JSON object a line: file, line, column,
	                       severity, message, kind */
	QUIRE_DIAG_SARIF    /* one SARIF 2.1.0 log */
};
/* As quire_diag_flush(), in the format asked for. */
size_t quire_diag_flush_as(struct quire_diag *, FILE *fp,
    enum quire_diag_format);
size_t quire_diag_errors(const struct quire_diag *);
size_t quire_diag_warnings(const struct quire_diag *);

/* Loads, renders and links the collection in opt->src, makes the
 * requested formats in memory, then writes them into opt->out, each
 * replacing the old one atomically, with SHA256SUMS.  With opt->release
 * the books join the folder's releases: ledger, downloads page, OPDS
 * catalog and SHA256SUMS change together, and a published release never
 * changes.  Nothing is written
 * when out is NULL (a check) or when any error was reported.  Returns an
 * enum quire_status. */
int quire_build(const struct quire_options *opt, struct quire_diag *d);

/* Checks every file of a release folder against SHA256SUMS and the
 * release ledger, and, when allowed_signers is not NULL, SHA256SUMS.sig
 * (ssh-keygen -Y verify).  Each file that does not match is reported.
 * Returns an enum quire_status. */
int quire_verify(const char *dir, const char *allowed_signers,
    void (*on_ok)(size_t nfiles, void *arg), void *arg,
    struct quire_diag *d);

/* Releases what the Markdown and XML libraries keep for the process. */
void quire_cleanup(void);

#endif
