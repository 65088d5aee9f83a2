/* TeX to MathML or SVG: one converter co-process per build (node running
 * tools/math/quire-math.js, which uses KaTeX and MathJax), shared by every
 * rendering thread under a lock; when it cannot be started, formulas stay
 * TeX.  Whatever the converter does, a build ends: each formula has a
 * time limit (then the converter is killed and started again), an answer
 * must be one well-formed <math> (or <svg>) of listed elements, and at the
 * end a converter that does not leave is killed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "render/render.h"

#ifndef QUIRE_MATH_SCRIPT
#define QUIRE_MATH_SCRIPT ""
#endif
#ifndef QUIRE_DATA_FROM_BIN
#define QUIRE_DATA_FROM_BIN "../share/quire"
#endif

/* node loading KaTeX, on a busy machine. */
#define MATH_START_MS 30000
/* No formula takes KaTeX or MathJax this long (a few ms each): the
 * converter is stuck on it, or on a bomb that its bounds missed. */
#define MATH_FORMULA_MS 5000
/* After the end of its input, the converter has this long to leave. */
#define MATH_GRACE_MS 2000
/* An answer no formula needs (quire-math.js stops at 256 KiB). */
#define MATH_MAX_ANSWER ((size_t)1 << 20)
/* Deeper is flattened by the tree builder (render.c's MAX_NEST). */
#define MATH_MAX_DEPTH 200
/* A converter that keeps failing is given up after this many starts. */
#define MATH_MAX_STARTS 8

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
	int starts;         /* converters started this build */
	int svg;            /* SVG, not MathML (math_configure) */
	char *macros;       /* JSON of the book's macros, or NULL */
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
} m = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1, .pid = -1 };

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

/* The converter: QUIRE_MATH when set; else the one installed beside the
 * binary (QUIRE_DATA_FROM_BIN, ../share/quire by default, from the
 * folder of /proc/self/exe); else the source tree's, for a quire run
 * from its build tree. */
static const char *
script_path(void)
{
	static char installed[PATH_MAX + 64];
	const char *s = getenv("QUIRE_MATH");
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
			if ((size_t)snprintf(installed, sizeof(installed),
			    "%s/%s/math/quire-math.js", exe,
			    QUIRE_DATA_FROM_BIN) < sizeof(installed) &&
			    access(installed, R_OK) == 0)
				return installed;
		}
	}
	return QUIRE_MATH_SCRIPT;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ends the converter: its input closed, grace_ms to leave, then SIGKILL
 * (a converter that ignores the end of its input and SIGTERM must not
 * keep quire waiting).  The lock is held. */
static void
reap(int grace_ms)
{
	long long until = now_ms() + grace_ms;

	if (m.fd >= 0)
		close(m.fd);
	m.fd = -1;
	if (m.pid > 0) {
		if (grace_ms > 0)
			kill(m.pid, SIGTERM);
		for (;;) {
			pid_t r = waitpid(m.pid, NULL, WNOHANG);

			if (r == m.pid || (r < 0 && errno != EINTR))
				break;
			if (r == 0 && now_ms() >= until) {
				kill(m.pid, SIGKILL);
				while (waitpid(m.pid, NULL, 0) < 0 && errno == EINTR)
					;
				break;
			}
			if (r == 0)
				nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
		}
	}
	m.pid = -1;
	m.inlen = 0;
}

static void
stop(const char *why)
{
	reap(0);
	m.state = -1;
	free(m.why);
	m.why = xstrdup(why);
}

/* The converter failed on one formula: killed, and started again for
 * the next one (unless it keeps failing).  The lock is held. */
static void
restart(void)
{
	reap(0);
	if (m.starts >= MATH_MAX_STARTS)
		stop("the converter kept failing");
	else
		m.state = 0;
}

/* Waits until the converter has something to read, at most until the
 * time `until` (now_ms()); 1 when it has, 0 at the time limit, -1 on an
 * error. */
static int
wait_input(long long until)
{
	for (;;) {
		struct pollfd p = { m.fd, POLLIN, 0 };
		long long left = until - now_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Reads until a full line is buffered; returns its length (without the
 * newline), -1 on an error or a line too long, -2 at the time until. */
static ssize_t
read_line(long long until)
{
	for (;;) {
		char *nl = m.inlen ? memchr(m.in, '\n', m.inlen) : NULL;
		ssize_t r;
		int w;

		if (nl)
			return nl - m.in;
		if (m.inlen > 4096)
			return -1;
		if (m.incap - m.inlen < 4096) {
			m.incap = m.incap ? m.incap * 2 : 8192;
			m.in = xrealloc(m.in, m.incap);
		}
		if ((w = wait_input(until)) <= 0)
			return w == 0 ? -2 : -1;
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
	char *argv[5], **env;
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
	/* A formula that its bounds miss fails, not the machine. */
	argv[1] = (char *)"--max-old-space-size=512";
	argv[2] = (char *)"--";
	argv[3] = (char *)script;
	argv[4] = NULL;
	env = child_env();
	m.starts++;
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

/* One request of kind k and its answer, within ms milliseconds.
 * MATH_OK or MATH_BAD with *out the answer or the converter's message;
 * on a converter that failed (no answer in time, a broken answer),
 * MATH_BAD with *out saying so, and *dead set.  The lock is held. */
static int
request(char k, const char *text, size_t len, int ms, char **out, int *dead)
{
	long long until = now_ms() + ms;
	char head[32], *end;
	ssize_t n;
	unsigned long size;
	int ok;

	*dead = 1;
	snprintf(head, sizeof(head), "%c %zu\n", k, len);
	if (send_all(head, strlen(head)) != 0 || send_all(text, len) != 0)
		goto broken;
	if ((n = read_line(until)) == -2)
		goto late;
	if (n < 0)
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
	if (errno || *end != '\0' || m.in[ok ? 3 : 4] == '\0')
		goto broken;
	if (size > MATH_MAX_ANSWER) {
		*out = xasprintf("the converter's answer is too large (%lu "
		    "bytes, at most %zu)", size, MATH_MAX_ANSWER);
		return MATH_BAD;
	}
	consume((size_t)n + 1);
	while (m.inlen < size) {
		ssize_t r;
		int w;

		if (m.incap < size) {
			m.incap = size + 1;
			m.in = xrealloc(m.in, m.incap);
		}
		if ((w = wait_input(until)) == 0)
			goto late;
		if (w < 0)
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
	*dead = 0;
	return ok ? MATH_OK : MATH_BAD;
late:
	*out = xasprintf("the converter took longer than %d seconds",
	    ms / 1000);
	return MATH_BAD;
broken:
	*out = xstrdup("the converter stopped without an answer");
	return MATH_BAD;
}

/* Reads the greeting of a node spawn() started, then gives it the
 * book's macros.  The lock is held. */
static int
greet(void)
{
	ssize_t n = read_line(now_ms() + MATH_START_MS);
	char *out = NULL;
	int dead;

	if (n < 0 || (size_t)n < 13 || memcmp(m.in, "quire-math 1 ", 13) != 0) {
		stop("node could not load KaTeX");
		return -1;
	}
	free(m.engine);
	m.engine = xstrndup(m.in + 13, (size_t)n - 13);
	consume((size_t)n + 1);
	if (m.macros) {
		request('m', m.macros, strlen(m.macros), MATH_START_MS, &out,
		    &dead);
		free(out);
		if (dead) {
			stop("the converter did not take the book's macros");
			return -1;
		}
	}
	m.state = 1;
	return 0;
}

static int
math_ns(const xmlNode *n, const char *href)
{
	return n->ns == NULL || (n->ns->href &&
	    strcmp((const char *)n->ns->href, href) == 0);
}

/* Why the elements from n down are not what a formula may be: only
 * elements of the sanitiser's lists for ns and text, at most
 * MATH_MAX_DEPTH deep; NULL when they are.  Not recursive: the depth
 * is bounded first. */
static char *
odd_tree(xmlNode *root, enum san_ns ns, const char *href)
{
	xmlNode *n = root;
	int depth = 1;

	for (;;) {
		if (n->type == XML_ELEMENT_NODE) {
			if (!math_ns(n, href) || san_rule(ns, (const char *)
			    n->name) == NULL)
				return xasprintf("the converter's answer holds "
				    "<%.40s>, which is not %s", n->name,
				    ns == SAN_SVG ? "SVG" : "MathML");
			if (depth > MATH_MAX_DEPTH)
				return xasprintf("the formula is nested deeper "
				    "than %d levels", MATH_MAX_DEPTH);
		} else if (n->type != XML_TEXT_NODE)
			return xstrdup("the converter's answer holds more "
			    "than elements and text");
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			depth++;
			continue;
		}
		while (n != root && n->next == NULL) {
			n = n->parent;
			depth--;
		}
		if (n == root)
			return NULL;
		n = n->next;
	}
}

/* Why an answer is not exactly one <math> (<svg> in SVG mode) element
 * that the tree builder reads as it is; NULL when it is.  Anything
 * else could close the paragraph, open raw text or hide markup from
 * the sanitiser. */
static char *
odd_answer(const char *a, size_t len)
{
	const char *root = m.svg ? "svg" : "math";
	const char *href = m.svg ? "http://www.w3.org/2000/svg" :
	    "http://www.w3.org/1998/Math/MathML";
	xmlDoc *doc;
	xmlNode *r;
	char *why = NULL;

	if (len > INT_MAX || len < strlen(root) + 1 || a[0] != '<' ||
	    strncmp(a + 1, root, strlen(root)) != 0)
		return xasprintf("the converter's answer is not one <%s>",
		    root);
	doc = xmlReadMemory(a, (int)len, NULL, "UTF-8", XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL || doc->intSubset || (r = xmlDocGetRootElement(doc)) ==
	    NULL || r->prev || r->next || strcmp((const char *)r->name,
	    root) != 0 || !math_ns(r, href))
		why = xasprintf("the converter's answer is not one <%s>", root);
	else
		why = odd_tree(r, m.svg ? SAN_SVG : SAN_MATHML, href);
	xmlFreeDoc(doc);
	return why;
}

/* One formula and its answer; the lock is held. */
static int
exchange(const char *tex, size_t len, int display, char **out)
{
	char k = m.svg ? (display ? 'D' : 'I') : (display ? 'd' : 'i');
	int dead, rc = request(k, tex, len, MATH_FORMULA_MS, out, &dead);
	char *why;

	if (dead)
		restart();
	else if (rc == MATH_OK && (why = odd_answer(*out, strlen(*out)))) {
		free(*out);
		*out = why;
		rc = MATH_BAD;
	}
	return rc;
}

int
math_convert(const char *tex, size_t len, int display, char **out)
{
	int rc = MATH_NONE;
	char *key = xmalloc(len + 1);

	*out = NULL;
	pthread_mutex_lock(&m.lock);
	key[0] = m.svg ? (display ? 'D' : 'I') : (display ? 'd' : 'i');
	memcpy(key + 1, tex, len);
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

/* Forgets every answer given.  The lock is held. */
static void
forget_answers(void)
{
	for (size_t i = 0; i < m.capcache; i++) {
		free(m.cache[i].key);
		free(m.cache[i].out);
	}
	free(m.cache);
	m.cache = NULL;
	m.ncache = m.capcache = 0;
}

void
math_configure(int svg, const char *macros_json)
{
	pthread_mutex_lock(&m.lock);
	/* Other macros than the running converter was given (a book edited
	 * under quire watch): its answers no longer hold, and a converter
	 * that has them is started again with the new ones. */
	if ((m.macros == NULL) != (macros_json == NULL) || (m.macros &&
	    strcmp(m.macros, macros_json) != 0)) {
		if (m.state == 1) {
			reap(MATH_GRACE_MS);
			m.state = 0;
		}
		forget_answers();
	}
	m.svg = svg;
	free(m.macros);
	m.macros = macros_json ? xstrdup(macros_json) : NULL;
	pthread_mutex_unlock(&m.lock);
}

int
math_is_svg(void)
{
	int svg;

	pthread_mutex_lock(&m.lock);
	svg = m.svg;
	pthread_mutex_unlock(&m.lock);
	return svg;
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

/* Between two builds of one process (quire watch): the converter and its
 * answers stay; what a build reports is reported again, and a converter
 * that could not be had is tried again. */
void
math_next_build(void)
{
	pthread_mutex_lock(&m.lock);
	m.warned = 0;
	m.starts = 0;
	if (m.state == -1) {
		m.state = 0;
		free(m.why);
		m.why = NULL;
	}
	pthread_mutex_unlock(&m.lock);
}

void
math_cleanup(void)
{
	pthread_mutex_lock(&m.lock);
	/* End of input: the converter leaves, or is made to. */
	reap(MATH_GRACE_MS);
	m.state = 0;
	m.warned = 0;
	m.starts = 0;
	m.svg = 0;
	forget_answers();
	free(m.why);
	free(m.engine);
	free(m.in);
	free(m.macros);
	m.why = m.engine = m.in = m.macros = NULL;
	m.inlen = m.incap = 0;
	pthread_mutex_unlock(&m.lock);
}
