/* private.h: what the files of the publish stage share, and no one else. */
#ifndef QUIRE_PUBLISH_PRIVATE_H
#define QUIRE_PUBLISH_PRIVATE_H

#define STATE ".quire"
#define LEDGER "releases.xml"
#define SUMS "SHA256SUMS"
#define SIG "SHA256SUMS.sig"

/* The files of a generation, in the order they are linked. */
static const char *const gen_names[] = { LEDGER, "index.html",
    "catalog.xml", SUMS };
#define NGEN (sizeof(gen_names) / sizeof(*gen_names))

/* folder.c */
int fsync_dir(const char *dir);
void rm_tree(const char *path);
char *current_gen(const char *state);
int link_all(const char *dir, int signed_);
int has_sig(const char *state);
char *sums_text(const struct ledger *l, struct out_file *gen, size_t ngen,
    size_t *len);
int sign_file(const char *key, const char *path, const struct loc *l,
    struct quire_diag *d);
char *signers_of(const char *key, const char *dir, const struct loc *l,
    struct quire_diag *d);
void out_digest(const struct out_file *f, char hex[65],
    unsigned long long *size);
/* A file of a release folder opened for reading, links followed: the
 * descriptor, or -1 (errno set; EINVAL: not a regular file, so no FIFO
 * or device is waited on or read without end). */
int open_regular(const char *path);
/* Its bytes (at most max), NUL-terminated: 0, or -1 with errno set. */
int read_regular(const char *path, size_t max, char **data, size_t *len);

#endif
