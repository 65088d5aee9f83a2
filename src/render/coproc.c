/* A node co-process speaking quire's protocol, for the converters of
 * tools/ (math.c: TeX; cite.c: citations).  A request is a header line
 * and the bytes it counts; an answer is "ok N" or "err N" and N bytes.
 * node is started with posix_spawn, never through a shell, on a socket
 * for its standard input and output, its standard error sent to
 * /dev/null; every wait is bounded in time, and at the end a co-process
 * that does not leave is killed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "render/render.h"

#ifndef QUIRE_DATA_FROM_BIN
#define QUIRE_DATA_FROM_BIN "../share/quire"
#endif

extern char **environ;

long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
coproc_script(const char *env, const char *file, const char *built,
    char *buf, size_t size)
{
	const char *s = getenv(env);
	char exe[PATH_MAX];
	ssize_t n;

	if (s && *s)
		return s;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(buf, size, "%s/%s/%s", exe,
			    QUIRE_DATA_FROM_BIN, file) < size &&
			    access(buf, R_OK) == 0)
				return buf;
		}
	}
	return built;
}

/* The environment for node: this process's, less what only makes node
 * slower to start.  NODE_EXTRA_CA_CERTS has it parse a bundle of
 * certificates (some 60 ms) for connections a converter never makes. */
static char **
child_env(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xreallocarray(NULL, n + 1, sizeof(*env));
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "NODE_EXTRA_CA_CERTS=", 20) != 0)
			env[k++] = environ[i];
	env[k] = NULL;
	return env;
}

int
coproc_spawn(struct coproc *c, const char *script, int heap_mb)
{
	const char *node = getenv("QUIRE_NODE");
	posix_spawn_file_actions_t fa;
	char heap[48], *argv[5], **env;
	int sv[2], rc;

	if (node == NULL || *node == '\0')
		node = "node";
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* What its bounds miss fails the co-process, not the machine. */
	snprintf(heap, sizeof(heap), "--max-old-space-size=%d", heap_mb);
	argv[0] = (char *)node;
	argv[1] = heap;
	argv[2] = (char *)"--";
	argv[3] = (char *)script;
	argv[4] = NULL;
	env = child_env();
	rc = posix_spawnp(&c->pid, node, &fa, NULL, argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	c->fd = sv[0];
	c->inlen = 0;
	if (rc != 0) {
		close(c->fd);
		c->fd = -1;
		c->pid = -1;
		errno = rc;
		return -1;
	}
	return 0;
}

void
coproc_reap(struct coproc *c, int grace_ms)
{
	long long until = mono_ms() + grace_ms;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->pid > 0) {
		if (grace_ms > 0)
			kill(c->pid, SIGTERM);
		for (;;) {
			pid_t r = waitpid(c->pid, NULL, WNOHANG);

			if (r == c->pid || (r < 0 && errno != EINTR))
				break;
			if (r == 0 && mono_ms() >= until) {
				kill(c->pid, SIGKILL);
				while (waitpid(c->pid, NULL, 0) < 0 &&
				    errno == EINTR)
					;
				break;
			}
			if (r == 0)
				nanosleep(&(struct timespec){ 0, 5000000 },
				    NULL);
		}
	}
	c->pid = -1;
	free(c->in);
	c->in = NULL;
	c->inlen = c->incap = 0;
}

/* Reads what the co-process has, waiting at most until the time until
 * (mono_ms()); 1 when bytes came, 0 at the time limit, -1 when it is
 * gone. */
static int
read_more(struct coproc *c, long long until)
{
	for (;;) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		long long left = until - mono_ms();
		ssize_t r;
		int w;

		if (left <= 0)
			return 0;
		w = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (w < 0 && errno != EINTR)
			return -1;
		if (w <= 0)
			continue;
		if (c->incap - c->inlen < 4096) {
			c->incap = c->incap * 2 + 8192;
			c->in = xrealloc(c->in, c->incap);
		}
		r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->inlen += (size_t)r;
		return 1;
	}
}

ssize_t
coproc_line(struct coproc *c, long long until, size_t max)
{
	for (;;) {
		char *nl = c->inlen ? memchr(c->in, '\n', c->inlen) : NULL;
		int r;

		if (nl)
			return nl - c->in;
		if (c->inlen > max)
			return -1;
		if ((r = read_more(c, until)) <= 0)
			return r == 0 ? -2 : -1;
	}
}

void
coproc_consume(struct coproc *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

static int
send_all(struct coproc *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
coproc_request(struct coproc *c, const char *head, const char *data,
    size_t len, long long until, size_t max, char **out, size_t *outlen)
{
	char *end;
	ssize_t n;
	unsigned long size;
	int ok, r;

	*out = NULL;
	*outlen = 0;
	if (send_all(c, head, strlen(head)) != 0 ||
	    send_all(c, data, len) != 0)
		return COPROC_GONE;
	if ((n = coproc_line(c, until, 4096)) < 0)
		return n == -2 ? COPROC_LATE : COPROC_GONE;
	c->in[n] = '\0';
	if (strncmp(c->in, "ok ", 3) == 0)
		ok = 1;
	else if (strncmp(c->in, "err ", 4) == 0)
		ok = 0;
	else
		return COPROC_GONE;
	errno = 0;
	size = strtoul(c->in + (ok ? 3 : 4), &end, 10);
	if (errno || *end != '\0' || c->in[ok ? 3 : 4] == '\0')
		return COPROC_GONE;
	*outlen = size;
	if (size > max)
		return COPROC_LARGE;
	coproc_consume(c, (size_t)n + 1);
	while (c->inlen < size)
		if ((r = read_more(c, until)) <= 0)
			return r == 0 ? COPROC_LATE : COPROC_GONE;
	*out = xstrndup(c->in, size);
	coproc_consume(c, size);
	return ok ? COPROC_OK : COPROC_ERR;
}
