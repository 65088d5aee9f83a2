/* Resource bytes on their way out: an image's file read again in
 * fixed-size blocks when the outputs are written, checked against the
 * stamp, or else the size and SHA-256, it had when it was checked, as it
 * is or as base64. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "book/book.h"

int
mime_compressed(const char *mime)
{
	static const char *const types[] = {
		"image/jpeg", "image/png", "image/gif", "image/webp",
		"font/woff", "font/woff2", "application/font-woff"
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (strcmp(mime, types[i]) == 0)
			return 1;
	return 0;
}

static int
stamp_of(const struct stat *st, struct stamp *s)
{
	if (!S_ISREG(st->st_mode))
		return -1;
	memset(s, 0, sizeof(*s));
	s->dev = (unsigned long long)st->st_dev;
	s->ino = (unsigned long long)st->st_ino;
	s->size = (long long)st->st_size;
	s->msec = (long long)st->st_mtim.tv_sec;
	s->mnsec = (long long)st->st_mtim.tv_nsec;
	s->csec = (long long)st->st_ctim.tv_sec;
	s->cnsec = (long long)st->st_ctim.tv_nsec;
	return 0;
}

int
stamp_path(const char *path, struct stamp *s)
{
	struct stat st;

	return stat(path, &st) == 0 ? stamp_of(&st, s) : -1;
}

int
stamp_fd(int fd, struct stamp *s)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? stamp_of(&st, s) : -1;
}

/* Blocks of a multiple of 3 bytes: their base64 strings, end to end,
 * are the base64 of the whole. */
#define EMIT_BLOCK ((size_t)3 << 14)

static int
emit_block(const unsigned char *p, size_t n, int b64,
    int (*out)(void *, const char *, size_t), void *arg)
{
	unsigned char enc[EMIT_BLOCK / 3 * 4 + 1];

	if (!b64)
		return out(arg, (const char *)p, n);
	n = (size_t)EVP_EncodeBlock(enc, p, (int)n);
	return out(arg, (const char *)enc, n);
}

int
resource_emit(const struct resource *r, int b64,
    int (*out)(void *, const char *, size_t), void *arg)
{
	unsigned char *blk, hash[32];
	struct sha256 sha;
	struct stamp now;
	size_t total = 0, n;
	ssize_t got;
	int fd, rc = -1, same;

	if (r->data) {
		for (size_t off = 0; off < r->len; off += EMIT_BLOCK)
			if (emit_block(r->data + off, r->len - off < EMIT_BLOCK ?
			    r->len - off : EMIT_BLOCK, b64, out, arg) == -1)
				return -1;
		return 0;
	}
	if ((fd = open(r->file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT || errno == ELOOP ? Q_CHANGED : -1;
	/* Unchanged since it was read: its bytes need no hash again. */
	same = r->stamped && stamp_fd(fd, &now) == 0 &&
	    memcmp(&now, &r->stamp, sizeof(now)) == 0;
	blk = xmalloc(EMIT_BLOCK);
	sha256_init(&sha);
	for (;;) {
		/* A full block unless the file ends. */
		for (n = 0; n < EMIT_BLOCK; n += (size_t)got) {
			got = read(fd, blk + n, EMIT_BLOCK - n);
			if (got < 0 && errno == EINTR) {
				got = 0;
				continue;
			}
			if (got < 0) {
				sha256_final(&sha, hash);
				goto out;
			}
			if (got == 0)
				break;
		}
		total += n;
		if (n == 0)
			break;
		if (!same)
			sha256_update(&sha, blk, n);
		if (total > r->len) {
			sha256_final(&sha, hash);
			rc = Q_CHANGED;
			goto out;
		}
		if (emit_block(blk, n, b64, out, arg) == -1) {
			sha256_final(&sha, hash);
			goto out;
		}
		if (n < EMIT_BLOCK)
			break;
	}
	sha256_final(&sha, hash);
	rc = total == r->len && (same || memcmp(hash, r->hash, 32) == 0) ?
	    0 : Q_CHANGED;
out:
	free(blk);
	close(fd);
	return rc;
}

static int
bytes_put(void *arg, const char *p, size_t n)
{
	buf_put(arg, p, n);
	return 0;
}

unsigned char *
resource_bytes(const struct resource *r)
{
	struct buf all = { 0 };

	buf_grow(&all, r->len + 1);
	if (resource_emit(r, 0, bytes_put, &all) != 0) {
		buf_free(&all);
		return NULL;
	}
	return (unsigned char *)buf_take(&all);
}
