/* The ledger of every release built into an output folder (releases.xml):
 * read, written, and what people are told of it (sizes, changes). */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "publish/publish.h"
#include "private.h"

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

/* The text of n into *v, once: a second one is a malformed ledger. */
static void
text_once(xmlNode *n, char **v, int *bad)
{
	if (*v != NULL)
		*bad = 1;
	else
		*v = node_text(n);
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
			text_once(n, &r->title, &bad);
		else if (is_named(n, "subtitle"))
			text_once(n, &r->subtitle, &bad);
		else if (is_named(n, "description"))
			text_once(n, &r->description, &bad);
		else if (is_named(n, "language"))
			text_once(n, &r->lang, &bad);
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

/* Reads the ledger at path (named shown in messages): 0, Q_ABSENT when there
 * is none, -1 after reporting that it cannot be read. */
int
ledger_read(const char *path, const char *shown, struct ledger *l,
    struct quire_diag *d)
{
	struct loc lc = { shown, 0, 0 };
	xmlDoc *doc;
	xmlNode *root;
	int rc = 0;

	char *text;
	size_t len;

	memset(l, 0, sizeof(*l));
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return Q_ABSENT;
	if (read_regular(path, 256u << 20, &text, &len) == -1)
		return diag_error(d, &lc, "cannot read the release ledger: %s",
		    errno == EINVAL ? "not a regular file" : strerror(errno));
	doc = len > INT_MAX ? NULL : xmlReadMemory(text, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(text);
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
