/* The output folder of releases: its generations (.quire/g-*), the links
 * through .quire/current, the lock, the tidying of what a killed build
 * left, the digests file and its signature. */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "publish/publish.h"
#include "private.h"

/* ---- the output folder ---- */

int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Whether name is what mkdtemp made of "g-XXXXXX". */
static int
is_gen_name(const char *s)
{
	if (strncmp(s, "g-", 2) != 0)
		return 0;
	for (int i = 2; i < 8; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return s[8] == '\0';
}

/* Whether name is a file quire writes into a generation (or the
 * temporary file it writes one through). */
static int
is_gen_file(const char *s)
{
	for (size_t i = 0; i < NGEN; i++)
		if (strcmp(s, gen_names[i]) == 0)
			return 1;
	return strcmp(s, SIG) == 0 ||
	    (s[0] == '.' && strstr(s, ".tmp-") != NULL);
}

/* Removes the generation folder name of the folder parent: only when it
 * is a folder (not a link to one), and in it only the regular files
 * quire writes there; a folder holding anything else stays.  Nothing
 * is followed: fstatat and openat without following links. */
static void
rm_gen_at(int parent, const char *name)
{
	struct stat st;
	struct dirent *de;
	DIR *dp;
	int fd;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st.st_mode))
		return;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(dp)) != NULL)
		if (is_gen_file(de->d_name) && fstatat(fd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			unlinkat(fd, de->d_name, 0);
	closedir(dp);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* The output folder's .quire, opened without following a link; -1 when
 * it is not a folder. */
static int
open_state(const char *state)
{
	return open(state, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Removes the generation at path (STATE/g-XXXXXX), as rm_gen_at. */
void
rm_tree(const char *path)
{
	char *state = xstrdup(path), *slash = strrchr(state, '/');
	int fd;

	if (slash == NULL || !is_gen_name(slash + 1)) {
		free(state);
		return;
	}
	*slash = '\0';
	if ((fd = open_state(state)) != -1) {
		rm_gen_at(fd, slash + 1);
		close(fd);
	}
	free(state);
}

/* The generation .quire/current points at, or NULL. */
char *
current_gen(const char *state)
{
	char *link = path_join(state, "current");
	char target[256];
	ssize_t n = readlink(link, target, sizeof(target) - 1);

	free(link);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	return xstrdup(target);
}

/* Removes what a killed build left: temporary files in the folder
 * (regular files and links, by their names), generations that are not
 * current, the link being made.  Only what quire makes, by name and
 * type; no link is followed. */
void
release_tidy(const char *dir)
{
	char *state = path_join(dir, STATE), *cur;
	struct dirent *de;
	struct stat st;
	DIR *dp;
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1 &&
	    (dp = fdopendir(fd)) != NULL) {
		while ((de = readdir(dp)) != NULL)
			if (de->d_name[0] == '.' &&
			    strstr(de->d_name, ".tmp-") != NULL &&
			    fstatat(fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
			    (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
				unlinkat(fd, de->d_name, 0);
		closedir(dp);
	} else if (fd != -1)
		close(fd);
	cur = current_gen(state);
	if ((fd = open_state(state)) != -1 && (dp = fdopendir(fd)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (cur && strcmp(de->d_name, cur) == 0)
				continue;
			if (is_gen_name(de->d_name))
				rm_gen_at(fd, de->d_name);
			else if (strcmp(de->d_name, "current.new") == 0 &&
			    fstatat(fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				unlinkat(fd, de->d_name, 0);
		}
		closedir(dp);
	} else if (fd != -1)
		close(fd);
	free(cur);
	free(state);
}

/* One quire at a time in an output folder: a lock on the folder itself,
 * released when fd is closed (or the process dies). */
int
release_lock(const char *dir, struct quire_diag *d)
{
	struct loc l = { dir, 0, 0 };
	int fd;

	if (mkdirs(dir) == -1)
		return diag_syserr(d, &l, "cannot create the output folder: "
		    "%s", strerror(errno));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		diag_syserr(d, &l, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1) {
		diag_syserr(d, &l, "cannot lock: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* dir/name as a link to .quire/current/name, made when it is not one. */
static int
link_name(const char *dir, const char *name)
{
	char *p = path_join(dir, name), *want = xasprintf(STATE "/current/%s",
	    name), *tmp;
	char have[512];
	ssize_t n = readlink(p, have, sizeof(have) - 1);
	int rc = 0;

	if (n > 0 && (size_t)n == strlen(want) && memcmp(have, want, n) == 0)
		goto done;
	tmp = xasprintf("%s/.%s.tmp-link", dir, name);
	unlink(tmp);
	if (symlink(want, tmp) == -1 || rename(tmp, p) == -1) {
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
done:
	free(p);
	free(want);
	return rc;
}

/* Publishes: the ledger's links in place (they may be missing after a
 * kill), then the unsigned signature's link gone. */
int
link_all(const char *dir, int signed_)
{
	char *sig = path_join(dir, SIG);
	char have[512];
	ssize_t n;
	int rc = 0;

	for (size_t i = 0; i < NGEN; i++)
		if (link_name(dir, gen_names[i]) == -1)
			rc = -1;
	if (signed_) {
		if (link_name(dir, SIG) == -1)
			rc = -1;
	} else if ((n = readlink(sig, have, sizeof(have) - 1)) > 0 &&
	    strncmp(have, STATE "/current/", sizeof(STATE "/current/") - 1)
	    == 0)
		unlink(sig);
	free(sig);
	return rc;
}

int
has_sig(const char *state)
{
	char *p = path_join(state, "current/" SIG);
	int rc = access(p, F_OK) == 0;

	free(p);
	return rc;
}

/* SHA256SUMS: every release's files, then the ledger, page and catalog. */
char *
sums_text(const struct ledger *l, struct out_file *gen, size_t ngen,
    size_t *len)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->rel[i].nfiles; k++)
			buf_printf(&b, "%s  %s\n", l->rel[i].files[k].sha,
			    l->rel[i].files[k].name);
	for (size_t i = 0; i < ngen; i++) {
		char hex[65];
		unsigned long long size;

		out_digest(&gen[i], hex, &size);
		buf_printf(&b, "%s  %s\n", hex, gen[i].name);
	}
	*len = b.len;
	return buf_take(&b);
}

/* Signs path into path.sig with ssh-keygen, in namespace "file". */
int
sign_file(const char *key, const char *path, const struct loc *l,
    struct quire_diag *d)
{
	const char *argv[] = { "ssh-keygen", "-q", "-Y", "sign", "-f", key,
	    "-n", "file", path, NULL };
	struct buf err = { 0 };
	int st = run_program(argv, NULL, NULL, &err);

	if (st != 0) {
		if (err.len && err.data[err.len - 1] == '\n')
			err.data[--err.len] = '\0';
		diag_error(d, l, "ssh-keygen -Y sign failed%s%s",
		    err.len ? ": " : "", err.len ? err.data : "");
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	return 0;
}

struct digest_sink {
	struct sha256 sha;
	unsigned long long size;
};

static int
digest_put(void *arg, const char *p, size_t n)
{
	struct digest_sink *k = arg;

	sha256_update(&k->sha, p, n);
	k->size += n;
	return 0;
}

void
out_digest(const struct out_file *f, char hex[65], unsigned long long *size)
{
	struct digest_sink k;
	unsigned char h[32];

	k.size = 0;
	sha256_init(&k.sha);
	/* A resource's file found changed here is reported when the
	 * file is written. */
	for (size_t i = 0; i < f->nparts; i++)
		part_emit(&f->parts[i], digest_put, &k);
	sha256_final(&k.sha, h);
	hex32(h, hex);
	*size = k.size;
}
