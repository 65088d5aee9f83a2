/* publish.h: releases over the writers' files: the ledger
 * (releases.xml), the downloads page, the OPDS catalog, the output
 * folder's generations and signature, and verify. */
#ifndef QUIRE_PUBLISH_H
#define QUIRE_PUBLISH_H

#include "write/write.h"

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
/* A size for people: 812 bytes, 3.4 KB, 1.2 MB. */
char *human_size(unsigned long long);
/* One change for people: Added "Title" (1234 words). */
char *change_text(const struct rel_change *);

/* assets.c (generated): the downloads page's stylesheet. */
extern const unsigned char asset_page_css[];
extern const size_t asset_page_css_len;

#endif
