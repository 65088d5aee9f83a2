/* TeX to MathML: one converter co-process per build (node running
 * tools/math/quire-math.js, which uses KaTeX), shared by every rendering
 * thread under a lock; when it cannot be started, formulas stay TeX. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "render/render.h"

#ifndef QUIRE_MATH_SCRIPT
#define QUIRE_MATH_SCRIPT ""
#endif

/* No formula takes KaTeX this long: the converter is stuck. */
#define MATH_TIMEOUT_MS 30000

extern char **environ;

static struct {
	pthread_mutex_t lock;
	int state;          /* 0 not tried, 2 started, 1 greeted: running,
	                       -1 unavailable */
	int fd;             /* our end of the socket */
	pid_t pid;
	char *why;          /* why it is unavailable */
	char *engine;       /* the greeting's "katex VERSION" */
	int warned;         /* the missing converter was reported */
	char *in;           /* bytes read beyond the last answer */
	size_t inlen, incap;
	/* Answers already given, by mode and TeX: a book repeats its
	 * formulas ($n$, $x$) and each costs the converter most of a
	 * millisecond. */
	struct answer {
		char *key;      /* 'i' or 'd', then the TeX */
		size_t klen;
		char *out;
		int rc;
	} *cache;
	size_t ncache, capcache;  /* capcache: a power of two, or 0 */
} m = { PTHREAD_MUTEX_INITIALIZER, 0, -1, -1, NULL, NULL, 0, NULL, 0, 0,
    NULL, 0, 0 };

/* The slot of key in the cache: its answer, or the empty slot for it. */
static struct answer *
slot(const char *key, size_t klen)
{
	size_t i = (size_t)hash_fnv_n(key, klen) & (m.capcache - 1);

	while (m.cache[i].key && (m.cache[i].klen != klen ||
	    memcmp(m.cache[i].key, key, klen) != 0))
		i = (i + 1) & (m.capcache - 1);
	return &m.cache[i];
}

static void
remember(char *key, size_t klen, const char *out, int rc)
{
	struct answer *a;

	if (2 * (m.ncache + 1) > m.capcache) {
		struct answer *old = m.cache;
		size_t n = m.capcache;

		m.capcache = n ? n * 2 : 256;
		m.cache = xcalloc(m.capcache, sizeof(*m.cache));
		for (size_t i = 0; i < n; i++)
			if (old[i].key)
				*slot(old[i].key, old[i].klen) = old[i];
		free(old);
	}
	a = slot(key, klen);
	a->key = key;
	a->klen = klen;
	a->out = xstrdup(out);
	a->rc = rc;
	m.ncache++;
}

static const char *
script_path(void)
{
	const char *s = getenv("QUIRE_MATH");

	return s && *s ? s : QUIRE_MATH_SCRIPT;
}

static void
stop(const char *why)
{
	if (m.fd >= 0)
		close(m.fd);
	m.fd = -1;
	if (m.pid > 0) {
		kill(m.pid, SIGTERM);
		while (waitpid(m.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	m.pid = -1;
	m.state = -1;
	free(m.why);
	m.why = xstrdup(why);
}

/* Reads until a full line is buffered; returns its length (without the
 * newline) or -1. */
static ssize_t
read_line(void)
{
	for (;;) {
		char *nl = m.inlen ? memchr(m.in, '\n', m.inlen) : NULL;
		struct pollfd p = { m.fd, POLLIN, 0 };
		ssize_t r;

		if (nl)
			return nl - m.in;
		if (m.inlen > 4096)
			return -1;
		if (m.incap - m.inlen < 4096) {
			m.incap = m.incap ? m.incap * 2 : 8192;
			m.in = xrealloc(m.in, m.incap);
		}
		if (poll(&p, 1, MATH_TIMEOUT_MS) <= 0)
			return -1;
		r = read(m.fd, m.in + m.inlen, m.incap - m.inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		m.inlen += (size_t)r;
	}
}

/* Drops the first n bytes read. */
static void
consume(size_t n)
{
	memmove(m.in, m.in + n, m.inlen - n);
	m.inlen -= n;
}

/* The environment for node: this process's, less what only makes node
 * slower to start.  NODE_EXTRA_CA_CERTS has it parse a bundle of
 * certificates (some 60 ms) for connections the converter never makes. */
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

/* Starts node; its greeting is read by greet().  The lock is held. */
static int
spawn(void)
{
	const char *script = script_path();
	const char *node = getenv("QUIRE_NODE");
	posix_spawn_file_actions_t fa;
	char *argv[4], **env;
	int sv[2], rc;

	if (node == NULL || *node == '\0')
		node = "node";
	if (*script == '\0' || access(script, R_OK) != 0) {
		stop("the converter script is missing");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		stop("cannot start node");
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	argv[0] = (char *)node;
	argv[1] = (char *)"--";
	argv[2] = (char *)script;
	argv[3] = NULL;
	env = child_env();
	rc = posix_spawnp(&m.pid, node, &fa, NULL, argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	m.fd = sv[0];
	if (rc != 0) {
		m.pid = -1;
		stop("node was not found");
		return -1;
	}
	m.state = 2;
	return 0;
}

/* Reads the greeting of a node spawn() started.  The lock is held. */
static int
greet(void)
{
	ssize_t n = read_line();

	if (n < 0 || (size_t)n < 13 || memcmp(m.in, "quire-math 1 ", 13) != 0) {
		stop("node could not load KaTeX");
		return -1;
	}
	free(m.engine);
	m.engine = xstrndup(m.in + 13, (size_t)n - 13);
	consume((size_t)n + 1);
	m.state = 1;
	return 0;
}

static int
send_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(m.fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One request and its answer; the lock is held. */
static int
exchange(const char *tex, size_t len, int display, char **out)
{
	char head[32], *end;
	ssize_t n;
	unsigned long size;
	int ok;

	snprintf(head, sizeof(head), "%c %zu\n", display ? 'd' : 'i', len);
	if (send_all(head, strlen(head)) != 0 || send_all(tex, len) != 0 ||
	    (n = read_line()) < 0)
		goto broken;
	m.in[n] = '\0';
	if (strncmp(m.in, "ok ", 3) == 0)
		ok = 1;
	else if (strncmp(m.in, "err ", 4) == 0)
		ok = 0;
	else
		goto broken;
	errno = 0;
	size = strtoul(m.in + (ok ? 3 : 4), &end, 10);
	if (errno || *end != '\0' || size > ((size_t)64 << 20))
		goto broken;
	consume((size_t)n + 1);
	while (m.inlen < size) {
		struct pollfd p = { m.fd, POLLIN, 0 };
		ssize_t r;

		if (m.incap < size) {
			m.incap = size + 1;
			m.in = xrealloc(m.in, m.incap);
		}
		if (poll(&p, 1, MATH_TIMEOUT_MS) <= 0)
			goto broken;
		r = read(m.fd, m.in + m.inlen, m.incap - m.inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto broken;
		m.inlen += (size_t)r;
	}
	*out = xstrndup(m.in, size);
	consume(size);
	return ok ? MATH_OK : MATH_BAD;
broken:
	stop("the converter stopped answering");
	return MATH_NONE;
}

int
math_convert(const char *tex, size_t len, int display, char **out)
{
	int rc = MATH_NONE;
	char *key = xmalloc(len + 1);

	*out = NULL;
	key[0] = display ? 'd' : 'i';
	memcpy(key + 1, tex, len);
	pthread_mutex_lock(&m.lock);
	if (m.ncache) {
		struct answer *a = slot(key, len + 1);
		if (a->key) {
			*out = xstrdup(a->out);
			rc = a->rc;
			pthread_mutex_unlock(&m.lock);
			free(key);
			return rc;
		}
	}
	if (m.state == 0)
		spawn();
	if (m.state == 2)
		greet();
	if (m.state == 1)
		rc = exchange(tex, len, display, out);
	if (rc != MATH_NONE) {
		remember(key, len + 1, *out, rc);
		key = NULL;
	}
	pthread_mutex_unlock(&m.lock);
	free(key);
	return rc;
}

void
math_prestart(void)
{
	pthread_mutex_lock(&m.lock);
	if (m.state == 0)
		spawn();
	pthread_mutex_unlock(&m.lock);
}

int
math_missing(char **why)
{
	int first;

	pthread_mutex_lock(&m.lock);
	first = !m.warned;
	m.warned = 1;
	*why = xstrdup(m.why ? m.why : "no converter");
	pthread_mutex_unlock(&m.lock);
	return first;
}

void
math_cleanup(void)
{
	pthread_mutex_lock(&m.lock);
	if (m.fd >= 0)
		close(m.fd);  /* end of input: the converter exits */
	m.fd = -1;
	/* Started early but never asked: not worth waiting for. */
	if (m.pid > 0 && m.state == 2)
		kill(m.pid, SIGTERM);
	if (m.pid > 0)
		while (waitpid(m.pid, NULL, 0) < 0 && errno == EINTR)
			;
	m.pid = -1;
	m.state = 0;
	m.warned = 0;
	for (size_t i = 0; i < m.capcache; i++) {
		free(m.cache[i].key);
		free(m.cache[i].out);
	}
	free(m.cache);
	m.cache = NULL;
	m.ncache = m.capcache = 0;
	free(m.why);
	free(m.engine);
	free(m.in);
	m.why = m.engine = m.in = NULL;
	m.inlen = m.incap = 0;
	pthread_mutex_unlock(&m.lock);
}
