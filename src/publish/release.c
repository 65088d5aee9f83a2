/* Releases: the ledger of every release built into an output folder
 * (releases.xml), what changed between consecutive ones, and the switch
 * that makes a release's books, ledger, page, catalog and sums appear
 * together or not at all.
 *
 * The folder's books are written once and never replaced.  The files that
 * change with every release (releases.xml, index.html, catalog.xml,
 * SHA256SUMS, SHA256SUMS.sig) live in a generation folder .quire/g-*;
 * .quire/current is a symbolic link to the generation in force, and the
 * names in the output folder are links through it.  A release writes its
 * books, then a new generation, then replaces .quire/current with one
 * rename(): a build killed at any moment leaves the last consistent set.
 * What a killed build left (temporary files, unfinished generations) is
 * removed by the next one. */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "internal.h"

#define STATE ".quire"
#define LEDGER "releases.xml"
#define SUMS "SHA256SUMS"
#define SIG "SHA256SUMS.sig"

/* The files of a generation, in the order they are linked. */
static const char *const gen_names[] = { LEDGER, "index.html",
    "catalog.xml", SUMS };
#define NGEN (sizeof(gen_names) / sizeof(*gen_names))

void
release_free(struct release *r)
{
	free(r->version);
	free(r->date);
	free(r->uuid);
	free(r->title);
	free(r->subtitle);
	free(r->description);
	free(r->lang);
	strv_free(&r->authors);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].name);
		free(r->files[i].role);
		free(r->files[i].mime);
	}
	free(r->files);
	for (size_t i = 0; i < r->nessays; i++)
		free(r->essays[i].title);
	free(r->essays);
	for (size_t i = 0; i < r->nchanges; i++)
		free(r->changes[i].title);
	free(r->changes);
	memset(r, 0, sizeof(*r));
}

void
ledger_free(struct ledger *l)
{
	for (size_t i = 0; i < l->n; i++)
		release_free(&l->rel[i]);
	free(l->rel);
	free(l->book);
	memset(l, 0, sizeof(*l));
}

const struct rel_file *
release_file(const struct release *r, const char *role)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].role, role) == 0)
			return &r->files[i];
	return NULL;
}

/* A name the ledger may hold: a plain file in the folder. */
int
release_name_ok(const char *s)
{
	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > 255)
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == '\\' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

static int
hex64_ok(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return 0;
	return 1;
}

void
hex32(const unsigned char h[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* ---- the ledger as XML ---- */

static int
is_named(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns == NULL &&
	    strcmp((const char *)n->name, name) == 0;
}

static char *
attr_or(xmlNode *n, const char *name)
{
	char *s = get_attr(n, name);
	return s ? s : xstrdup("");
}

static long
attr_long(xmlNode *n, const char *name, int *bad)
{
	char *s = get_attr(n, name), *end;
	long v = 0;

	if (s == NULL || *s == '\0') {
		*bad = 1;
	} else {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end)
			*bad = 1;
	}
	free(s);
	return v;
}

static int
read_release(xmlNode *rn, struct release *r)
{
	int bad = 0;

	r->version = get_attr(rn, "version");
	r->date = attr_or(rn, "date");
	r->uuid = attr_or(rn, "id");
	if (r->version == NULL || *r->version == '\0')
		bad = 1;
	for (xmlNode *n = rn->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_named(n, "title"))
			r->title = node_text(n);
		else if (is_named(n, "subtitle"))
			r->subtitle = node_text(n);
		else if (is_named(n, "description"))
			r->description = node_text(n);
		else if (is_named(n, "language"))
			r->lang = node_text(n);
		else if (is_named(n, "author"))
			strv_push(&r->authors, node_text(n));
		else if (is_named(n, "file")) {
			struct rel_file *f;
			char *sha = get_attr(n, "sha256");

			GROW(r->files, r->nfiles);
			f = &r->files[r->nfiles++];
			memset(f, 0, sizeof(*f));
			f->name = get_attr(n, "name");
			f->role = attr_or(n, "role");
			f->mime = attr_or(n, "type");
			f->size = (unsigned long long)attr_long(n, "size", &bad);
			if (!release_name_ok(f->name) || !hex64_ok(sha))
				bad = 1;
			else
				memcpy(f->sha, sha, 65);
			free(sha);
		} else if (is_named(n, "essay")) {
			struct rel_essay *e;
			char *sha = get_attr(n, "sha256");

			GROW(r->essays, r->nessays);
			e = &r->essays[r->nessays++];
			memset(e, 0, sizeof(*e));
			e->title = attr_or(n, "title");
			e->words = attr_long(n, "words", &bad);
			if (!hex64_ok(sha))
				bad = 1;
			else
				memcpy(e->sha, sha, 65);
			free(sha);
		} else if (is_named(n, "added") || is_named(n, "removed") ||
		    is_named(n, "changed")) {
			struct rel_change *c;

			GROW(r->changes, r->nchanges);
			c = &r->changes[r->nchanges++];
			memset(c, 0, sizeof(*c));
			c->kind = is_named(n, "added") ? CH_ADDED :
			    is_named(n, "removed") ? CH_REMOVED : CH_CHANGED;
			c->title = attr_or(n, "title");
			c->words = attr_long(n, "words", &bad);
			if (c->kind == CH_CHANGED)
				c->delta = attr_long(n, "delta", &bad);
		}
	}
	if (r->title == NULL)
		r->title = xstrdup("");
	if (r->lang == NULL)
		r->lang = xstrdup("en");
	return bad ? -1 : 0;
}

/* Reads the ledger at path (named shown in messages): 0, -2 when there
 * is none, -1 after reporting that it cannot be read. */
int
ledger_read(const char *path, const char *shown, struct ledger *l,
    struct quire_diag *d)
{
	struct loc lc = { shown, 0, 0 };
	xmlDoc *doc;
	xmlNode *root;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return -2;
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING);
	if (doc == NULL)
		return diag_error(d, &lc, "the release ledger is not "
		    "well-formed XML");
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is_named(root, "releases") || doc->intSubset) {
		xmlFreeDoc(doc);
		return diag_error(d, &lc, "not a quire release ledger");
	}
	l->book = attr_or(root, "book");
	for (xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || !is_named(n, "release"))
			continue;
		GROW(l->rel, l->n);
		memset(&l->rel[l->n], 0, sizeof(*l->rel));
		if (read_release(n, &l->rel[l->n++]) == -1) {
			lc.line = (int)xmlGetLineNo(n);
			rc = diag_error(d, &lc, "release %s: a missing or "
			    "malformed value", l->rel[l->n - 1].version ?
			    l->rel[l->n - 1].version : "(no version)");
		}
	}
	xmlFreeDoc(doc);
	if (rc)
		ledger_free(l);
	return rc;
}

static void
set_long(xmlNode *n, const char *name, long long v)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", v);
	set_attr(n, name, s);
}

char *
ledger_xml(const struct ledger *l, size_t *len)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *root = xmlNewDocNode(doc, NULL, BAD_CAST "releases", NULL);
	char *s;

	xmlDocSetRootElement(doc, root);
	set_attr(root, "book", l->book);
	for (size_t i = 0; i < l->n; i++) {
		const struct release *r = &l->rel[i];
		xmlNode *rn = el(root, "release"), *n;

		set_attr(rn, "version", r->version);
		set_attr(rn, "date", r->date);
		set_attr(rn, "id", r->uuid);
		el_text(rn, "title", r->title);
		if (r->subtitle)
			el_text(rn, "subtitle", r->subtitle);
		if (r->description)
			el_text(rn, "description", r->description);
		for (size_t k = 0; k < r->authors.n; k++)
			el_text(rn, "author", r->authors.v[k]);
		el_text(rn, "language", r->lang);
		for (size_t k = 0; k < r->nfiles; k++) {
			n = el(rn, "file");
			set_attr(n, "name", r->files[k].name);
			set_attr(n, "role", r->files[k].role);
			set_attr(n, "type", r->files[k].mime);
			set_long(n, "size", (long long)r->files[k].size);
			set_attr(n, "sha256", r->files[k].sha);
		}
		for (size_t k = 0; k < r->nessays; k++) {
			n = el(rn, "essay");
			set_attr(n, "title", r->essays[k].title);
			set_attr(n, "sha256", r->essays[k].sha);
			set_long(n, "words", r->essays[k].words);
		}
		for (size_t k = 0; k < r->nchanges; k++) {
			const struct rel_change *c = &r->changes[k];
			n = el(rn, c->kind == CH_ADDED ? "added" :
			    c->kind == CH_REMOVED ? "removed" : "changed");
			set_attr(n, "title", c->title);
			set_long(n, "words", c->words);
			if (c->kind == CH_CHANGED)
				set_long(n, "delta", c->delta);
		}
	}
	{
		xmlChar *mem = NULL;
		int n = 0;

		xmlDocDumpFormatMemoryEnc(doc, &mem, &n, "UTF-8", 1);
		s = xstrndup((const char *)mem, (size_t)n);
		*len = (size_t)n;
		xmlFree(mem);
	}
	xmlFreeDoc(doc);
	return s;
}

/* ---- the release being built ---- */

/* A release's own identifier: a name-based UUID from the book's and the
 * version (RFC 9562 version 8), the same at every build. */
static char *
release_uuid(const char *book, const char *version)
{
	char *seed = xasprintf("quire-release:%s:%s", book, version);
	char *u = uuid_v8(seed);

	free(seed);
	return u;
}

/* Elements that do not end a word: "foo<em>bar</em>" is one. */
static int
is_inline(const xmlNode *n)
{
	static const char *const names[] = { "a", "abbr", "b", "bdi", "bdo",
	    "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd",
	    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
	    "time", "u", "var", NULL };

	for (size_t i = 0; names[i]; i++)
		if (strcmp((const char *)n->name, names[i]) == 0)
			return 1;
	return 0;
}

static void
words_of(const xmlChar *p, long *words, int *in)
{
	for (; p && *p; p++) {
		int space = *p == ' ' || *p == '\n' || *p == '\t' ||
		    *p == '\r' || *p == '\f' || *p == '\v';
		if (!space && !*in)
			(*words)++;
		*in = !space;
	}
}

/* The words of an essay's text after its header (title, date, summary),
 * for what changed between releases.  A walk without recursion: lists
 * may nest thousands deep. */
long
count_words(xmlNode *section)
{
	long words = 0;
	int in = 0;
	xmlNode *n = section->children;

	if (n && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, "header") == 0)
		n = n->next;
	while (n && n != section) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
			words_of(n->content, &words, &in);
		else if (n->type == XML_ELEMENT_NODE && !is_inline(n))
			in = 0;
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n != section && n->next == NULL) {
			n = n->parent;
			if (n->type == XML_ELEMENT_NODE && !is_inline(n))
				in = 0;
		}
		if (n != section)
			n = n->next;
	}
	return words;
}

/* An out_file's size and digest, its parts inflated on the way. */
struct digest_sink {
	struct sha256 sha;
	unsigned long long size;
};

static int
digest_put(void *arg, const char *p, size_t n)
{
	struct digest_sink *k = arg;

	sha256_update(&k->sha, p, n);
	k->size += n;
	return 0;
}

static void
out_digest(const struct out_file *f, char hex[65], unsigned long long *size)
{
	struct digest_sink k;
	unsigned char h[32];

	k.size = 0;
	sha256_init(&k.sha);
	/* A resource's file found changed here is reported when the
	 * file is written. */
	for (size_t i = 0; i < f->nparts; i++)
		part_emit(&f->parts[i], digest_put, &k);
	sha256_final(&k.sha, h);
	hex32(h, hex);
	*size = k.size;
}

static void
add_file(struct release *r, const struct out_file *f, const char *role,
    const char *mime)
{
	struct rel_file *rf;

	GROW(r->files, r->nfiles);
	rf = &r->files[r->nfiles++];
	memset(rf, 0, sizeof(*rf));
	rf->name = xstrdup(f->name);
	rf->role = xstrdup(role);
	rf->mime = xstrdup(mime);
	out_digest(f, rf->sha, &rf->size);
}

static void
release_make(struct release *r, const struct book *b, const char *version,
    struct out_file *out, size_t nout, const struct out_file *cover,
    const char *cover_mime)
{
	memset(r, 0, sizeof(*r));
	r->version = xstrdup(version);
	r->date = iso_time(b->mtime);
	r->uuid = release_uuid(b->uuid, version);
	r->title = xstrdup(b->title);
	r->subtitle = b->subtitle ? xstrdup(b->subtitle) : NULL;
	r->description = b->description ? xstrdup(b->description) : NULL;
	r->lang = xstrdup(b->lang);
	for (size_t i = 0; i < b->authors.n; i++)
		strv_push(&r->authors, xstrdup(b->authors.v[i]));
	for (size_t i = 0; i < nout; i++) {
		int epub = path_has_ext(out[i].name, ".epub");
		add_file(r, &out[i], epub ? "epub" : "html",
		    epub ? "application/epub+zip" : "text/html");
	}
	add_file(r, cover, "cover", cover_mime);
	for (size_t i = 0; i < b->nessays; i++) {
		const struct essay *e = &b->essays[i];
		struct rel_essay *re;

		GROW(r->essays, r->nessays);
		re = &r->essays[r->nessays++];
		re->title = xstrdup(e->title ? e->title : e->rel);
		hex32(e->src_sha, re->sha);
		re->words = e->words;
	}
}

static const struct rel_essay *
essay_titled(const struct release *r, const char *title)
{
	for (size_t i = 0; i < r->nessays; i++)
		if (strcmp(r->essays[i].title, title) == 0)
			return &r->essays[i];
	return NULL;
}

static void
add_change(struct release *r, int kind, const char *title, long words,
    long delta)
{
	GROW(r->changes, r->nchanges);
	r->changes[r->nchanges++] = (struct rel_change){ kind,
	    xstrdup(title), words, delta };
}

/* What changed from prev to r: essays added and changed in r's order,
 * then those removed in prev's. */
static void
release_diff(struct release *r, const struct release *prev)
{
	for (size_t i = 0; i < r->nessays; i++) {
		const struct rel_essay *e = &r->essays[i];
		const struct rel_essay *p = essay_titled(prev, e->title);

		if (p == NULL)
			add_change(r, CH_ADDED, e->title, e->words, 0);
		else if (strcmp(p->sha, e->sha) != 0)
			add_change(r, CH_CHANGED, e->title, e->words,
			    e->words - p->words);
	}
	for (size_t i = 0; i < prev->nessays; i++)
		if (essay_titled(r, prev->essays[i].title) == NULL)
			add_change(r, CH_REMOVED, prev->essays[i].title,
			    prev->essays[i].words, 0);
}

/* A published release against the same version built again: 0 when
 * every file is the same bytes, else -1 after naming each difference. */
static int
release_same(const struct release *old, const struct release *cur,
    const struct loc *l, struct quire_diag *d)
{
	int rc = 0;

	for (size_t i = 0; i < cur->nfiles; i++) {
		const struct rel_file *f = &cur->files[i];
		const struct rel_file *o = NULL;

		for (size_t k = 0; k < old->nfiles; k++)
			if (strcmp(old->files[k].name, f->name) == 0)
				o = &old->files[k];
		if (o == NULL)
			rc = diag_error(d, l, "release %s is published without "
			    "%s", old->version, f->name);
		else if (strcmp(o->sha, f->sha) != 0)
			rc = diag_error(d, l, "release %s is published: %s "
			    "would differ (SHA-256 %.16s..., now %.16s...)",
			    old->version, f->name, o->sha, f->sha);
	}
	for (size_t k = 0; k < old->nfiles; k++) {
		int found = 0;
		for (size_t i = 0; i < cur->nfiles; i++)
			found |= strcmp(old->files[k].name,
			    cur->files[i].name) == 0;
		if (!found)
			rc = diag_error(d, l, "release %s is published with "
			    "%s, which this build does not make",
			    old->version, old->files[k].name);
	}
	if (rc == 0)
		return 0;
	for (size_t i = 0; i < cur->nessays; i++) {
		const struct rel_essay *e = &cur->essays[i];
		const struct rel_essay *p = essay_titled(old, e->title);

		if (p == NULL)
			diag_error(d, l, "release %s: essay '%s' was not in "
			    "it", old->version, e->title);
		else if (strcmp(p->sha, e->sha) != 0)
			diag_error(d, l, "release %s: essay '%s' has changed",
			    old->version, e->title);
	}
	for (size_t i = 0; i < old->nessays; i++)
		if (essay_titled(cur, old->essays[i].title) == NULL)
			diag_error(d, l, "release %s: essay '%s' is gone",
			    old->version, old->essays[i].title);
	return -1;
}

/* ---- the output folder ---- */

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static void
rm_tree(const char *path)
{
	DIR *dp = opendir(path);
	struct dirent *de;

	if (dp == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		char *p;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = path_join(path, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(dp);
	rmdir(path);
}

/* The generation .quire/current points at, or NULL. */
static char *
current_gen(const char *state)
{
	char *link = path_join(state, "current");
	char target[256];
	ssize_t n = readlink(link, target, sizeof(target) - 1);

	free(link);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	return xstrdup(target);
}

/* Removes what a killed build left: temporary files in the folder,
 * generations that are not current, links being made. */
void
release_tidy(const char *dir)
{
	char *state = path_join(dir, STATE), *cur;
	DIR *dp;
	struct dirent *de;

	if ((dp = opendir(dir)) != NULL) {
		while ((de = readdir(dp)) != NULL)
			if (de->d_name[0] == '.' &&
			    strstr(de->d_name, ".tmp-") != NULL) {
				char *p = path_join(dir, de->d_name);
				unlink(p);
				free(p);
			}
		closedir(dp);
	}
	cur = current_gen(state);
	if ((dp = opendir(state)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			char *p;
			if (strncmp(de->d_name, "g-", 2) != 0 &&
			    strncmp(de->d_name, "current.", 8) != 0)
				continue;
			if (cur && strcmp(de->d_name, cur) == 0)
				continue;
			p = path_join(state, de->d_name);
			rm_tree(p);
			free(p);
		}
		closedir(dp);
	}
	free(cur);
	free(state);
}

/* One quire at a time in an output folder: a lock on the folder itself,
 * released when fd is closed (or the process dies). */
int
release_lock(const char *dir, struct quire_diag *d)
{
	struct loc l = { dir, 0, 0 };
	int fd;

	if (mkdirs(dir) == -1)
		return diag_syserr(d, &l, "cannot create the output folder: "
		    "%s", strerror(errno));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		diag_syserr(d, &l, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1) {
		diag_syserr(d, &l, "cannot lock: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* dir/name as a link to .quire/current/name, made when it is not one. */
static int
link_name(const char *dir, const char *name)
{
	char *p = path_join(dir, name), *want = xasprintf(STATE "/current/%s",
	    name), *tmp;
	char have[512];
	ssize_t n = readlink(p, have, sizeof(have) - 1);
	int rc = 0;

	if (n > 0 && (size_t)n == strlen(want) && memcmp(have, want, n) == 0)
		goto done;
	tmp = xasprintf("%s/.%s.tmp-link", dir, name);
	unlink(tmp);
	if (symlink(want, tmp) == -1 || rename(tmp, p) == -1) {
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
done:
	free(p);
	free(want);
	return rc;
}

/* Publishes: the ledger's links in place (they may be missing after a
 * kill), then the unsigned signature's link gone. */
static int
link_all(const char *dir, int signed_)
{
	char *sig = path_join(dir, SIG);
	char have[512];
	ssize_t n;
	int rc = 0;

	for (size_t i = 0; i < NGEN; i++)
		if (link_name(dir, gen_names[i]) == -1)
			rc = -1;
	if (signed_) {
		if (link_name(dir, SIG) == -1)
			rc = -1;
	} else if ((n = readlink(sig, have, sizeof(have) - 1)) > 0 &&
	    strncmp(have, STATE "/current/", sizeof(STATE "/current/") - 1)
	    == 0)
		unlink(sig);
	free(sig);
	return rc;
}

static int
has_sig(const char *state)
{
	char *p = path_join(state, "current/" SIG);
	int rc = access(p, F_OK) == 0;

	free(p);
	return rc;
}

/* SHA256SUMS: every release's files, then the ledger, page and catalog. */
static char *
sums_text(const struct ledger *l, struct out_file *gen, size_t ngen,
    size_t *len)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->rel[i].nfiles; k++)
			buf_printf(&b, "%s  %s\n", l->rel[i].files[k].sha,
			    l->rel[i].files[k].name);
	for (size_t i = 0; i < ngen; i++) {
		char hex[65];
		unsigned long long size;

		out_digest(&gen[i], hex, &size);
		buf_printf(&b, "%s  %s\n", hex, gen[i].name);
	}
	*len = b.len;
	return buf_take(&b);
}

/* Signs path into path.sig with ssh-keygen, in namespace "file". */
static int
sign_file(const char *key, const char *path, const struct loc *l,
    struct quire_diag *d)
{
	const char *argv[] = { "ssh-keygen", "-q", "-Y", "sign", "-f", key,
	    "-n", "file", path, NULL };
	struct buf err = { 0 };
	int st = run_program(argv, NULL, NULL, &err);

	if (st != 0) {
		if (err.len && err.data[err.len - 1] == '\n')
			err.data[--err.len] = '\0';
		diag_error(d, l, "ssh-keygen -Y sign failed%s%s",
		    err.len ? ": " : "", err.len ? err.data : "");
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	return 0;
}

static void
report_written(const struct quire_options *opt, const char *dir,
    const char *name)
{
	char *p;

	if (opt->on_output == NULL)
		return;
	p = path_join(dir, name);
	opt->on_output(p, opt->arg);
	free(p);
}

/* The release build: books, cover, ledger, page, catalog and sums. */
int
release_publish(struct book *b, const struct quire_options *opt,
    struct out_file *out, size_t nout, struct quire_diag *d)
{
	const char *dir = opt->out;
	char *state = path_join(dir, STATE), *ledger_path, *gen = NULL, *shown;
	struct out_file cover = { 0 }, files[NGEN];
	struct ledger l = { 0 };
	struct release cur;
	const char *cover_mime;
	struct loc lc;
	int lock, rc = -1, signed_ = 0;
	size_t len;

	memset(files, 0, sizeof(files));
	memset(&cur, 0, sizeof(cur));
	ledger_path = path_join(state, "current/" LEDGER);
	shown = path_join(dir, LEDGER);
	lc = (struct loc){ shown, 0, 0 };
	if ((lock = release_lock(dir, d)) == -1)
		goto done;
	release_tidy(dir);
	if (mkdir(state, 0777) == -1 && errno != EEXIST) {
		diag_syserr(d, &lc, "cannot create %s: %s", state,
		    strerror(errno));
		goto done;
	}
	switch (ledger_read(ledger_path, shown, &l, d)) {
	case -1:
		goto done;
	case -2:
		l.book = xstrdup(b->uuid);
		break;
	}
	/* The cover, a file of its own for the catalog and the page. */
	if (b->cover_res) {
		const char *ext = strrchr(b->cover_res->name, '.');
		cover.name = xasprintf("%s-cover%s", b->slug, ext ? ext : "");
		if (b->cover_res->data) {
			out_add(&cover, xmalloc(b->cover_res->len ?
			    b->cover_res->len : 1), b->cover_res->len);
			memcpy(cover.parts[0].data, b->cover_res->data,
			    b->cover_res->len);
		} else {
			unsigned char *bytes = resource_bytes(b->cover_res);
			struct loc cl = { b->cover_res->file, 0, 0 };

			if (bytes == NULL) {
				diag_error(d, &cl, "the image changed while the "
				    "book was being made; nothing was written");
				goto done;
			}
			out_add(&cover, (char *)bytes, b->cover_res->len);
		}
		cover_mime = b->cover_res->mime;
	} else {
		char *s = cover_svg(b, &len);
		cover.name = xasprintf("%s-cover.svg", b->slug);
		out_add(&cover, s, len);
		cover_mime = "image/svg+xml";
	}
	release_make(&cur, b, opt->release, out, nout, &cover, cover_mime);
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.rel[i].version, cur.version) != 0)
			continue;
		if (release_same(&l.rel[i], &cur, &lc, d) == -1)
			goto done;
		/* The same bytes: nothing to do but mend the links a
		 * killed build may have left unmade. */
		if (link_all(dir, has_sig(state)) == -1) {
			diag_syserr(d, &lc, "cannot link the release files: %s",
			    strerror(errno));
			goto done;
		}
		rc = 0;
		goto done;
	}
	/* Versions whose names differ only in characters a file name
	 * cannot hold (1.0 and 1-0) would share files. */
	for (size_t i = 0; i < l.n; i++)
		for (size_t k = 0; k < l.rel[i].nfiles; k++)
			for (size_t j = 0; j < cur.nfiles; j++)
				if (strcmp(l.rel[i].files[k].name,
				    cur.files[j].name) == 0) {
					diag_error(d, &lc, "%s is a file of "
					    "release %s: choose a version "
					    "that names files of its own",
					    cur.files[j].name,
					    l.rel[i].version);
					goto done;
				}
	if (l.n)
		release_diff(&cur, &l.rel[l.n - 1]);
	GROW(l.rel, l.n);
	l.rel[l.n++] = cur;
	memset(&cur, 0, sizeof(cur));

	/* The new generation: ledger, page, catalog, sums; signed. */
	files[0].name = xstrdup(LEDGER);
	{
		char *s = ledger_xml(&l, &len);
		out_add(&files[0], s, len);
	}
	{
		struct edition ed = { &l, &cover, cover_mime,
		    opt->sign != NULL };
		int pst = page_write(&ed, &files[1], d);
		if (opds_write(&ed, &files[2], d) == -1 || pst == -1)
			goto done;
	}
	files[3].name = xstrdup(SUMS);
	{
		char *s = sums_text(&l, files, 3, &len);
		out_add(&files[3], s, len);
	}
	gen = path_join(state, "g-XXXXXX");
	if (mkdtemp(gen) == NULL) {
		diag_syserr(d, &lc, "cannot create %s: %s", gen,
		    strerror(errno));
		goto done;
	}
	chmod(gen, 0755);
	if (write_outputs(gen, files, NGEN, NULL, d) == -1)
		goto done;
	if (opt->sign) {
		char *sp = path_join(gen, SUMS);
		int st = sign_file(opt->sign, sp, &lc, d);
		free(sp);
		if (st == -1)
			goto done;
		signed_ = 1;
		sp = path_join(gen, SIG);
		chmod(sp, 0644);
		free(sp);
		fsync_dir(gen);
	}
	/* The books, new names beside the published ones: until the switch
	 * below no ledger names them. */
	{
		struct out_file all[MAX_RELEASE_FILES];
		size_t n = 0;
		for (size_t i = 0; i < nout; i++)
			all[n++] = out[i];
		all[n++] = cover;
		if (write_outputs(dir, all, n, NULL, d) == -1)
			goto done;
	}
	/* The switch. */
	{
		char *tmp = path_join(state, "current.new");
		char *curp = path_join(state, "current");
		int st;

		unlink(tmp);
		st = symlink(path_basename(gen), tmp) == -1 ||
		    rename(tmp, curp) == -1 ? -1 : 0;
		if (st == -1)
			diag_syserr(d, &lc, "cannot switch to the new release: "
			    "%s", strerror(errno));
		unlink(tmp);
		free(tmp);
		free(curp);
		if (st == -1)
			goto done;
		fsync_dir(state);
	}
	free(gen);
	gen = NULL;
	if (link_all(dir, signed_) == -1) {
		diag_syserr(d, &lc, "cannot link the release files: %s",
		    strerror(errno));
		goto done;
	}
	fsync_dir(dir);
	release_tidy(dir);
	for (size_t i = 0; i < nout; i++)
		report_written(opt, dir, out[i].name);
	report_written(opt, dir, cover.name);
	for (size_t i = 0; i < NGEN; i++)
		report_written(opt, dir, gen_names[i]);
	if (signed_)
		report_written(opt, dir, SIG);
	rc = 0;
done:
	if (gen) {
		rm_tree(gen);
		free(gen);
	}
	for (size_t i = 0; i < NGEN; i++)
		out_free(&files[i]);
	out_free(&cover);
	release_free(&cur);
	ledger_free(&l);
	if (lock != -1)
		close(lock);
	free(ledger_path);
	free(shown);
	free(state);
	return rc;
}

/* A build without --release: its books, and SHA256SUMS only in a folder
 * that has no releases.  Where there are releases, a book whose name is a
 * published file is left alone when it is the same bytes and an error
 * when it is not: the working copy never touches a release. */
int
release_working_copy(const struct quire_options *opt, struct out_file *out,
    size_t nout, struct quire_diag *d)
{
	const char *dir = opt->out;
	char *state = path_join(dir, STATE);
	char *ledger_path = path_join(state, "current/" LEDGER);
	char *shown = path_join(dir, LEDGER);
	struct loc lc = { shown, 0, 0 };
	struct out_file keep[MAX_RELEASE_FILES];
	struct ledger l = { 0 };
	size_t n = 0;
	int lock, rc = -1, st;

	if ((lock = release_lock(dir, d)) == -1)
		goto done;
	release_tidy(dir);
	if ((st = ledger_read(ledger_path, shown, &l, d)) == -1)
		goto done;
	if (st == -2) {
		rc = write_outputs(dir, out, nout, SUMS, d);
		if (rc == 0)
			for (size_t i = 0; i < nout; i++)
				report_written(opt, dir, out[i].name);
		goto done;
	}
	for (size_t i = 0; i < nout; i++) {
		const struct rel_file *pub = NULL;
		const char *ver = NULL;

		for (size_t r = 0; r < l.n; r++)
			for (size_t k = 0; k < l.rel[r].nfiles; k++)
				if (strcmp(l.rel[r].files[k].name,
				    out[i].name) == 0) {
					pub = &l.rel[r].files[k];
					ver = l.rel[r].version;
				}
		if (pub == NULL) {
			keep[n++] = out[i];
			continue;
		}
		{
			char hex[65];
			unsigned long long size;
			out_digest(&out[i], hex, &size);
			if (strcmp(hex, pub->sha) != 0) {
				diag_error(d, &lc, "%s is a file of release "
				    "%s, which this build would change: "
				    "build with --release and a new version",
				    out[i].name, ver);
				goto done;
			}
		}
	}
	if (n && write_outputs(dir, keep, n, NULL, d) == -1)
		goto done;
	for (size_t i = 0; i < n; i++)
		report_written(opt, dir, keep[i].name);
	rc = 0;
done:
	ledger_free(&l);
	if (lock != -1)
		close(lock);
	free(ledger_path);
	free(shown);
	free(state);
	return rc;
}

char *
human_size(unsigned long long n)
{
	static const char *const unit[] = { "KB", "MB", "GB", "TB" };
	unsigned long long tenths;
	int u = 0;

	if (n < 1000)
		return xasprintf("%llu bytes", n);
	tenths = n / 100;
	while (tenths >= 10000 && u < 3) {
		tenths /= 1000;
		u++;
	}
	return xasprintf("%llu.%llu %s", tenths / 10, tenths % 10, unit[u]);
}

char *
change_text(const struct rel_change *c)
{
	switch (c->kind) {
	case CH_ADDED:
		return xasprintf("Added \u201c%s\u201d (%ld words)", c->title,
		    c->words);
	case CH_REMOVED:
		return xasprintf("Removed \u201c%s\u201d (%ld words)",
		    c->title, c->words);
	default:
		return xasprintf("Changed \u201c%s\u201d (%+ld words, now %ld)",
		    c->title, c->delta, c->words);
	}
}
