/* TeX to MathML or SVG: one converter co-process per build (node running
 * tools/math/quire-math.js, which uses KaTeX and MathJax), shared by every
 * rendering thread under a lock; when it cannot be started, formulas stay
 * TeX.  Whatever the converter does, a build ends: each formula has a
 * time limit (then the converter is killed and started again), an answer
 * must be one well-formed <math> (or <svg>) of listed elements, and at the
 * end a converter that does not leave is killed. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "render/render.h"

#ifndef QUIRE_MATH_SCRIPT
#define QUIRE_MATH_SCRIPT ""
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

static struct {
	pthread_mutex_t lock;
	int state;          /* 0 not tried, 2 started, 1 greeted: running,
	                       -1 unavailable */
	struct coproc cp;   /* node */
	char *why;          /* why it is unavailable */
	char *engine;       /* the greeting's "katex VERSION" */
	int warned;         /* the missing converter was reported */
	int starts;         /* converters started this build */
	int svg;            /* SVG, not MathML (math_configure) */
	char *macros;       /* JSON of the book's macros, or NULL */
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
} m = { .lock = PTHREAD_MUTEX_INITIALIZER, .cp = { -1, -1, NULL, 0, 0 } };

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
 * binary (../share/quire by default); else the source tree's, for a
 * quire run from its build tree. */
static const char *
script_path(void)
{
	static char installed[PATH_MAX + 64];

	return coproc_script("QUIRE_MATH", "math/quire-math.js",
	    QUIRE_MATH_SCRIPT, installed, sizeof(installed));
}

/* Ends the converter, grace_ms to leave.  The lock is held. */
static void
reap(int grace_ms)
{
	coproc_reap(&m.cp, grace_ms);
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

/* Starts node; its greeting is read by greet().  The lock is held. */
static int
spawn(void)
{
	const char *script = script_path();

	if (*script == '\0' || access(script, R_OK) != 0) {
		stop("the converter script is missing");
		return -1;
	}
	m.starts++;
	if (coproc_spawn(&m.cp, script, 512) != 0) {
		stop(errno == ENOENT ? "node was not found" :
		    "cannot start node");
		return -1;
	}
	m.state = 2;
	return 0;
}

/* One request of kind k and its answer, within ms milliseconds.
 * MATH_OK or MATH_BAD with *out the answer or the converter's message;
 * on a converter that failed (no answer in time, a broken answer),
 * MATH_BAD with *out saying so, and *dead set.  The lock is held. */
static int
request(char k, const char *text, size_t len, int ms, char **out, int *dead)
{
	char head[32];
	size_t size;
	int rc;

	snprintf(head, sizeof(head), "%c %zu\n", k, len);
	rc = coproc_request(&m.cp, head, text, len, mono_ms() + ms,
	    MATH_MAX_ANSWER, out, &size);
	*dead = rc < 0;
	switch (rc) {
	case COPROC_OK:
		return MATH_OK;
	case COPROC_ERR:
		return MATH_BAD;
	case COPROC_LARGE:
		*out = xasprintf("the converter's answer is too large (%zu "
		    "bytes, at most %zu)", size, MATH_MAX_ANSWER);
		*dead = 0;
		return MATH_BAD;
	case COPROC_LATE:
		*out = xasprintf("the converter took longer than %d seconds",
		    ms / 1000);
		return MATH_BAD;
	default:
		*out = xstrdup("the converter stopped without an answer");
		return MATH_BAD;
	}
}

/* Reads the greeting of a node spawn() started, then gives it the
 * book's macros.  The lock is held. */
static int
greet(void)
{
	ssize_t n = coproc_line(&m.cp, mono_ms() + MATH_START_MS, 4096);
	char *out = NULL;
	int dead;

	if (n < 0 || (size_t)n < 13 ||
	    memcmp(m.cp.in, "quire-math 1 ", 13) != 0) {
		stop("node could not load KaTeX");
		return -1;
	}
	free(m.engine);
	m.engine = xstrndup(m.cp.in + 13, (size_t)n - 13);
	coproc_consume(&m.cp, (size_t)n + 1);
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

/* Not while node is started and has not greeted, nor while another
 * thread holds the converter (asked again at the next essay). */
int
math_ready(void)
{
	int ready = 1;

	if (pthread_mutex_trylock(&m.lock) != 0)
		return 0;
	if (m.state == 2) {
		struct pollfd pfd = { m.cp.fd, POLLIN, 0 };

		ready = poll(&pfd, 1, 0) > 0;
	}
	pthread_mutex_unlock(&m.lock);
	return ready;
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
	free(m.macros);
	m.why = m.engine = m.macros = NULL;
	pthread_mutex_unlock(&m.lock);
}
