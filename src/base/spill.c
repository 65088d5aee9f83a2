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
#include <time.h>
#include <unistd.h>

#include "base/base.h"

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

/* A mapping whose pages are taken out of the process's page tables every
 * SHED_NS while it is read (madvise MADV_DONTNEED): read-only pages of a
 * file come back from the page cache, unchanged, when they are touched
 * again, so what reads it (the deflater, which must have the whole input
 * at one address) sees the same bytes while the resident memory stays a
 * few megabytes, not the file's size. */
#define SHED_NS 10000000L

struct spill_map {
	void *p;
	size_t len;
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	int done;
	pthread_t tid;
	int started;
};

static void *
shedder(void *arg)
{
	struct spill_map *m = arg;
	struct timespec t;

	pthread_mutex_lock(&m->lock);
	while (!m->done) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += SHED_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&m->done_cv, &m->lock, &t);
		if (!m->done)
			madvise(m->p, m->len, MADV_DONTNEED);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

struct spill_map *
spill_map(struct spill *s, uint64_t len)
{
	struct spill_map *m;
	void *p;

	if (len == 0 || len > SIZE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, s->fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->p = p;
	m->len = (size_t)len;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->done_cv, NULL);
	/* Without the thread the mapping is only bigger in memory. */
	m->started = pthread_create(&m->tid, NULL, shedder, m) == 0;
	return m;
}

const void *
spill_map_data(const struct spill_map *m)
{
	return m->p;
}

void
spill_unmap(struct spill_map *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->done = 1;
	pthread_cond_signal(&m->done_cv);
	pthread_mutex_unlock(&m->lock);
	if (m->started)
		pthread_join(m->tid, NULL);
	munmap(m->p, m->len);
	pthread_cond_destroy(&m->done_cv);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
