/* Index marks in an essay's prose, asciidoctor's syntax: ((term)) is
 * shown and indexed, (((term, subterm, subsubterm))) indexed and hidden.
 * Each mark becomes an anchor with an id of its own in the rendered
 * tree, and its terms and id go to essay.marks for the index the
 * writers make once every essay is rendered.  Code, math, scripts and
 * the text of a bare URL are left alone. */
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

/* n's attribute name (of no namespace) in place, or *copy; NULL if none. */
static const char *
attr_ref(const xmlNode *n, const char *name, char **copy)
{
	const xmlAttr *a = attr_named(n, name);

	*copy = NULL;
	return a ? attr_text(a, copy) : NULL;
}

/* Elements whose text is not prose: marks there stay as written. */
static int
literal(const xmlNode *n)
{
	static const char *const names[] = { "code", "pre", "kbd", "samp",
	    "script", "style", "textarea", "math", "svg", NULL };
	const char *cls;
	char *copy, *href, *text;
	int r = 0;

	if (n->type != XML_ELEMENT_NODE)
		return 0;
	for (size_t i = 0; names[i]; i++)
		if (n->name[0] == names[i][0] &&
		    xmlStrcmp(n->name, BAD_CAST names[i]) == 0)
			return 1;
	/* Formulas left as TeX: <span class="math">. */
	if ((cls = attr_ref(n, "class", &copy)) != NULL) {
		r = strcmp(cls, "math") == 0 ||
		    strncmp(cls, "math ", 5) == 0;
		xmlFree(copy);
		if (r)
			return 1;
	}
	/* An autolink: its text is its address. */
	if (is_el(n, "a") && (href = get_attr((xmlNode *)n, "href")) != NULL) {
		text = node_text((xmlNode *)n);
		r = strcmp(href, text) == 0 || (strncmp(href, "mailto:", 7) ==
		    0 && strcmp(href + 7, text) == 0) || strstr(text, "://");
		free(text);
		free(href);
	}
	return r;
}

static void
collect_ids(xmlNode *n, struct idset *ids)
{
	for (; n; n = n->next) {
		const char *id;
		char *copy;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if ((id = attr_ref(n, "id", &copy)) != NULL) {
			idset_add(ids, id);
			xmlFree(copy);
		}
		collect_ids(n->children, ids);
	}
}

/* s[0, n) without white space at either end, its runs made one space. */
static char *
clean_term(const char *s, size_t n)
{
	char *t = xmalloc(n + 1), *o = t;
	int space = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r') {
			space = o > t;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = 0;
		*o++ = s[i];
	}
	*o = '\0';
	return t;
}

/* The length of a double quote at s (straight, or curly as smart
 * punctuation made it), else 0. */
static size_t
quote_at(const char *s, size_t n)
{
	if (n >= 1 && s[0] == '"')
		return 1;
	if (n >= 3 && memcmp(s, "\xe2\x80", 2) == 0 &&
	    ((unsigned char)s[2] == 0x9c || (unsigned char)s[2] == 0x9d))
		return 3;
	return 0;
}

/* The terms of a hidden mark, split at commas outside double quotes
 * (which are dropped): at most three; 0 if one is empty. */
static int
split_terms(const char *s, size_t n, char *t[3])
{
	size_t k = 0, start = 0, qn;
	int quoted = 0;

	t[0] = t[1] = t[2] = NULL;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && quote_at(s + i, n - i)) {
			quoted = !quoted;
			continue;
		}
		if (i < n && (s[i] != ',' || quoted))
			continue;
		if (k < 3) {
			char *raw = clean_term(s + start, i - start), *c;
			size_t len = strlen(raw), tail;

			qn = quote_at(raw, len);
			tail = len >= qn + 1 ? (raw[len - 1] == '"' ? 1 :
			    len >= 3 && quote_at(raw + len - 3, 3) ? 3 : 0) : 0;
			if (qn && tail && len >= qn + tail) {
				c = clean_term(raw + qn, len - qn - tail);
				free(raw);
				raw = c;
			}
			t[k++] = raw;
		}
		start = i + 1;
	}
	for (size_t i = 0; i < k; i++)
		if (*t[i] == '\0') {
			for (size_t j = 0; j < k; j++)
				free(t[j]);
			t[0] = t[1] = t[2] = NULL;
			return 0;
		}
	return 1;
}

struct marking {
	struct essay *e;
	xmlNode *box;
	struct idset ids;   /* every id of the document, and those made */
	int have_ids;       /* ids collected: at the first mark */
	size_t next;
};

/* An anchor for a mark, after prev: shown text or none. */
static xmlNode *
anchor(struct marking *m, xmlNode *prev, const char *shown, char *t[3])
{
	xmlNode *a = xmlNewDocNode(prev->doc, prev->parent->ns,
	    BAD_CAST "span", NULL);
	char *id;

	if (!m->have_ids) {
		const struct strv *hids = &ESITE(m->e)->hids;

		m->have_ids = 1;
		collect_ids(m->box, &m->ids);
		/* Ids still to be given to headings ({#id}). */
		for (size_t i = 0; i + 1 < hids->n; i += 2)
			idset_add(&m->ids, hids->v[i + 1]);
	}
	do {
		id = xasprintf("ix-%zu", ++m->next);
		if (idset_add(&m->ids, id))
			break;
		free(id);
	} while (1);
	set_attr(a, "id", id);
	xmlAddChild(a, xmlNewDocText(prev->doc, BAD_CAST (shown ? shown :
	    "")));
	xmlAddNextSibling(prev, a);
	for (int i = 0; i < 3; i++)
		strv_push(&m->e->marks, xstrdup(t[i] ? t[i] : ""));
	strv_push(&m->e->marks, id);
	return a;
}

/* The mark that may start at q ("((" or "((("): 1 with its body
 * [*body, *end) and the terms, the text after it at *after; 0 when it is
 * none, with *next where to look on from.  Linear: a body ends at the
 * first "(" (none is a mark: look on from there) or at its closing. */
static int
mark_at(const char *q, const char **body, const char **end,
    const char **after, const char **next, char *t[3])
{
	int hidden = q[2] == '(';
	const char *b = q + (hidden ? 3 : 2), *e = b;

	*next = q + 1;
	for (; *e; e++) {
		if (*e == '(') {
			*next = e;
			return 0;
		}
		if (hidden ? strncmp(e, ")))", 3) == 0 : *e == ')')
			break;
	}
	if (*e == '\0' || (!hidden && e[1] != ')')) {
		*next = *e ? e : q + 1;
		return 0;
	}
	if (hidden ? !split_terms(b, (size_t)(e - b), t) :
	    (t[0] = clean_term(b, (size_t)(e - b)), *t[0] == '\0')) {
		free(t[0]);
		t[0] = NULL;
		*next = e;
		return 0;
	}
	*body = b;
	*end = e;
	*after = e + (hidden ? 3 : 2);
	return 1;
}

/* The marks of one text node, which is split around them in one pass:
 * it keeps what comes before the first, new ones what follows each.
 * (libxml2 merges a text node added beside another: pieces go in after
 * elements.) */
/* The next "((" in [p, end), or NULL.  Not strstr: a sanitizer's strstr
 * measures the whole rest of the text at every call. */
static const char *
next_open(const char *p, const char *end)
{
	while (p < end && (p = memchr(p, '(', (size_t)(end - p))) != NULL) {
		if (p + 1 < end && p[1] == '(')
			return p;
		p++;
	}
	return NULL;
}

static void
mark_text(struct marking *m, xmlNode *text)
{
	char *s = (char *)xmlStrdup(text->content);
	const char *p = s, *seg = s, *q, *stop = s + strlen(s);
	xmlNode *last = text;
	int placed = 0;

	while ((q = next_open(p, stop)) != NULL) {
		const char *body, *end, *after, *next;
		char *t[3] = { NULL, NULL, NULL }, *piece, *shown;
		int hidden = q[2] == '(';

		if (!mark_at(q, &body, &end, &after, &next, t)) {
			p = next;
			continue;
		}
		piece = xstrndup(seg, (size_t)(q - seg));
		if (!placed)
			xmlNodeSetContent(text, BAD_CAST piece);
		else if (*piece) {
			xmlNode *tn = xmlNewDocText(text->doc, BAD_CAST piece);

			xmlAddNextSibling(last, tn);
			last = tn;
		}
		free(piece);
		shown = hidden ? NULL : xstrndup(body, (size_t)(end - body));
		last = anchor(m, last, shown, t);
		free(shown);
		for (int i = 0; i < 3; i++)
			free(t[i]);
		placed = 1;
		p = seg = after;
	}
	if (placed && *seg)
		xmlAddNextSibling(last, xmlNewDocText(text->doc, BAD_CAST seg));
	xmlFree(s);
	if (placed && (text->content == NULL || *text->content == '\0')) {
		xmlUnlinkNode(text);
		xmlFreeNode(text);
	}
}

static void
mark_tree(struct marking *m, xmlNode *n)
{
	xmlNode *next;

	for (; n; n = next) {
		/* Text split in nodes (around an entity) made one first. */
		while (n->type == XML_TEXT_NODE && n->next &&
		    n->next->type == XML_TEXT_NODE)
			xmlTextMerge(n, n->next);
		next = n->next;
		if (n->type == XML_TEXT_NODE && n->content &&
		    strstr((const char *)n->content, "(("))
			mark_text(m, n);
		else if (n->type == XML_ELEMENT_NODE && !literal(n))
			mark_tree(m, n->children);
	}
}

void
index_marks(struct essay *e, xmlNode *box)
{
	struct marking m = { e, box, { 0 }, 0, 0 };
	const struct strv *terms = &ESITE(e)->index;

	strv_free(&e->marks);  /* from a rendering before (essay_redo) */
	/* Front matter's index: terms stand for the essay as a whole. */
	for (size_t i = 0; i < terms->n; i++) {
		char *t[3];

		if (!split_terms(terms->v[i], strlen(terms->v[i]), t))
			continue;
		for (int k = 0; k < 3; k++)
			strv_push(&e->marks, t[k] ? t[k] : xstrdup(""));
		strv_push(&e->marks, xstrdup(""));
	}
	mark_tree(&m, box);
	idset_free(&m.ids);
}
