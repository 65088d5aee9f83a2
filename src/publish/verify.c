/* quire verify: checks a release folder as a reader would, every file
 * against SHA256SUMS and the release ledger, and the signature of
 * SHA256SUMS with ssh-keygen when given the allowed signers. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "publish/publish.h"
#include "private.h"

struct sum {
	char *name;
	char sha[65];
	int line;
};

/* The SHA-256 and size of dir/name: 0, or -1 when it cannot be read. */
static int
file_digest(const char *dir, const char *name, char hex[65],
    unsigned long long *size)
{
	char *p = path_join(dir, name);
	int fd = open_regular(p);
	struct sha256 c;
	unsigned char h[32], chunk[65536];
	ssize_t n;

	free(p);
	if (fd == -1)
		return -1;
	*size = 0;
	sha256_init(&c);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sha256_final(&c, h);
			close(fd);
			return -1;
		}
		sha256_update(&c, chunk, (size_t)n);
		*size += (unsigned long long)n;
	}
	close(fd);
	sha256_final(&c, h);
	hex32(h, hex);
	return 0;
}

/* SHA256SUMS as sha256sum writes it: "<64 hex>  <name>" a line. */
static int
read_sums(const char *path, struct sum **sums, size_t *n,
    struct quire_diag *d)
{
	int fd = open_regular(path);
	FILE *fp = fd == -1 ? NULL : fdopen(fd, "r");
	struct loc l = { path, 0, 0 };
	char line[4096];
	int rc = 0;

	*sums = NULL;
	*n = 0;
	if (fp == NULL) {
		rc = diag_error(d, &l, "cannot read: %s", errno == EINVAL ?
		    "not a regular file" : strerror(errno));
		if (fd != -1)
			close(fd);
		return rc;
	}
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strlen(line);
		struct sum *s;

		l.line++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (len < 67 || line[64] != ' ' || (line[65] != ' ' &&
		    line[65] != '*') || !release_name_ok(line + 66)) {
			rc = diag_error(d, &l, "not a line of SHA-256 sums");
			continue;
		}
		line[64] = '\0';
		for (char *p = line; *p; p++)
			if (!strchr("0123456789abcdef", *p))
				len = 0;
		if (len == 0) {
			rc = diag_error(d, &l, "not a SHA-256 digest");
			continue;
		}
		GROW(*sums, *n);
		s = &(*sums)[(*n)++];
		s->name = xstrdup(line + 66);
		memcpy(s->sha, line, 65);
		s->line = l.line;
	}
	fclose(fp);
	return rc;
}

static const struct sum *
sum_of(const struct sum *sums, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(sums[i].name, name) == 0)
			return &sums[i];
	return NULL;
}

/* ssh-keygen -Y find-principals, then -Y verify with each principal it
 * names for the signature. */
static int
check_signature(const char *dir, const char *allowed, struct quire_diag *d)
{
	char *sig = path_join(dir, "SHA256SUMS.sig");
	char *sums = path_join(dir, "SHA256SUMS");
	struct loc l = { sig, 0, 0 };
	struct buf who = { 0 }, err = { 0 };
	const char *find[] = { "ssh-keygen", "-Y", "find-principals", "-s",
	    sig, "-f", allowed, NULL };
	int rc = -1, st;

	/* ssh-keygen reads both: neither may be a FIFO or a device. */
	for (int i = 0; i < 2; i++) {
		int fd = open_regular(i ? sums : sig);
		if (fd == -1) {
			diag_error(d, &l, "%s: %s", i ? "SHA256SUMS" :
			    "no signature", errno == EINVAL ? "not a regular "
			    "file" : strerror(errno));
			goto done;
		}
		close(fd);
	}
	st = run_program(find, NULL, &who, &err);
	if (st != 0 || who.len == 0) {
		diag_error(d, &l, "signed by no key in %s", allowed);
		goto done;
	}
	for (char *p = who.data, *nl; *p; p = nl) {
		const char *ver[] = { "ssh-keygen", "-Y", "verify", "-f",
		    allowed, "-I", p, "-n", "file", "-s", sig, NULL };

		nl = p + strcspn(p, "\n");
		if (*nl)
			*nl++ = '\0';
		if (*p == '\0')
			continue;
		err.len = 0;
		if (run_program(ver, sums, NULL, &err) == 0) {
			rc = 0;
			goto done;
		}
	}
	diag_error(d, &l, "the signature of SHA256SUMS does not verify");
done:
	buf_free(&who);
	buf_free(&err);
	free(sig);
	free(sums);
	return rc;
}

int
quire_verify(const char *dir, const char *allowed,
    void (*on_ok)(size_t, void *), void *arg, struct quire_diag *d)
{
	char *sums_path = path_join(dir, "SHA256SUMS");
	char *ledger_path = path_join(dir, "releases.xml");
	struct ledger l = { 0 };
	struct sum *sums = NULL;
	size_t nsums = 0, nfiles = 0;
	int st;

	read_sums(sums_path, &sums, &nsums, d);
	for (size_t i = 0; i < nsums; i++) {
		struct loc fl = { NULL, 0, 0 };
		char hex[65], *p = path_join(dir, sums[i].name);
		unsigned long long size;

		fl.path = p;
		if (file_digest(dir, sums[i].name, hex, &size) == -1)
			diag_error(d, &fl, "missing or unreadable: %s",
			    errno == EINVAL ? "not a regular file" :
			    strerror(errno));
		else if (strcmp(hex, sums[i].sha) != 0)
			diag_error(d, &fl, "does not match SHA256SUMS");
		else
			nfiles++;
		free(p);
	}
	st = ledger_read(ledger_path, ledger_path, &l, d);
	for (size_t r = 0; st == 0 && r < l.n; r++)
		for (size_t k = 0; k < l.rel[r].nfiles; k++) {
			const struct rel_file *f = &l.rel[r].files[k];
			const struct sum *s = sum_of(sums, nsums, f->name);
			char *p = path_join(dir, f->name), hex[65];
			struct loc fl = { p, 0, 0 };
			unsigned long long size;

			if (s == NULL || strcmp(s->sha, f->sha) != 0)
				diag_error(d, &fl, "release %s: %s",
				    l.rel[r].version, s ? "SHA256SUMS and "
				    "the ledger disagree" :
				    "not in SHA256SUMS");
			else if (file_digest(dir, f->name, hex, &size) == 0 &&
			    size != f->size)
				diag_error(d, &fl, "release %s: %llu bytes, "
				    "the ledger says %llu", l.rel[r].version,
				    size, f->size);
			free(p);
		}
	if (st == 0 && sum_of(sums, nsums, "releases.xml") == NULL) {
		struct loc ll = { ledger_path, 0, 0 };
		diag_error(d, &ll, "not in SHA256SUMS");
	}
	if (allowed)
		check_signature(dir, allowed, d);
	if (quire_diag_errors(d) == 0 && on_ok)
		on_ok(nfiles, arg);
	for (size_t i = 0; i < nsums; i++)
		free(sums[i].name);
	free(sums);
	ledger_free(&l);
	free(sums_path);
	free(ledger_path);
	return diag_status(d);
}
