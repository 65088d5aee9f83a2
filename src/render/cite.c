/* Citations in pandoc's syntax ([@key], [see @a, p. 3; @b], @key,
 * @key [p. 3], [-@key]) and bibliographies, rendered by citeproc-js
 * (tools/cite/quire-cite.js, one co-process per build; BibTeX read by
 * Citation.js).  citeproc's output depends on the order of the
 * citations (2020a and 2020b, "ibid."), and essays render in parallel
 * in any order: so a pre-pass, before rendering, parses every essay,
 * finds its citation clusters in book order and has them all rendered
 * at once; rendering then finds the same clusters in the same parse and
 * puts each one's text in its place.  A book without a bibliography is
 * left alone: no pre-pass, no co-process, nothing changes. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmark-gfm.h>

#include "render/render.h"

#ifndef QUIRE_CITE_SCRIPT
#define QUIRE_CITE_SCRIPT ""
#endif

/* node loading citeproc-js and Citation.js, on a busy machine. */
#define CITE_START_MS 30000
/* One request: the book's bibliographies read, or all its citations
 * rendered (some 0.1 ms each; a book of 100,000 is not that slow). */
#define CITE_REQUEST_MS 120000
#define CITE_GRACE_MS 2000
/* An answer no book needs (quire-cite.js stops at 16 MiB). */
#define CITE_MAX_ANSWER ((size_t)32 << 20)
/* Bibliography and style files are read through read_inside (MAX_FILE). */


struct citem {
	char *key, *prefix, *suffix;
	int suppress;
};

struct cluster {
	struct citem *items;
	size_t n;
	int intext;
	char *html;         /* rendered, then made the replacement */
};

struct entry {
	char *key, *anchor, *html;
};

static struct {
	const struct book *b;
	int on;
	struct idset *src;  /* keys of each source */
	size_t nsrc;
	struct idset book;  /* keys of the book's own sources */
	size_t **esrc;      /* per essay: its own sources, -1 ended */
	struct cluster *cl;
	size_t ncl;
	size_t *first, *count;  /* per essay: its clusters */
	char **bib;         /* per essay: the bibliography appended */
	long refs;          /* bibliography_at: book: its essay, or -1 */
	struct idset anchor;  /* key: index in anchors */
	struct strv anchors;
	struct coproc cp;   /* node */
} c = { .refs = -1, .cp = { -1, -1, NULL, 0, 0 } };

/* ---- the scanner: pandoc's citation syntax in a text node ---- */

static int
key_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch >= 0x80;
}

/* The key at s (just after "@"): its length in *klen, and how far it
 * reaches in *end; 0 if none.  Internal punctuation only when a key
 * character follows it; @{...} takes anything up to the brace. */
static int
read_key(const char *s, size_t len, size_t at, size_t *kstart,
    size_t *klen, size_t *end)
{
	size_t i = at;

	if (i < len && s[i] == '{') {
		const char *cb = memchr(s + i + 1, '}', len - i - 1);

		if (cb == NULL || cb == s + i + 1)
			return 0;
		*kstart = i + 1;
		*klen = (size_t)(cb - s) - i - 1;
		*end = (size_t)(cb - s) + 1;
		return 1;
	}
	if (i >= len || !key_char((unsigned char)s[i]))
		return 0;
	while (i < len) {
		if (key_char((unsigned char)s[i]))
			i++;
		else if (strchr(":.#$%&-+?<>~/", s[i]) && s[i] != '\0' &&
		    i + 1 < len && key_char((unsigned char)s[i + 1]))
			i += 2;
		else
			break;
	}
	*kstart = at;
	*klen = i - at;
	*end = i;
	return 1;
}

/* Keys of the cross-references (fig:, tbl:, lst:, eq:, sec: and
 * Quarto's fig-...): not citations, left to their own pass. */
static int
xref_key(const char *k, size_t n)
{
	static const char *const p[] = { "fig", "tbl", "lst", "eq", "sec" };

	for (size_t i = 0; i < sizeof(p) / sizeof(*p); i++) {
		size_t m = strlen(p[i]);

		if (n > m + 1 && memcmp(k, p[i], m) == 0 &&
		    (k[m] == ':' || k[m] == '-'))
			return 1;
	}
	return 0;
}

static int
known(size_t ei, const char *key)
{
	if (idset_has(&c.book, key))
		return 1;
	for (size_t *s = c.esrc[ei]; *s != (size_t)-1; s++)
		if (idset_has(&c.src[*s], key))
			return 1;
	return 0;
}

struct found {
	size_t start, end;
	struct cluster cl;
};

/* Where an unknown key is in the source, for its warning. */
static void
warn_key(struct essay *e, cmark_node *n, const char *key,
    struct quire_diag *d)
{
	int line = cmark_node_get_start_line(n);
	struct loc at = { e->path, line + e->body_line - 1,
	    cmark_node_get_start_column(n) };
	const char *p = e->text ? e->text + e->body : NULL;
	const char *end = e->text ? e->text + e->len : NULL;
	char *needle = xasprintf("@%s", key);

	for (int l = 1; p && p < end && l < line; p++)
		if (*p == '\n')
			l++;
	if (p && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);

		for (size_t i = 0; i + strlen(needle) <= ll; i++)
			if (memcmp(p + i, needle, strlen(needle)) == 0 ||
			    (p[i] == '@' && p[i + 1] == '{' && i + 2 +
			    strlen(key) <= ll && memcmp(p + i + 2, key,
			    strlen(key)) == 0)) {
				at.col = (int)i + 1;
				break;
			}
	}
	free(needle);
	diag_warn(d, &at, "citation key not found: %s", key);
}

static void
item_add(struct cluster *cl, const char *s, size_t kstart, size_t klen,
    size_t pstart, size_t pend, size_t sstart, size_t send, int suppress)
{
	struct citem *it;

	GROW(cl->items, cl->n);
	it = &cl->items[cl->n++];
	it->key = xstrndup(s + kstart, klen);
	while (pstart < pend && s[pstart] == ' ')
		pstart++;
	it->prefix = xstrndup(s + pstart, pend - pstart);
	it->suffix = xstrndup(s + sstart, send - sstart);
	it->suppress = suppress;
}

static void
cluster_free(struct cluster *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		free(cl->items[i].key);
		free(cl->items[i].prefix);
		free(cl->items[i].suffix);
	}
	free(cl->items);
	free(cl->html);
	memset(cl, 0, sizeof(*cl));
}

/* A bracketed cluster [ ... ] between open and close: each part
 * "prefix @key suffix", separated by ";".  1: a cluster of known keys;
 * 0: not citations; -1: citations with a key not found (warned). */
static int
bracket(struct essay *e, size_t ei, cmark_node *n, const char *s,
    size_t open, size_t close, struct cluster *cl, struct quire_diag *d)
{
	size_t p = open + 1;
	int bad = 0;

	memset(cl, 0, sizeof(*cl));
	while (p <= close) {
		const char *semi = memchr(s + p, ';', close - p);
		size_t q = semi ? (size_t)(semi - s) : close;
		size_t at, ks, kl, ke;
		int sup = 0;

		for (at = p; at < q; at++)
			if (s[at] == '@' && (at == p || !key_char((unsigned
			    char)s[at - 1])) && read_key(s, q, at + 1, &ks, &kl,
			    &ke))
				break;
		if (at >= q || xref_key(s + ks, kl)) {
			cluster_free(cl);
			return 0;
		}
		if (at > p && s[at - 1] == '-') {
			sup = 1;
			at--;
		}
		{
			char *k = xstrndup(s + ks, kl);

			if (!known(ei, k)) {
				if (d)
					warn_key(e, n, k, d);
				bad = 1;
			}
			free(k);
		}
		item_add(cl, s, ks, kl, p, at, ke, q, sup);
		p = q + 1;
	}
	if (bad) {
		cluster_free(cl);
		return -1;
	}
	return 1;
}

/* The clusters of one text, in order. */
static size_t
scan(struct essay *e, size_t ei, cmark_node *n, const char *s,
    struct found **out, struct quire_diag *d)
{
	size_t len = strlen(s), nf = 0;
	struct found *f = NULL;

	*out = NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '[') {
			const char *cb = memchr(s + i + 1, ']', len - i - 1);
			const char *ob = memchr(s + i + 1, '[', len - i - 1);
			struct cluster cl;
			int r;

			if (cb == NULL || (ob && ob < cb) ||
			    memchr(s + i, '@', (size_t)(cb - s) - i) == NULL)
				continue;
			r = bracket(e, ei, n, s, i, (size_t)(cb - s), &cl, d);
			if (r == 0)
				continue;
			if (r > 0) {
				GROW(f, nf);
				f[nf].start = i;
				f[nf].end = (size_t)(cb - s) + 1;
				f[nf++].cl = cl;
			}
			i = (size_t)(cb - s);
		} else if (s[i] == '@' && (i == 0 ||
		    !(key_char((unsigned char)s[i - 1]) ||
		    strchr(":.#$%&-+?<>~/", s[i - 1])))) {
			size_t ks, kl, ke;
			char *k;

			if (!read_key(s, len, i + 1, &ks, &kl, &ke) ||
			    xref_key(s + ks, kl))
				continue;
			k = xstrndup(s + ks, kl);
			if (!known(ei, k)) {
				if (d)
					warn_key(e, n, k, d);
				free(k);
				i = ke - 1;
				continue;
			}
			free(k);
			GROW(f, nf);
			memset(&f[nf], 0, sizeof(*f));
			f[nf].start = i;
			f[nf].cl.intext = 1;
			/* @key [p. 33]: a locator in brackets right after. */
			if (ke + 1 < len && s[ke] == ' ' && s[ke + 1] == '[') {
				const char *cb = memchr(s + ke + 2, ']',
				    len - ke - 2);

				if (cb && memchr(s + ke, '@', (size_t)(cb - s) -
				    ke) == NULL && memchr(s + ke + 2, '[',
				    (size_t)(cb - s) - ke - 2) == NULL) {
					item_add(&f[nf].cl, s, ks, kl, 0, 0,
					    ke + 2, (size_t)(cb - s), 0);
					ke = (size_t)(cb - s) + 1;
				}
			}
			if (f[nf].cl.n == 0)
				item_add(&f[nf].cl, s, ks, kl, 0, 0, ke, ke, 0);
			f[nf].end = ke;
			nf++;
			i = ke - 1;
		}
	}
	*out = f;
	return nf;
}

/* The text nodes citations may be in: not in a link (its text or an
 * autolink's address) or an image's description; code, math and raw
 * HTML are nodes of their own. */
static size_t
texts(cmark_node *doc, cmark_node ***out)
{
	cmark_iter *it;
	cmark_event_type ev;
	cmark_node **v = NULL;
	size_t n = 0;
	int inside = 0;

	cmark_consolidate_text_nodes(doc);
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *k = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(k);

		if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE)
			inside += ev == CMARK_EVENT_ENTER ? 1 : -1;
		else if (t == CMARK_NODE_TEXT && !inside &&
		    ev == CMARK_EVENT_ENTER) {
			GROW(v, n);
			v[n++] = k;
		}
	}
	cmark_iter_free(it);
	*out = v;
	return n;
}

/* ---- the co-process ---- */

static void
reap(int grace_ms)
{
	coproc_reap(&c.cp, grace_ms);
}

static int
start(char **why)
{
	static char installed[PATH_MAX + 64];
	const char *script = coproc_script("QUIRE_CITE", "cite/quire-cite.js",
	    QUIRE_CITE_SCRIPT, installed, sizeof(installed));
	ssize_t line;

	if (*script == '\0' || access(script, R_OK) != 0) {
		*why = xstrdup("tools/cite/quire-cite.js is missing (see "
		    "QUIRE_CITE)");
		return -1;
	}
	if (coproc_spawn(&c.cp, script, 1024) != 0) {
		*why = errno == ENOENT ? xstrdup("node was not found (install "
		    "Node.js, then run npm ci in tools/cite)") :
		    xasprintf("cannot start node: %s", strerror(errno));
		return -1;
	}
	line = coproc_line(&c.cp, mono_ms() + CITE_START_MS, 256);
	if (line < 11 || memcmp(c.cp.in, "quire-cite ", 11) != 0) {
		reap(0);
		*why = xstrdup("node could not load citeproc-js (run npm ci "
		    "in tools/cite)");
		return -1;
	}
	coproc_consume(&c.cp, (size_t)line + 1);
	return 0;
}

/* One request; 0 with *out (*outlen bytes) the records, 1 with *out
 * the co-process's error ("SOURCE LINE COL\nmessage"), -1 with *out
 * saying why there is no answer. */
static int
request(const char *json, size_t len, char **out, size_t *outlen)
{
	char head[32];

	snprintf(head, sizeof(head), "%zu\n", len);
	switch (coproc_request(&c.cp, head, json, len,
	    mono_ms() + CITE_REQUEST_MS, CITE_MAX_ANSWER, out, outlen)) {
	case COPROC_OK:
		return 0;
	case COPROC_ERR:
		return 1;
	case COPROC_LARGE:
		*out = xasprintf("the citation processor's answer is too "
		    "large (%zu bytes, at most %zu)", *outlen,
		    CITE_MAX_ANSWER);
		return -1;
	case COPROC_LATE:
		*out = xasprintf("the citation processor took longer than %d "
		    "seconds", CITE_REQUEST_MS / 1000);
		return -1;
	default:
		*out = xstrdup("the citation processor stopped without an "
		    "answer");
		return -1;
	}
}

/* The next record of an answer: its tag (up to the length), its bytes;
 * 0 at the end, -1 if broken. */
static int
record(const char **p, const char *end, char *tag, size_t tagmax,
    const char **data, size_t *len)
{
	const char *nl, *sp;
	char *e;
	unsigned long n;

	if (*p >= end)
		return 0;
	if ((nl = memchr(*p, '\n', (size_t)(end - *p))) == NULL)
		return -1;
	for (sp = nl; sp > *p && sp[-1] != ' '; sp--)
		;
	if (sp == *p || (size_t)(sp - 1 - *p) >= tagmax)
		return -1;
	memcpy(tag, *p, (size_t)(sp - 1 - *p));
	tag[sp - 1 - *p] = '\0';
	n = strtoul(sp, &e, 10);
	if (e != nl || n > (size_t)(end - nl - 1))
		return -1;
	*data = nl + 1;
	*len = n;
	*p = nl + 1 + n;
	return 1;
}

/* ---- JSON for the requests ---- */

static void
json_str(struct buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			buf_printf(b, "\\u%04x", ch);
		else
			buf_putc(b, (char)ch);
	}
	buf_putc(b, '"');
}

/* ---- the pre-pass ---- */

struct source {
	char *rel;
	int line, col;      /* where it is named */
	const char *named;  /* in which file */
};

static int
has_ext(const char *s, const char *ext)
{
	size_t n = strlen(s), m = strlen(ext);

	return n > m && strcasecmp(s + n - m, ext) == 0;
}

static void
pos(const char *lc, int *line, int *col)
{
	*line = atoi(lc);
	*col = strchr(lc, ' ') ? atoi(strchr(lc, ' ') + 1) : 0;
}

/* Reads a source (or style) named at its place; NULL after an error. */
static char *
read_named(struct book *b, const char *named, const char *rel,
    const char *lc, const char *what, size_t *len, struct quire_diag *d)
{
	struct loc at = { named, 0, 0 };
	char *data = NULL;
	int rc;

	pos(lc, &at.line, &at.col);
	rc = read_inside(b, rel, &at, d, &data, len, NULL);
	if (rc == Q_ABSENT)
		diag_error(d, &at, "%s %s: no such file", what, rel);
	if (rc < 0 || rc == Q_ABSENT)
		return NULL;
	return data;
}

/* Where an error the co-process gives is: "SOURCE LINE COL\nmessage". */
static void
report(const char *err, char *const *paths, size_t npaths,
    struct quire_diag *d)
{
	long s = strtol(err, NULL, 10);
	int line = 1, col = 1;
	const char *sp = strchr(err, ' ');
	const char *msg = strchr(err, '\n');
	struct loc at = { NULL, 1, 1 };

	if (sp)
		pos(sp + 1, &line, &col);
	at.line = line > 0 ? line : 1;
	at.col = col > 0 ? col : 1;
	at.path = s >= 0 && (size_t)s < npaths ? paths[s] : NULL;
	diag_error(d, &at, "%s", msg ? msg + 1 : err);
}

static char *
citation_html(const struct cluster *cl, const char *href, const char *anc)
{
	return xasprintf("<span class=\"citation\"><a href=\"%s#%s\">%s"
	    "</a></span>", href, anc, cl->html ? cl->html : "");
}

/* An entry with its id: citeproc's <div class="csl-entry"> given
 * id="ANCHOR". */
static void
entry_put(struct buf *b, const struct entry *en)
{
	const char *h = en->html;
	const char *open = "<div class=\"csl-entry\"";

	if (strncmp(h, open, strlen(open)) == 0) {
		buf_printf(b, "%s id=\"%s\"%s\n", open, en->anchor,
		    h + strlen(open));
	} else
		buf_printf(b, "<div class=\"csl-entry\" id=\"%s\">%s</div>\n",
		    en->anchor, h);
}

void
cite_free(void)
{
	const struct book *b = c.b;

	for (size_t i = 0; i < c.nsrc; i++)
		idset_free(&c.src[i]);
	free(c.src);
	idset_free(&c.book);
	for (size_t i = 0; b && c.esrc && i < b->nessays; i++)
		free(c.esrc[i]);
	free(c.esrc);
	for (size_t i = 0; i < c.ncl; i++)
		cluster_free(&c.cl[i]);
	free(c.cl);
	free(c.first);
	free(c.count);
	for (size_t i = 0; b && c.bib && i < b->nessays; i++)
		free(c.bib[i]);
	free(c.bib);
	idset_free(&c.anchor);
	strv_free(&c.anchors);
	reap(CITE_GRACE_MS);
	memset(&c, 0, sizeof(c));
	c.cp.fd = -1;
	c.cp.pid = -1;
	c.refs = -1;
}

static const char *
anchor_of(const char *key)
{
	size_t *v = idset_val(&c.anchor, key);

	return v ? c.anchors.v[*v] : "";
}

/* The href from essay e to the essay holding the bibliography. */
static char *
href_of(const struct book *b, size_t ei)
{
	struct buf h = { 0 };
	const char *r;

	if (c.refs < 0)
		return xstrdup("");
	for (r = b->essays[ei].rel; (r = strchr(r, '/')) != NULL; r++)
		buf_puts(&h, "../");
	buf_puts(&h, b->essays[c.refs].rel);
	return buf_take(&h);
}

int
cite_book(struct book *b, pthread_mutex_t *cmark, struct quire_diag *d)
{
	struct source *src = NULL;
	size_t nsrc = 0, nstyles = 1, *estyle, nbook = 0;
	char **styles = NULL, **paths = NULL, *why = NULL, *ans = NULL;
	size_t anslen = 0, *bibfor = NULL, nbibs = 0;
	struct buf j = { 0 };
	const char *book_csl = NULL, *book_csl_lc = NULL;
	char *cyaml = path_join(b->root, "collection.yaml");
	int rc = -1, at_book = 0, r;

	cite_free();
	for (size_t i = 0; i + 2 < b->cite.n; i += 3)
		if (b->cite.v[i][0] == 'a')
			at_book = strcmp(b->cite.v[i + 1], "book") == 0;
	/* The sources: the book's, then each essay's own, each once. */
	for (size_t i = 0; i + 2 < b->cite.n; i += 3)
		if (b->cite.v[i][0] == 'b') {
			GROW(src, nsrc);
			src[nsrc].rel = b->cite.v[i + 1];
			pos(b->cite.v[i + 2], &src[nsrc].line, &src[nsrc].col);
			src[nsrc++].named = cyaml;
		} else if (b->cite.v[i][0] == 'c') {
			book_csl = b->cite.v[i + 1];
			book_csl_lc = b->cite.v[i + 2];
		}
	nbook = nsrc;
	for (size_t i = 0; i < b->nessays; i++)
		for (size_t k = 0; k + 2 < ECITE(b, i)->n; k += 3) {
			const struct strv *cv = ECITE(b, i);
			size_t s;

			if (cv->v[k][0] != 'b')
				continue;
			for (s = 0; s < nsrc; s++)
				if (strcmp(src[s].rel, cv->v[k + 1]) == 0)
					break;
			if (s < nsrc)
				continue;
			GROW(src, nsrc);
			src[nsrc].rel = cv->v[k + 1];
			pos(cv->v[k + 2], &src[nsrc].line, &src[nsrc].col);
			src[nsrc++].named = b->essays[i].path;
		}
	if (nsrc == 0) {
		free(cyaml);
		return 0;  /* no bibliography: nothing changes */
	}
	c.b = b;
	c.refs = -1;
	for (size_t i = 0; i < b->nessays; i++)
		if (ECITE(b, i)->n && ECITE(b, i)->v[0][0] == 'g')
			c.refs = (long)i;
	if (!at_book)
		c.refs = -1;
	/* The files, read from the content folder only. */
	paths = xcalloc(nsrc + 1, sizeof(*paths));
	buf_puts(&j, "{\"op\":\"load\",\"sources\":[");
	for (size_t i = 0; i < nsrc; i++) {
		struct loc at = { src[i].named, src[i].line, src[i].col };
		char lc[32], *text;
		size_t len;
		int json = has_ext(src[i].rel, ".json");

		paths[i] = path_join(b->root, src[i].rel);
		if (!json && !has_ext(src[i].rel, ".bib") &&
		    !has_ext(src[i].rel, ".bibtex")) {
			diag_error(d, &at, "bibliography %s: not BibTeX (.bib) "
			    "or CSL JSON (.json)", src[i].rel);
			goto out;
		}
		snprintf(lc, sizeof(lc), "%d %d", src[i].line, src[i].col);
		if ((text = read_named(b, src[i].named, src[i].rel, lc,
		    "bibliography", &len, d)) == NULL)
			goto out;
		buf_printf(&j, "%s{\"type\":\"%s\",\"text\":", i ? "," : "",
		    json ? "json" : "bibtex");
		json_str(&j, text, len);
		buf_putc(&j, '}');
		free(text);
	}
	buf_puts(&j, "]}");
	/* The styles: the book's (or the default), then essays' own. */
	estyle = xcalloc(b->nessays ? b->nessays : 1, sizeof(*estyle));
	styles = xcalloc(b->nessays + 2, sizeof(*styles));
	if (book_csl && (styles[0] = read_named(b, cyaml, book_csl,
	    book_csl_lc, "csl", &(size_t){ 0 }, d)) == NULL) {
		free(estyle);
		goto out;
	}
	for (size_t i = 0; i < b->nessays; i++)
		for (size_t k = 0; k + 2 < ECITE(b, i)->n; k += 3) {
			const struct strv *cv = ECITE(b, i);
			struct essay *e = &b->essays[i];
			size_t len;

			if (cv->v[k][0] != 'c')
				continue;
			if ((styles[nstyles] = read_named(b, e->path,
			    cv->v[k + 1], cv->v[k + 2], "csl", &len,
			    d)) == NULL) {
				free(estyle);
				goto out;
			}
			estyle[i] = nstyles++;
		}
	if (start(&why) < 0) {
		struct loc at = { src[0].named, src[0].line, src[0].col };

		diag_error(d, &at, "citations cannot be rendered: %s", why);
		free(estyle);
		goto out;
	}
	/* The keys of each source. */
	if ((r = request(j.data, j.len, &ans, &anslen)) != 0) {
		if (r > 0)
			report(ans, paths, nsrc, d);
		else {
			struct loc at = { src[0].named, src[0].line,
			    src[0].col };
			diag_error(d, &at, "bibliography: %s", ans);
		}
		free(estyle);
		goto out;
	}
	c.nsrc = nsrc;
	c.src = xcalloc(nsrc, sizeof(*c.src));
	{
		const char *p = ans, *data;
		char tag[32];
		size_t len;

		while (record(&p, ans + anslen, tag, sizeof(tag), &data,
		    &len) > 0) {
			long s = strtol(tag + 1, NULL, 10);
			char *k = xstrndup(data, len);

			if (tag[0] == 'k' && s >= 0 && (size_t)s < nsrc) {
				idset_add(&c.src[s], k);
				if ((size_t)s < nbook)
					idset_add(&c.book, k);
			}
			free(k);
		}
	}
	free(ans);
	ans = NULL;
	c.esrc = xcalloc(b->nessays, sizeof(*c.esrc));
	for (size_t i = 0; i < b->nessays; i++) {
		size_t n = 0;

		c.esrc[i] = xmalloc(sizeof(size_t));
		for (size_t k = 0; k + 2 < ECITE(b, i)->n; k += 3) {
			if (ECITE(b, i)->v[k][0] != 'b')
				continue;
			for (size_t s = 0; s < nsrc; s++)
				if (strcmp(src[s].rel,
				    ECITE(b, i)->v[k + 1]) == 0) {
					c.esrc[i] = xreallocarray(c.esrc[i],
					    n + 2, sizeof(size_t));
					c.esrc[i][n++] = s;
				}
		}
		c.esrc[i][n] = (size_t)-1;
	}
	/* Every essay's clusters, in book order. */
	c.first = xcalloc(b->nessays, sizeof(*c.first));
	c.count = xcalloc(b->nessays, sizeof(*c.count));
	for (size_t i = 0; i < b->nessays; i++) {
		struct essay *e = &b->essays[i];
		int again = e->text == NULL && e->reread;
		cmark_node *doc, **tv;
		size_t nt;

		c.first[i] = c.ncl;
		if (i == (size_t)c.refs)
			continue;
		if (again) {
			struct quire_diag *quiet = quire_diag_new(0);

			essay_reload(b, e, quiet);
			quire_diag_free(quiet);
		}
		if (e->text == NULL)
			continue;
		pthread_mutex_lock(cmark);
		doc = parse_cite_doc(e);
		pthread_mutex_unlock(cmark);
		nt = texts(doc, &tv);
		for (size_t t = 0; t < nt; t++) {
			struct found *f;
			size_t nf = scan(e, i, tv[t],
			    cmark_node_get_literal(tv[t]), &f, d);

			for (size_t k = 0; k < nf; k++) {
				GROW(c.cl, c.ncl);
				c.cl[c.ncl++] = f[k].cl;
			}
			free(f);
		}
		free(tv);
		cmark_node_free(doc);
		c.count[i] = c.ncl - c.first[i];
		if (again) {
			free(e->text);
			e->text = NULL;
		}
	}
	/* All of them rendered at once. */
	buf_free(&j);
	buf_puts(&j, "{\"op\":\"render\",\"lang\":");
	json_str(&j, b->lang ? b->lang : "en", strlen(b->lang ? b->lang :
	    "en"));
	buf_puts(&j, ",\"styles\":[");
	for (size_t s = 0; s < nstyles; s++) {
		if (s)
			buf_putc(&j, ',');
		if (styles[s])
			json_str(&j, styles[s], strlen(styles[s]));
		else
			buf_puts(&j, "null");
	}
	buf_puts(&j, "],\"clusters\":[");
	for (size_t i = 0, k = 0; i < b->nessays; i++)
		for (size_t q = 0; q < c.count[i]; q++, k++) {
			const struct cluster *cl = &c.cl[c.first[i] + q];

			buf_printf(&j, "%s{\"style\":%zu,\"intext\":%s,"
			    "\"items\":[", k ? "," : "", estyle[i],
			    cl->intext ? "true" : "false");
			for (size_t t = 0; t < cl->n; t++) {
				const struct citem *it = &cl->items[t];

				buf_puts(&j, t ? ",{\"id\":" : "{\"id\":");
				json_str(&j, it->key, strlen(it->key));
				buf_puts(&j, ",\"prefix\":");
				json_str(&j, it->prefix, strlen(it->prefix));
				buf_puts(&j, ",\"suffix\":");
				json_str(&j, it->suffix, strlen(it->suffix));
				buf_printf(&j, ",\"suppress\":%s}",
				    it->suppress ? "true" : "false");
			}
			buf_puts(&j, "]}");
		}
	buf_puts(&j, "],\"bibs\":[");
	/* The bibliographies asked for: one per essay that cites, of what
	 * it cites; or the book's, of every work cited. */
	bibfor = xcalloc(b->nessays + 1, sizeof(*bibfor));
	if (c.refs >= 0) {
		buf_puts(&j, "{\"style\":0,\"ids\":null}");
		bibfor[nbibs++] = (size_t)c.refs;
	} else
		for (size_t i = 0; i < b->nessays; i++) {
			struct idset cited = { 0 };
			int any = 0;

			if (c.count[i] == 0)
				continue;
			buf_printf(&j, "%s{\"style\":%zu,\"ids\":[",
			    nbibs ? "," : "", estyle[i]);
			for (size_t q = 0; q < c.count[i]; q++)
				for (size_t t = 0; t < c.cl[c.first[i] + q].n;
				    t++) {
					const char *k = c.cl[c.first[i] +
					    q].items[t].key;

					if (!idset_add(&cited, k))
						continue;
					if (any++)
						buf_putc(&j, ',');
					json_str(&j, k, strlen(k));
				}
			buf_puts(&j, "]}");
			idset_free(&cited);
			bibfor[nbibs++] = i;
		}
	buf_puts(&j, "]}");
	if ((r = request(j.data, j.len, &ans, &anslen)) != 0) {
		struct loc at = { src[0].named, src[0].line, src[0].col };

		if (r > 0 && strtol(ans, NULL, 10) > 0) {
			/* A style of an essay's: named in its front matter. */
			diag_error(d, &at, "csl: %s", strchr(ans, '\n') ?
			    strchr(ans, '\n') + 1 : ans);
		} else
			diag_error(d, &at, "citations: %s", r > 0 &&
			    strchr(ans, '\n') ? strchr(ans, '\n') + 1 : ans);
		free(estyle);
		free(bibfor);
		goto out;
	}
	{
		const char *p = ans, *data;
		char tag[32];
		size_t len, k = 0;
		struct buf *bh = xcalloc(nbibs ? nbibs : 1, sizeof(*bh));

		while (record(&p, ans + anslen, tag, sizeof(tag), &data,
		    &len) > 0) {
			if (tag[0] == 'c' && k < c.ncl) {
				c.cl[k++].html = xstrndup(data, len);
			} else if (tag[0] == 'b') {
				long s = strtol(tag + 1, NULL, 10);
				const char *z1 = memchr(data, '\0', len), *z2;
				struct entry en;

				if (s < 0 || (size_t)s >= nbibs || z1 == NULL ||
				    (z2 = memchr(z1 + 1, '\0', len - (size_t)
				    (z1 + 1 - data))) == NULL)
					continue;
				en.key = xstrndup(data, (size_t)(z1 - data));
				en.anchor = xstrndup(z1 + 1,
				    (size_t)(z2 - z1 - 1));
				en.html = xstrndup(z2 + 1, len - (size_t)(z2 +
				    1 - data));
				if (idset_add(&c.anchor, en.key)) {
					*idset_val(&c.anchor, en.key) =
					    c.anchors.n;
					strv_push(&c.anchors,
					    xstrdup(en.anchor));
				}
				entry_put(&bh[s], &en);
				free(en.key);
				free(en.anchor);
				free(en.html);
			}
		}
		/* Each cluster's replacement, linked to its first work. */
		for (size_t i = 0; i < b->nessays; i++) {
			char *href = href_of(b, i);

			for (size_t q = 0; q < c.count[i]; q++) {
				struct cluster *cl = &c.cl[c.first[i] + q];
				char *h = citation_html(cl, href,
				    anchor_of(cl->items[0].key));

				free(cl->html);
				cl->html = h;
			}
			free(href);
		}
		c.bib = xcalloc(b->nessays, sizeof(*c.bib));
		for (size_t n = 0; n < nbibs; n++) {
			struct essay *e = &b->essays[bibfor[n]];
			struct buf h = { 0 };

			if (bh[n].len == 0)
				continue;
			if (c.refs >= 0) {
				/* The book's: an essay of its own. */
				buf_printf(&h, "<div class=\"references "
				    "csl-bib-body\">\n%s</div>\n", bh[n].data);
				free(e->text);
				e->len = h.len;
				e->text = buf_take(&h);
			} else {
				buf_printf(&h, "<section class=\"references\" "
				    "data-references=\"\">\n<h2>%s</h2>\n"
				    "<div class=\"csl-bib-body\">\n%s</div>\n"
				    "</section>\n", i18n_word(b->lang,
				    W_REFERENCES), bh[n].data);
				c.bib[bibfor[n]] = buf_take(&h);
			}
		}
		for (size_t n = 0; n < nbibs; n++)
			buf_free(&bh[n]);
		free(bh);
	}
	free(bibfor);
	free(estyle);
	c.on = 1;
	rc = 0;
out:
	reap(CITE_GRACE_MS);
	buf_free(&j);
	free(ans);
	free(why);
	for (size_t i = 0; styles && i < b->nessays + 2; i++)
		free(styles[i]);
	free(styles);
	for (size_t i = 0; paths && i < nsrc; i++)
		free(paths[i]);
	free(paths);
	free(src);
	free(cyaml);
	return rc;
}

/* ---- rendering: the clusters put in their places ---- */

void
cite_essay(struct essay *e, void *root)
{
	cmark_node *doc = root, **tv;
	size_t ei, nt, k;

	if (!c.on || c.b == NULL || e < c.b->essays ||
	    e >= c.b->essays + c.b->nessays)
		return;
	ei = (size_t)(e - c.b->essays);
	if (c.count[ei]) {
		k = c.first[ei];
		nt = texts(doc, &tv);
		for (size_t t = 0; t < nt; t++) {
			const char *s = cmark_node_get_literal(tv[t]);
			struct found *f;
			size_t nf = scan(e, ei, tv[t], s, &f, NULL), at = 0;

			for (size_t q = 0; q < nf; q++) {
				cmark_node *x;
				char *piece;

				if (k >= c.first[ei] + c.count[ei])
					break;  /* cannot be: the same parse */
				if (f[q].start > at) {
					x = parse_new_node(CMARK_NODE_TEXT);
					piece = xstrndup(s + at, f[q].start - at);
					cmark_node_set_literal(x, piece);
					free(piece);
					cmark_node_insert_before(tv[t], x);
				}
				x = parse_new_node(CMARK_NODE_HTML_INLINE);
				cmark_node_set_literal(x, c.cl[k++].html);
				cmark_node_insert_before(tv[t], x);
				at = f[q].end;
			}
			if (nf) {
				if (s[at]) {
					cmark_node *x =
					    parse_new_node(CMARK_NODE_TEXT);
					cmark_node_set_literal(x, s + at);
					cmark_node_insert_before(tv[t], x);
				}
				cmark_node_unlink(tv[t]);
				cmark_node_free(tv[t]);
			}
			for (size_t q = 0; q < nf; q++)
				cluster_free(&f[q].cl);
			free(f);
		}
		free(tv);
	}
	if (c.bib[ei]) {
		cmark_node *x = parse_new_node(CMARK_NODE_HTML_BLOCK);

		cmark_node_set_literal(x, c.bib[ei]);
		cmark_node_append_child(doc, x);
	}
}

void
cite_digest(const struct essay *e, struct sha256 *h)
{
	size_t ei;

	if (!c.on || c.b == NULL || e < c.b->essays ||
	    e >= c.b->essays + c.b->nessays) {
		sha256_update(h, "-", 1);
		return;
	}
	ei = (size_t)(e - c.b->essays);
	for (size_t k = c.first[ei]; k < c.first[ei] + c.count[ei]; k++)
		sha256_update(h, c.cl[k].html, strlen(c.cl[k].html) + 1);
	sha256_update(h, c.bib[ei] ? c.bib[ei] : "", c.bib[ei] ?
	    strlen(c.bib[ei]) + 1 : 1);
}

void
cite_sections(xmlNode *n)
{
	if (!c.on)
		return;
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlHasProp(n, BAD_CAST "data-references")) {
			xmlUnsetProp(n, BAD_CAST "data-references");
			set_epub_type(n, "bibliography");
			set_attr(n, "role", "doc-bibliography");
			continue;
		}
		cite_sections(n->children);
	}
}
