/* Atomic outputs: every file is written to a temporary file in the output
 * folder and flushed; only when all are complete are they renamed over the
 * old ones.  Any failure, or a signal, leaves the old outputs as they were
 * and no temporary file behind. */
#define _GNU_SOURCE  /* sync_file_range */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "write/write.h"

#define MAX_OUT 16

static char tmp_paths[MAX_OUT][4096];
static volatile sig_atomic_t ntmp;

static void
on_signal(int sig)
{
	for (sig_atomic_t i = 0; i < ntmp; i++)
		unlink(tmp_paths[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
write_abandon(void)
{
	for (sig_atomic_t i = 0; i < ntmp; i++)
		if (tmp_paths[i][0])
			unlink(tmp_paths[i]);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
cleanup(void)
{
	for (sig_atomic_t i = 0; i < ntmp; i++)
		unlink(tmp_paths[i]);
	ntmp = 0;
}

void
out_reserve(struct out_file *f, size_t n)
{
	if (n > f->cap - f->nparts) {
		f->cap = f->nparts + n;
		f->parts = xreallocarray(f->parts, f->cap, sizeof(*f->parts));
	}
}

static void
out_room(struct out_file *f)
{
	if (f->nparts == f->cap)
		out_reserve(f, f->cap ? f->cap : 4);
}

void
out_add(struct out_file *f, char *data, size_t len)
{
	out_room(f);
	memset(&f->parts[f->nparts], 0, sizeof(*f->parts));
	f->parts[f->nparts].data = data;
	f->parts[f->nparts].len = len;
	f->nparts++;
}

/* Takes the part over (it is freed). */
void
out_add_part(struct out_file *f, struct part *pt)
{
	out_room(f);
	f->parts[f->nparts++] = *pt;
	free(pt);
}

void
out_free(struct out_file *f)
{
	for (size_t i = 0; i < f->nparts; i++)
		free(f->parts[i].data);
	free(f->parts);
	free(f->name);
	spill_close(f->own);
	memset(f, 0, sizeof(*f));
}

int
part_emit(const struct part *pt, int (*out)(void *, const char *, size_t),
    void *arg)
{
	struct packed z = { (unsigned char *)pt->data, pt->zlen, pt->len, 0,
	    NULL, 0 };

	if (pt->res)
		return resource_emit(pt->res, 1, out, arg);
	if (pt->zlen)
		return inflate_raw(&z, out, arg);
	if (pt->data == NULL && pt->sp)
		return spill_emit(pt->sp, pt->off, pt->len, out, arg);
	return out(arg, pt->data ? pt->data : "", pt->len);
}

/* One file's bytes on their way out, hashed and written in blocks of
 * SINK_BLOCK (the parts come in pieces of a few kilobytes), the disk
 * told to start writing each SINK_FLUSH bytes so that the fsync at the
 * end has little left to wait for.  Past its first block, a file is
 * hashed on a thread of its own, one block while the next is filled. */
#define SINK_BLOCK ((size_t)256 << 10)
#define SINK_FLUSH ((off_t)8 << 20)

struct sink {
	int fd;
	struct sha256 sha;
	char *blk[2];       /* filled in turn */
	int cur;            /* the one being filled */
	size_t n;           /* bytes in it */
	off_t at, flushed;  /* bytes written; handed to the disk */
	int tried;          /* a hasher was asked for */
	int threaded;       /* the hasher runs */
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	const char *todo;   /* the block the hasher is given, or NULL */
	size_t todolen;
	int quit;
};

/* The bytes written of all the outputs, told as they go. */
static struct {
	void (*fn)(enum quire_phase, size_t, size_t, void *);
	void *arg;
	pthread_mutex_t lock;
	size_t done, total;
} told = { NULL, NULL, PTHREAD_MUTEX_INITIALIZER, 0, 0 };

void
write_progress(void (*fn)(enum quire_phase, size_t, size_t, void *),
    void *arg)
{
	told.fn = fn;
	told.arg = arg;
}

static void
tell(size_t n)
{
	if (told.fn == NULL)
		return;
	pthread_mutex_lock(&told.lock);
	/* SHA256SUMS, after the outputs, is not counted. */
	if (told.done < told.total) {
		told.done += n;
		if (told.done > told.total)
			told.done = told.total;
		told.fn(QUIRE_WRITING, told.done, told.total, told.arg);
	}
	pthread_mutex_unlock(&told.lock);
}

/* The bytes a part will write. */
static size_t
part_size(const struct part *pt)
{
	if (pt->res)
		return (pt->res->len + 2) / 3 * 4;
	return pt->len;
}

static void *
sink_hasher(void *arg)
{
	struct sink *k = arg;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		if (k->todo) {
			const char *p = k->todo;
			size_t n = k->todolen;

			pthread_mutex_unlock(&k->lock);
			sha256_update(&k->sha, p, n);
			pthread_mutex_lock(&k->lock);
			k->todo = NULL;
			pthread_cond_broadcast(&k->cv);
		} else if (k->quit)
			break;
		else
			pthread_cond_wait(&k->cv, &k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/* Waits until the hasher has hashed what it was given. */
static void
sink_wait(struct sink *k)
{
	while (k->todo)
		pthread_cond_wait(&k->cv, &k->lock);
}

/* Writes and hashes what the block holds. */
static int
sink_drain(struct sink *k)
{
	if (k->n == 0)
		return 0;
	if (write_all(k->fd, k->blk[k->cur], k->n) == -1)
		return -1;
	tell(k->n);
	k->at += (off_t)k->n;
#ifdef SYNC_FILE_RANGE_WRITE
	if (k->at - k->flushed >= SINK_FLUSH) {
		(void)sync_file_range(k->fd, k->flushed, k->at - k->flushed,
		    SYNC_FILE_RANGE_WRITE);
		k->flushed = k->at;
	}
#endif
	if (!k->tried && k->n == SINK_BLOCK) {
		k->tried = 1;
		pthread_mutex_init(&k->lock, NULL);
		pthread_cond_init(&k->cv, NULL);
		k->blk[1] = xmalloc(SINK_BLOCK);
		if (pthread_create(&k->tid, NULL, sink_hasher, k) == 0)
			k->threaded = 1;
		else {
			pthread_mutex_destroy(&k->lock);
			pthread_cond_destroy(&k->cv);
		}
	}
	if (k->threaded) {
		pthread_mutex_lock(&k->lock);
		sink_wait(k);
		k->todo = k->blk[k->cur];
		k->todolen = k->n;
		pthread_cond_broadcast(&k->cv);
		pthread_mutex_unlock(&k->lock);
		k->cur ^= 1;
	} else
		sha256_update(&k->sha, k->blk[k->cur], k->n);
	k->n = 0;
	return 0;
}

/* The hasher done and gone; the digest. */
static void
sink_end(struct sink *k, unsigned char digest[32])
{
	if (k->threaded) {
		pthread_mutex_lock(&k->lock);
		sink_wait(k);
		k->quit = 1;
		pthread_cond_broadcast(&k->cv);
		pthread_mutex_unlock(&k->lock);
		pthread_join(k->tid, NULL);
		pthread_mutex_destroy(&k->lock);
		pthread_cond_destroy(&k->cv);
		k->threaded = 0;
	}
	sha256_final(&k->sha, digest);
	free(k->blk[0]);
	free(k->blk[1]);
}

static int
sink_put(void *arg, const char *p, size_t n)
{
	struct sink *k = arg;

	while (n > 0) {
		size_t m = SINK_BLOCK - k->n < n ? SINK_BLOCK - k->n : n;

		memcpy(k->blk[k->cur] + k->n, p, m);
		k->n += m;
		p += m;
		n -= m;
		if (k->n == SINK_BLOCK && sink_drain(k) == -1)
			return -1;
	}
	return 0;
}

/* Q_CHANGED with *changed set when a resource's file changed. */
static int
write_file(int fd, const struct out_file *f, unsigned char digest[32],
    const struct resource **changed)
{
	struct sink k = { 0 };
	int rc = 0;

	k.fd = fd;
	k.blk[0] = xmalloc(SINK_BLOCK);
	sha256_init(&k.sha);
	for (size_t i = 0; i < f->nparts; i++) {
		if ((rc = part_emit(&f->parts[i], sink_put, &k)) != 0) {
			if (rc == Q_CHANGED)
				*changed = f->parts[i].res;
			break;
		}
	}
	if (rc == 0)
		rc = sink_drain(&k);
	sink_end(&k, digest);
	return rc;
}

/* One output into its temporary file, on its own thread. */
struct fill {
	const struct out_file *f;
	int fd;
	int err;            /* errno of the failure, 0 if none */
	const struct resource *changed;  /* a resource whose file changed */
	unsigned char digest[32];
};

static void *
fill_file(void *arg)
{
	struct fill *k = arg;
	int rc = write_file(k->fd, k->f, k->digest, &k->changed);

	if (rc == Q_CHANGED)
		k->err = ESTALE;
	else if (rc == -1 || fsync(k->fd) == -1 || fchmod(k->fd, 0644) == -1)
		k->err = errno ? errno : EIO;
	if (close(k->fd) == -1 && k->err == 0)
		k->err = errno;
	return NULL;
}

int
write_outputs(const char *dir, struct out_file *f, size_t n,
    const char *sums, struct quire_diag *d)
{
	struct sigaction sa, old[4];
	/* SIGXFSZ ignored: past a file size limit, write() says EFBIG. */
	const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGXFSZ };
	struct loc l = { dir, 0, 0 };
	struct out_file sumf = { 0 };
	struct fill fills[MAX_OUT];
	pthread_t tid[MAX_OUT];
	int started[MAX_OUT] = { 0 };
	struct buf sb = { 0 };
	size_t all = n + (sums != NULL);
	int failed = 0;
	int rc = -1;

	if (all > MAX_OUT)
		return diag_syserr(d, &l, "too many outputs");
	if (mkdirs(dir) == -1)
		return diag_syserr(d, &l, "cannot create the output folder: "
		    "%s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++) {
		sa.sa_handler = sigs[i] == SIGXFSZ ? SIG_IGN : on_signal;
		sigaction(sigs[i], &sa, &old[i]);
	}
	ntmp = 0;
	mem_on_exhaust(write_abandon);
	memset(fills, 0, sizeof(fills));
	/* The temporary files, made here (the signal handler knows them
	 * all), filled on a thread each, the digests file last. */
	for (size_t i = 0; i < all; i++) {
		const char *name = i < n ? f[i].name : sums;

		snprintf(tmp_paths[i], sizeof(tmp_paths[i]),
		    "%s/.%s.tmp-XXXXXX", dir, name);
		if ((fills[i].fd = mkstemp(tmp_paths[i])) == -1) {
			char *final = path_join(dir, name);
			struct loc fl = { final, 0, 0 };
			diag_syserr(d, &fl, "cannot write: %s",
			    strerror(errno));
			free(final);
			for (size_t k = 0; k < i; k++)
				close(fills[k].fd);
			goto fail;
		}
		ntmp = (sig_atomic_t)(i + 1);
	}
	told.done = told.total = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < f[i].nparts; k++)
			told.total += part_size(&f[i].parts[k]);
	for (size_t i = 0; i < n; i++) {
		fills[i].f = &f[i];
		started[i] = i > 0 && pthread_create(&tid[i], NULL, fill_file,
		    &fills[i]) == 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!started[i])
			fill_file(&fills[i]);
	for (size_t i = 0; i < n; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	if (sums) {
		for (size_t i = 0; i < n; i++) {
			for (int k = 0; k < 32; k++)
				buf_printf(&sb, "%02x", fills[i].digest[k]);
			buf_printf(&sb, "  %s\n", f[i].name);
		}
		sumf.name = xstrdup(sums);
		out_add(&sumf, sb.data, sb.len);
		sb.data = NULL;
		fills[n].f = &sumf;
		fill_file(&fills[n]);
	}
	for (size_t i = 0; i < all; i++)
		if (fills[i].changed) {
			struct loc rl = { fills[i].changed->file, 0, 0 };
			diag_error(d, &rl, "the image changed while the book "
			    "was being made; nothing was written");
			failed = 1;
		} else if (fills[i].err) {
			char *final = path_join(dir, fills[i].f->name);
			struct loc fl = { final, 0, 0 };
			diag_syserr(d, &fl, "cannot write: %s",
			    strerror(fills[i].err));
			free(final);
			failed = 1;
		}
	if (failed)
		goto fail;
	for (size_t i = 0; i < all; i++) {
		char *final = path_join(dir, fills[i].f->name);
		if (rename(tmp_paths[i], final) == -1) {
			struct loc fl = { final, 0, 0 };
			diag_syserr(d, &fl, "cannot replace: %s",
			    strerror(errno));
			free(final);
			goto fail;
		}
		tmp_paths[i][0] = '\0';
		free(final);
	}
	ntmp = 0;
	{
		int fd = open(dir, O_RDONLY | O_DIRECTORY);
		if (fd != -1) {
			fsync(fd);
			close(fd);
		}
	}
	rc = 0;
fail:
	cleanup();
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	out_free(&sumf);
	buf_free(&sb);
	return rc;
}
