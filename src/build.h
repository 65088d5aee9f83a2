/* build.h: the top of the house, the stages run in order (build.c); the
 * command line (main.c) and the tests call in here. */
#ifndef QUIRE_BUILD_H
#define QUIRE_BUILD_H

#include "publish/publish.h"
#include "render/render.h"

/* Every essay through parse, render, link and the writers' essay hooks
 * for opt->formats, in parallel; then the links between essays. */
int render_book(struct book *, const struct quire_options *,
    struct quire_diag *);

/* memo.c: a warm process's rendered essays, kept from build to build
 * (opt->keep_warm).  memo_begin once the book is loaded; around each
 * essay's run, memo_start (0: the essay was taken from the memo, as
 * rendered: skip its run) and memo_stop (keeps what the run made);
 * memo_end once every essay is rendered. */
struct memo_run {
	int on;
	char key[65];
	unsigned char text_sha[32];
	struct diag_tape *dt, *old_dt;
	struct link_tape lt, *old_lt;
};
void memo_begin(struct book *, const struct quire_options *);
int memo_start(struct book *, struct essay *, struct memo_run *,
    struct quire_diag *);
void memo_stop(struct book *, struct essay *, struct memo_run *);
void memo_end(void);
/* The last build's essays taken from the memo, and rendered. */
void memo_counts(size_t *hits, size_t *misses);
void memo_cleanup(void);
/* A hidden file or folder, or an editor's backup or autosave (x~, #x#). */
int editor_file(const char *name);

/* The commands of the program beyond build, check and verify, on top of
 * quire_build() (init.c, watch.c). */
/* Makes a starter book in dir, which must be missing or empty (the files
 * of assets/starter).  Returns an enum quire_status. */
int cli_init(const char *dir);
/* Adds an essay titled title to the book in dir: DIR/SLUG.md with its
 * front matter; never replaces a file.  epoch: the date written, or -1
 * for today.  Returns an enum quire_status. */
int cli_new(const char *title, const char *dir, long long epoch);
/* Builds opt's book, then again on every change in its folder until
 * SIGINT, SIGTERM or SIGHUP; diagnostics go to stderr as text.  Returns
 * an enum quire_status: 0 after a signal, 1 when the folder cannot be
 * watched. */
int cli_watch(struct quire_options *opt, int quiet, int color);

#endif
