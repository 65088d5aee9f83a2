/* mdBook's SUMMARY.md: the book's order, parts and nesting. */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "read/read.h"
#include "private.h"

/* ---- mdBook's SUMMARY.md ---- */

struct summary {
	struct scan *s;
	const char *dir;           /* SUMMARY.md's path: links start there */
	char *path;                /* as shown in diagnostics */
	struct idset listed;
	struct division *stack[MAX_DEPTH + 1];
	int indent[MAX_DEPTH + 1];
	int depth;                 /* entries in stack */
	struct division *part;     /* where top-level list items go */
	int rc;
};

/* "[text](target)" at p: the text and target, or -1. */
static int
summary_link(const char *p, const char *eol, char **text, char **target)
{
	const char *t, *u;
	int nest = 0;

	if (p >= eol || *p != '[')
		return -1;
	for (t = ++p; t < eol; t++) {
		if (*t == '\\' && t + 1 < eol)
			t++;
		else if (*t == '[')
			nest++;
		else if (*t == ']' && nest-- == 0)
			break;
	}
	if (t + 1 >= eol || t[1] != '(' || (u = memchr(t + 2, ')',
	    (size_t)(eol - t - 2))) == NULL)
		return -1;
	*text = xml_clean(p, (size_t)(t - p));
	t += 2;
	if (t < u && *t == '<' && u[-1] == '>' && u - t >= 2) {
		t++;   /* <a path with spaces.md> */
		u--;
	}
	*target = xstrndup(t, (size_t)(u - t));
	return 0;
}

/* One chapter line: a link at indentation indent (-1: outside a list,
 * a prefix or suffix chapter).  Takes text over. */
static void
summary_chapter(struct summary *m, int indent, char *text, char *target,
    int line, int col)
{
	struct scan *s = m->s;
	struct loc l = { m->path, line, col };
	struct division *parent, *dv;
	char *hash, *rel = NULL, *dec;
	struct stat st;

	if (indent < 0)
		m->depth = 0;
	while (m->depth > 0 && m->indent[m->depth - 1] >= indent)
		m->depth--;
	if (m->depth > MAX_DEPTH - 1) {
		diag_warn(s->d, &l, "chapters nested too deep; '%s' not read",
		    text);
		free(text);
		return;
	}
	parent = indent < 0 ? &s->book->tree : m->depth ?
	    m->stack[m->depth - 1] : m->part;
	if (url_is_remote(target)) {
		/* GitBook's summaries link to pages elsewhere: nothing to
		 * bind, and never fetched. */
		diag_warn(s->d, &l, "'%s' links outside the book (%.80s); "
		    "left out of the contents", text, target);
		free(text);
		return;
	}
	if ((hash = strchr(target, '#')) != NULL)
		*hash = '\0';
	if (*target) {
		dec = url_decode(target, strlen(target));
		if (dec == NULL || dec[0] == '/' ||
		    (rel = path_resolve(m->dir, dec)) == NULL) {
			m->rc = diag_error(s->d, &l, "chapter %s is outside the "
			    "content folder", target);
			free(dec);
			free(text);
			return;
		}
		free(dec);
		{
			char *full = path_join(s->book->root, rel);
			int missing = stat(full, &st) == -1;

			free(full);
			if (missing) {
				m->rc = diag_error(s->d, &l, "chapter %s not "
				    "found", target);
				free(rel);
				free(text);
				return;
			}
		}
		if (!idset_add(&m->listed, rel)) {
			diag_warn(s->d, &l, "chapter %s listed again; the "
			    "first place kept", target);
			free(rel);
			rel = NULL;
			if (indent < 0) {
				free(text);
				return;
			}
		}
	}
	dv = division_add(parent);
	dv->essay = rel ? (long)s->files.n : -1;
	if (rel)
		strv_push(&s->files, rel);
	/* A draft chapter's title; a chapter's label, its title if it has
	 * none of its own (take_labels()). */
	dv->title = text;
	if (indent >= 0) {
		m->stack[m->depth] = dv;
		m->indent[m->depth++] = indent;
	}
}

/* The book's order, parts and nesting from mdBook's SUMMARY.md at rel:
 * a title, prefix chapters, parts ("# Title") of numbered chapters (list
 * items; deeper items are sub-chapters), suffix chapters.  Only the files
 * it names are bound, as mdBook does. */
static int
load_summary(struct scan *s, const char *rel, char *text, size_t len)
{
	struct summary m = { 0 };
	const char *p = text, *end = text + len;
	int line = 1, seen = 0;

	m.s = s;
	m.dir = rel;
	m.path = path_join(s->book->root, rel);
	m.part = &s->book->tree;
	for (; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *q = p;
		int indent = 0;
		char *t, *u;

		while (q < eol && (*q == ' ' || *q == '\t')) {
			indent += *q == '\t' ? 4 : 1;
			q++;
		}
		if (q < eol && *q == '#') {
			const char *h = q;

			while (h < eol && *h == '#')
				h++;
			while (h < eol && (*h == ' ' || *h == '\t'))
				h++;
			/* The first heading before any chapter is the
			 * summary's own title. */
			if (seen++ && h < eol) {
				m.part = division_add(&s->book->tree);
				m.part->part = 1;
				m.part->title = xml_clean(h, (size_t)(eol - h));
				m.depth = 0;
			}
		} else if (q + 1 < eol && strchr("-*+", *q) && (q[1] == ' ' ||
		    q[1] == '\t')) {
			q += 2;
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if (summary_link(q, eol, &t, &u) == 0) {
				summary_chapter(&m, indent, t, u, line,
				    (int)(q - p) + 1);
				free(u);
				seen = 1;
			}
		} else if (summary_link(q, eol, &t, &u) == 0) {
			summary_chapter(&m, -1, t, u, line, (int)(q - p) + 1);
			free(u);
			seen = 1;
			m.part = &s->book->tree;  /* after a part: a suffix */
		}
		p = eol + (nl != NULL);
	}
	idset_free(&m.listed);
	free(m.path);
	return m.rc;
}

/* SUMMARY.md in the folder or in its src/, if there is one: Q_ABSENT if not. */
int
find_summary(struct scan *s)
{
	char *own = s->src ? path_join(s->src, "SUMMARY.md") : NULL;
	const char *names[] = { "SUMMARY.md", own ? own : "src/SUMMARY.md" };
	char *text, *path;
	size_t len;
	int rc = Q_ABSENT;

	for (size_t i = 0; i < 2; i++) {
		rc = scan_read(s, names[i], &text, &len);
		if (rc == Q_ABSENT)
			continue;
		if (rc < 0)
			break;
		path = path_join(s->book->root, names[i]);
		text = normalise_text(s->d, path, text, &len);
		free(path);
		rc = load_summary(s, names[i], text, len);
		free(text);
		break;
	}
	free(own);
	return rc == Q_ABSENT ? Q_ABSENT : rc < 0 ? -1 : rc;
}
