/* Spill files: where a big book puts what it has made (each essay's
 * deflated XHTML, each archive article, the EPUB being zipped) until the
 * outputs are written, so that memory does not grow with the book.  A
 * spill file is an unlinked temporary file in the output folder: nothing
 * of it is left behind, whatever ends the run, and nothing is written
 * outside that folder. */
/* For Linux's O_TMPFILE; without it, or on a file system that lacks it,
 * the file is made and unlinked at once. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define BLOCK ((size_t)1 << 16)   /* bytes copied out at a time */

struct spill {
	int fd;
	pthread_mutex_t lock;
	uint64_t size;        /* bytes reserved by spill_put() */
};

struct spill *
spill_open(const char *dir)
{
	struct spill *s;
	int fd;

	if (mkdirs(dir) == -1)
		return NULL;
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd == -1)
#endif
	{
		char *tmpl = xasprintf("%s/.quire-spill-XXXXXX", dir);

		if ((fd = mkstemp(tmpl)) != -1) {
			unlink(tmpl);
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
		free(tmpl);
	}
	if (fd == -1)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

void
spill_close(struct spill *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int
spill_pwrite(struct spill *s, const void *data, size_t len, uint64_t off)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = pwrite(s->fd, p, len, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

int
spill_put(struct spill *s, const void *data, size_t len, uint64_t *off)
{
	/* The place is taken under the lock, the bytes written outside it:
	 * every rendering thread spills at once. */
	pthread_mutex_lock(&s->lock);
	*off = s->size;
	s->size += len;
	pthread_mutex_unlock(&s->lock);
	return spill_pwrite(s, data, len, *off);
}

int
spill_pread(struct spill *s, void *data, size_t len, uint64_t off)
{
	char *p = data;

	while (len > 0) {
		ssize_t r = pread(s->fd, p, len, (off_t)off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			errno = EIO;  /* shorter than what was put there */
			return -1;
		}
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int
spill_emit(struct spill *s, uint64_t off, uint64_t len,
    int (*out)(void *, const char *, size_t), void *arg)
{
	char *blk = xmalloc(BLOCK);
	int rc = 0;

	while (len > 0 && rc == 0) {
		size_t n = len < BLOCK ? (size_t)len : BLOCK;

		if (spill_pread(s, blk, n, off) == -1 || out(arg, blk, n) == -1)
			rc = -1;
		off += n;
		len -= n;
	}
	free(blk);
	return rc;
}

void *
spill_map(struct spill *s, uint64_t len)
{
	void *p;

	if (len == 0)
		return NULL;
	p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, s->fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

void
spill_unmap(void *p, uint64_t len)
{
	if (p)
		munmap(p, (size_t)len);
}
