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
open_regular(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int
read_regular(const char *path, size_t max, char **data, size_t *len)
{
	struct buf b = { 0 };
	int fd = open_regular(path);
	ssize_t n;

	if (fd == -1)
		return -1;
	for (;;) {
		buf_grow(&b, 65536);
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > max) {
			if (n > 0)
				errno = EFBIG;
			buf_free(&b);
			close(fd);
			return -1;
		}
		b.len += (size_t)n;
	}
	close(fd);
	b.data[b.len] = '\0';
	*len = b.len;
	*data = buf_take(&b);
	return 0;
}

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
/* A path as an argument no program reads as an option: "./" before a
 * relative one that starts with "-". */
static char *
not_option(const char *path)
{
	return path[0] == '-' ? xasprintf("./%s", path) : xstrdup(path);
}

/* The public half of key: KEY.pub when it is there, else what
 * ssh-keygen -y derives; NULL after an error. */
static char *
public_key(const char *key, const struct loc *l, struct quire_diag *d)
{
	char *k = not_option(key), *pub = xasprintf("%s.pub", k), *text;
	const char *argv[] = { "ssh-keygen", "-y", "-f", k, NULL };
	struct buf out = { 0 }, err = { 0 };
	size_t len;

	if (read_regular(pub, 65536, &text, &len) == 0) {
		free(pub);
		free(k);
		return text;
	}
	free(pub);
	if (run_program(argv, NULL, &out, &err) != 0 || out.len == 0) {
		diag_error(d, l, "ssh-keygen -y cannot read the key %s", key);
		buf_free(&out);
		buf_free(&err);
		free(k);
		return NULL;
	}
	buf_putc(&out, '\0');
	buf_free(&err);
	free(k);
	return buf_take(&out);
}

/* An allowed-signers file naming only key's public half, as dir's
 * hidden temporary file (which release_tidy removes if left); its path,
 * or NULL after an error. */
char *
signers_of(const char *key, const char *dir, const struct loc *l,
    struct quire_diag *d)
{
	char *pub = public_key(key, l, d), *path, *line;
	size_t n;
	int fd;

	if (pub == NULL)
		return NULL;
	n = strcspn(pub, "\n");
	pub[n] = '\0';
	line = xasprintf("quire-release-key %s\n", pub);
	free(pub);
	path = xasprintf("%s/.signers.tmp-XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		diag_syserr(d, l, "cannot write %s: %s", path, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(path);
		}
		free(path);
		free(line);
		return NULL;
	}
	close(fd);
	free(line);
	return path;
}

/* Signs path with key into path.sig, then checks what ssh-keygen wrote:
 * a signature by key of path's bytes. */
int
sign_file(const char *key, const char *path, const struct loc *l,
    struct quire_diag *d)
{
	char *k = not_option(key), *p = not_option(path);
	char *sig = xasprintf("%s.sig", p), *signers = NULL;
	const char *argv[] = { "ssh-keygen", "-q", "-Y", "sign", "-f", k,
	    "-n", "file", "--", p, NULL };
	struct buf err = { 0 };
	int st = run_program(argv, NULL, NULL, &err), rc = -1;
	struct stat sb;

	if (st != 0) {
		if (err.len && err.data[err.len - 1] == '\n')
			err.data[--err.len] = '\0';
		diag_error(d, l, "ssh-keygen -Y sign failed%s%s",
		    err.len ? ": " : "", err.len ? err.data : "");
		goto done;
	}
	/* What it wrote: path.sig, a regular file, a signature of path's
	 * bytes by key. */
	if (lstat(sig, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
		diag_error(d, l, "ssh-keygen -Y sign wrote no signature to %s",
		    sig);
		goto done;
	}
	{
		char *dir = xstrdup(p), *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		signers = signers_of(key, slash ? dir : ".", l, d);
		free(dir);
	}
	if (signers == NULL)
		goto done;
	{
		const char *ver[] = { "ssh-keygen", "-Y", "verify", "-f",
		    signers, "-I", "quire-release-key", "-n", "file", "-s",
		    sig, NULL };
		err.len = 0;
		if (run_program(ver, p, NULL, &err) != 0) {
			diag_error(d, l, "the signature ssh-keygen wrote to %s "
			    "does not verify", sig);
			goto done;
		}
	}
	rc = 0;
done:
	if (rc == -1)
		unlink(sig);
	if (signers) {
		unlink(signers);
		free(signers);
	}
	buf_free(&err);
	free(sig);
	free(p);
	free(k);
	return rc;
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
