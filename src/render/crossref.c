/* Cross-references in pandoc-crossref's and Quarto's syntaxes, and the
 * numbers of chapters and sections.  Everything is numbered once, in
 * the book's order, before any essay renders (xref_number(), from the
 * marks the load stage found in the texts); each essay then numbers its
 * figures, tables, listings, equations and headings and turns @fig:x,
 * [@fig:x; @tbl:y] into links (xref_essay()), the same at any -j. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

static const struct {
	const char *kind;
	enum word word;
} words[] = {
	{ "fig", W_FIGURE }, { "tbl", W_TABLE }, { "lst", W_LISTING },
	{ "eq", W_EQUATION },
};

static int
kind_ix(const char *kind)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(words[i].kind, kind) == 0)
			return i;
	return -1;
}

static void
set_num(struct essay *e, size_t i, char *num)
{
	free(e->xmarks[i].num);
	e->xmarks[i].num = num;
}

void
xref_number(struct book *b, struct quire_diag *d)
{
	int chap = 0, app = 0, count[4] = { 0 }, appendix = -1;

	for (int r = 0; essay_roles[r]; r++)
		if (strcmp(essay_roles[r], "appendix") == 0)
			appendix = r;
	idset_free(&b->xlabels);
	for (size_t i = 0; i < b->nessays; i++) {
		struct essay *e = &b->essays[i];
		char cnum[24] = "";
		int sec[7] = { 0 }, top = 7, shown;

		free(e->num);
		e->num = NULL;
		shown = e->numbered ? e->numbered == 2 : b->number_sections;
		if (e->numbered == 1)
			;  /* number_sections: false, in its front matter */
		else if (e->role == 0 && !e->part_page)
			snprintf(cnum, sizeof(cnum), "%d", ++chap);
		else if (e->role == appendix) {
			int k = app++;
			/* A..Z, then AA.. */
			if (k < 26)
				snprintf(cnum, sizeof(cnum), "%c", 'A' + k);
			else
				snprintf(cnum, sizeof(cnum), "%c%c",
				    'A' + k / 26 - 1, 'A' + k % 26);
		}
		if (shown && *cnum)
			e->num = xstrdup(cnum);
		if (b->crossref_chapters)
			memset(count, 0, sizeof(count));
		for (size_t k = 0; k < e->nxmarks; k++) {
			const char *kind = e->xmarks[k].kind;
			if (kind[0] == 'h' && kind[1] - '0' < top)
				top = kind[1] - '0';
		}
		for (size_t k = 0; k < e->nxmarks; k++) {
			const char *kind = e->xmarks[k].kind;
			const char *label = e->xmarks[k].label ?
			    e->xmarks[k].label : "";
			int ix = kind_ix(kind);

			if (ix >= 0) {
				count[ix]++;
				set_num(e, k, b->crossref_chapters && *cnum ?
				    xasprintf("%s.%d", cnum, count[ix]) :
				    xasprintf("%d", count[ix]));
			} else if (kind[0] == 'h') {
				int depth = kind[1] - '0' - top;
				struct buf s = { 0 };

				if (depth < 0 || depth > 5)
					depth = 0;  /* cannot be: levels are 1-6 */
				sec[depth]++;
				for (int j = depth + 1; j < 7; j++)
					sec[j] = 0;
				/* Read by a reference to its label, or shown
				 * in its heading: made only then (a book of
				 * 100,000 essays has a million headings). */
				if (*cnum && (shown || *label)) {
					buf_puts(&s, cnum);
					for (int j = 0; j <= depth; j++)
						buf_printf(&s, ".%d", sec[j]);
					set_num(e, k, buf_take(&s));
				}
				buf_free(&s);
			}
			if (*label && !idset_add(&b->xlabels, label)) {
				struct loc l = { e->path, e->xmarks[k].line,
				    1 };
				diag_warn(d, &l, "duplicate label '%s': "
				    "references go to the first", label);
			} else if (*label)
				*idset_val(&b->xlabels, label) = i +
				    k * b->nessays;
		}
	}
}

/* The number of label, the first of the book's by that name, and its
 * mark; NULL when no essay has it, or e (when not NULL) does not. */
static const char *
lookup(const struct book *b, const struct essay *e, const char *label,
    const struct xmark **mark, struct essay **at)
{
	size_t *v = idset_val(&b->xlabels, label), i, k;
	struct essay *t;

	if (v == NULL)
		return NULL;
	i = *v % b->nessays;
	k = *v / b->nessays;
	t = &b->essays[i];
	if ((e && t != e) || k >= t->nxmarks)
		return NULL;
	if (mark)
		*mark = &t->xmarks[k];
	if (at)
		*at = t;
	return t->xmarks[k].num ? t->xmarks[k].num : "";
}

/* The number of the heading at line, or NULL; the marks are in the
 * order of their lines. */
static const char *
num_at(const struct essay *e, int line)
{
	size_t lo = 0, hi = e->nxmarks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->xmarks[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < e->nxmarks && e->xmarks[k].line == line; k++)
		if (e->xmarks[k].kind[0] == 'h')
			return e->xmarks[k].num && *e->xmarks[k].num ?
			    e->xmarks[k].num : NULL;
	return NULL;
}

static char *
word(xmlNode *n, const char *kind, const char *num)
{
	int ix = kind_ix(kind);

	return i18n_fmt(node_lang(n), ix >= 0 ? words[ix].word : W_SECTION,
	    num, NULL);
}

/* "{#kind:x ...}" at the end of s: the label (malloc'd) and where the
 * braces start; NULL if none. */
static char *
trailing_label(const char *s, const char **at)
{
	const char *end = s + strlen(s), *open, *t, *q;

	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (end == s || end[-1] != '}')
		return NULL;
	for (open = end - 1; open > s && *open != '{'; open--)
		;
	if (*open != '{' || open[1] != '#')
		return NULL;
	t = open + 2;
	for (q = t; q < end - 1 && xref_char((unsigned char)*q); q++)
		;
	if (!xref_kind(t, (size_t)(q - t)))
		return NULL;
	*at = open;
	return xstrndup(t, (size_t)(q - t));
}

/* The number in a caption: "Figure 1: " before what it holds. */
static void
caption_num(xmlNode *cap, const char *kind, const char *num)
{
	char *w = word(cap, kind, num);
	xmlNode *span = xmlNewDocNode(cap->doc, NULL, BAD_CAST "span", NULL);
	char *was = node_text(cap);
	int empty = 1;

	for (const char *c = was; c && *c; c++)
		if (!isspace((unsigned char)*c))
			empty = 0;
	free(was);

	xmlSetNs(span, cap->ns);
	set_attr(span, "class", "xref-num");
	xmlAddChild(span, xmlNewDocText(cap->doc, BAD_CAST w));
	if (cap->children) {
		xmlAddPrevSibling(cap->children, span);
		if (!empty)
			xmlAddNextSibling(span, xmlNewDocText(cap->doc,
			    BAD_CAST ": "));
	} else
		xmlAddChild(cap, span);
	free(w);
}

static xmlNode *
new_el(xmlNode *like, const char *name)
{
	xmlNode *n = xmlNewDocNode(like->doc, NULL, BAD_CAST name, NULL);

	xmlSetNs(n, like->ns);
	return n;
}

/* Strips the text from at to the end of text node t. */
static void
cut_text(xmlNode *t, const char *at)
{
	char *keep = xstrndup((const char *)t->content,
	    (size_t)(at - (const char *)t->content));
	size_t n = strlen(keep);

	while (n && isspace((unsigned char)keep[n - 1]))
		keep[--n] = '\0';
	xmlNodeSetContent(t, BAD_CAST keep);
	free(keep);
}

static xmlNode *
last_text(xmlNode *n)
{
	xmlNode *k = n->last;

	while (k && k->type == XML_TEXT_NODE && blank_text(k))
		k = k->prev;
	return k && k->type == XML_TEXT_NODE ? k : NULL;
}

/* pandoc's table caption: a paragraph ": Caption" (or "Table: ...")
 * next to a table becomes its <caption>, a label the table's id. */
static int
table_caption(struct book *b, struct essay *e, xmlNode *p)
{
	xmlNode *t = p->children, *table, *cap, *lt;
	const char *s, *at = NULL;
	char *label = NULL;
	size_t skip;

	if (t == NULL || t->type != XML_TEXT_NODE ||
	    (s = (const char *)t->content) == NULL)
		return 0;
	if (strncmp(s, ": ", 2) == 0)
		skip = 2;
	else if (strncmp(s, "Table: ", 7) == 0)
		skip = 7;
	else
		return 0;
	table = xmlPreviousElementSibling(p);
	if (table == NULL || !is_el(table, "table")) {
		table = xmlNextElementSibling(p);
		if (table == NULL || !is_el(table, "table"))
			return 0;
	}
	for (xmlNode *k = table->children; k; k = k->next)
		if (is_el(k, "caption"))
			return 0;
	if ((lt = last_text(p)) != NULL &&
	    (label = trailing_label((const char *)lt->content, &at)) != NULL) {
		if (strncmp(label, "tbl", 3) != 0) {
			free(label);
			label = NULL;
		} else
			cut_text(lt, at);
	}
	{
		char *rest = xstrdup((const char *)t->content + skip);
		xmlNodeSetContent(t, BAD_CAST rest);
		free(rest);
	}
	cap = new_el(p, "caption");
	while (p->children) {
		xmlNode *k = p->children;
		xmlUnlinkNode(k);
		xmlAddChild(cap, k);
	}
	if (table->children)
		xmlAddPrevSibling(table->children, cap);
	else
		xmlAddChild(table, cap);
	xmlUnlinkNode(p);
	xmlFreeNode(p);
	if (label) {
		const char *num = lookup(b, e, label, NULL, NULL);
		if (!xmlHasProp(table, BAD_CAST "id"))
			set_attr(table, "id", label);
		if (num && *num)
			caption_num(cap, "tbl", num);
		free(label);
	}
	return 1;
}

/* Display math then "{#eq:x}": the paragraph takes the id, and the
 * number at its right. */
static void
equation(struct book *b, struct essay *e, xmlNode *p)
{
	xmlNode *lt = last_text(p), *span;
	const char *at, *num;
	char *label, *paren;
	int math = 0;

	if (lt == NULL || (label = trailing_label((const char *)lt->content,
	    &at)) == NULL)
		return;
	for (xmlNode *k = p->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && (xmlStrEqual(k->name,
		    BAD_CAST "math") || xmlStrEqual(k->name, BAD_CAST "svg")))
			math = 1;
	if (!math || strncmp(label, "eq", 2) != 0 ||
	    (num = lookup(b, e, label, NULL, NULL)) == NULL) {
		free(label);
		return;
	}
	cut_text(lt, at);
	if (!xmlHasProp(p, BAD_CAST "id"))
		set_attr(p, "id", label);
	set_attr(p, "class", "equation");
	span = new_el(p, "span");
	set_attr(span, "class", "eq-num");
	paren = xasprintf("(%s)", num);
	xmlAddChild(span, xmlNewDocText(p->doc, BAD_CAST paren));
	xmlAddChild(p, span);
	free(paren);
	free(label);
}

static void
add_secnum(xmlNode *h, const char *num)
{
	xmlNode *span = new_el(h, "span");

	set_attr(span, "class", "secnum");
	xmlAddChild(span, xmlNewDocText(h->doc, BAD_CAST num));
	if (h->children) {
		xmlAddPrevSibling(h->children, span);
		xmlAddNextSibling(span, xmlNewDocText(h->doc, BAD_CAST " "));
	} else
		xmlAddChild(h, span);
}

static void
number_heading(struct essay *e, xmlNode *h)
{
	char *pos = get_attr(h, "data-sourcepos");
	const char *num = pos ? num_at(e, atoi(pos)) : NULL, *at;
	xmlNode *lt = last_text(h);
	char *label;

	free(pos);
	/* A setext heading's "{#sec:x}" (the site pass takes an ATX
	 * heading's). */
	if (lt && (label = trailing_label((const char *)lt->content,
	    &at)) != NULL) {
		if (strncmp(label, "sec", 3) == 0) {
			cut_text(lt, at);
			if (!xmlHasProp(h, BAD_CAST "id"))
				set_attr(h, "id", label);
		}
		free(label);
	}
	if (e->num && num)
		add_secnum(h, num);
}

/* The number of a figure or listing with a label for an id. */
static void
number_figure(struct book *b, struct essay *e, xmlNode *f)
{
	char *id = get_attr(f, "id");
	const struct xmark *m = NULL;
	const char *num;
	xmlNode *cap = NULL;

	if (id == NULL || (num = lookup(b, e, id, &m, NULL)) == NULL ||
	    !*num ||
	    (strcmp(m->kind, "fig") != 0 && strcmp(m->kind, "lst") != 0)) {
		free(id);
		return;
	}
	for (xmlNode *k = f->children; k; k = k->next)
		if (is_el(k, "figcaption"))
			cap = k;
	if (cap == NULL) {
		cap = new_el(f, "figcaption");
		if (f->children)
			xmlAddPrevSibling(f->children, cap);
		else
			xmlAddChild(f, cap);
	}
	caption_num(cap, m->kind, num);
	free(id);
}

/* A listing labelled but without a caption: a <pre> with the id, made a
 * figure to hold its number. */
static xmlNode *
listing_figure(struct book *b, struct essay *e, xmlNode *pre)
{
	char *id = get_attr(pre, "id");
	const struct xmark *m = NULL;
	const char *num;
	xmlNode *f;

	if (id == NULL || (num = lookup(b, e, id, &m, NULL)) == NULL ||
	    !*num ||
	    strcmp(m->kind, "lst") != 0) {
		free(id);
		return pre;
	}
	f = new_el(pre, "figure");
	set_attr(f, "class", "listing");
	xmlUnsetProp(pre, BAD_CAST "id");
	set_attr(f, "id", id);
	xmlAddPrevSibling(pre, f);
	xmlUnlinkNode(pre);
	xmlAddChild(f, pre);
	free(id);
	return f;
}

/* ---- references ---- */

/* A reference at s: "@fig:x" (or "@Fig:x"); its label's length past the
 * '@', 0 if it is none. */
static size_t
ref_at(const char *s, const char *start)
{
	char low[8];
	size_t n = 0;

	if (*s != '@' || (s > start && (isalnum((unsigned char)s[-1]) ||
	    s[-1] == '_' || s[-1] == '.' || s[-1] == '@')))
		return 0;
	s++;
	while (xref_char((unsigned char)s[n]))
		n++;
	/* A sentence's end is not the label's. */
	while (n && (s[n - 1] == '.' || s[n - 1] == ':' || s[n - 1] == '-'))
		n--;
	snprintf(low, sizeof(low), "%.*s", (int)(n < 7 ? n : 7), s);
	low[0] = (char)tolower((unsigned char)low[0]);
	return xref_kind(low, strlen(low)) ? n : 0;
}

static xmlNode *
make_ref(struct book *b, struct essay *e, xmlNode *t, const char *s,
    size_t n, struct quire_diag *d)
{
	char *label = xstrndup(s, n), *text, *href;
	const struct xmark *m = NULL;
	const char *num = NULL;
	struct essay *te = NULL;
	xmlNode *a;
	int cap = isupper((unsigned char)label[0]);

	label[0] = (char)tolower((unsigned char)label[0]);
	if ((num = lookup(b, NULL, label, &m, &te)) == NULL) {
		char *needle = xstrndup(s - 1, n + 1);
		struct loc l = xref_locate(e, t->parent, needle);

		diag_warn(d, &l, "unknown reference %s", needle);
		free(needle);
		free(label);
		return NULL;
	}
	if (m->kind[0] == 'h')
		text = *num ? word(t->parent, "sec", num) :
		    xstrdup(m->text ? m->text : te->title);
	else
		text = word(t->parent, m->kind, num);
	if (cap && islower((unsigned char)text[0]))
		text[0] = (char)toupper((unsigned char)text[0]);
	href = te == e ? xasprintf("#%s", label) :
	    xasprintf("%s#%s", te->file, label);
	a = new_el(t->parent, "a");
	set_attr(a, "href", href);
	set_attr(a, "class", "xref");
	xmlAddChild(a, xmlNewDocText(t->doc, BAD_CAST text));
	free(href);
	free(text);
	free(label);
	return a;
}

/* Every reference in text node t, each a link; the text around stays. */
static void
refs_in(struct book *b, struct essay *e, xmlNode *t, struct quire_diag *d)
{
	const char *s = (const char *)t->content, *p = s, *from = s;
	xmlNode *box = NULL;

	if (s == NULL || strchr(s, '@') == NULL)
		return;
	while (*p) {
		const char *q = p;
		size_t n;
		struct {
			const char *at;
			size_t n;
		} refs[16];
		int nr = 0, ok = 1;

		if (*p == '[' && p[1] == '@') {
			/* [@fig:a; @fig:b]: every one a reference. */
			q = p + 1;
			while (*q == '@' && nr < 16 &&
			    (n = ref_at(q, s)) != 0) {
				refs[nr].at = q + 1;
				refs[nr++].n = n;
				q += 1 + n;
				while (*q == ';' || *q == ' ')
					q++;
			}
			if (nr == 0 || *q != ']')
				ok = 0;
			else
				q++;
		} else if ((n = ref_at(p, s)) != 0) {
			refs[0].at = p + 1;
			refs[0].n = n;
			nr = 1;
			q = p + 1 + n;
		} else
			ok = 0;
		if (!ok) {
			p++;
			continue;
		}
		{
			xmlNode *made[16];
			int nm = 0, bad = 0;

			for (int i = 0; i < nr; i++)
				if ((made[nm] = make_ref(b, e, t, refs[i].at,
				    refs[i].n, d)) != NULL)
					nm++;
				else
					bad = 1;
			if (bad) {
				/* Stays as written. */
				for (int i = 0; i < nm; i++)
					xmlFreeNode(made[i]);
				p = q;
				continue;
			}
			if (box == NULL)
				box = new_el(t->parent, "span");
			if (p > from)
				xmlAddChild(box, xmlNewDocTextLen(t->doc,
				    BAD_CAST from, (int)(p - from)));
			for (int i = 0; i < nm; i++) {
				if (i)
					xmlAddChild(box, xmlNewDocText(t->doc,
					    BAD_CAST ", "));
				xmlAddChild(box, made[i]);
			}
			from = p = q;
		}
	}
	if (box == NULL)
		return;
	if (*from)
		xmlAddChild(box, xmlNewDocText(t->doc, BAD_CAST from));
	/* In t's place (t's text is freed with it: from points into it). */
	xmlReplaceNode(t, box);
	while (box->children) {
		xmlNode *k = box->children;
		xmlUnlinkNode(k);
		xmlAddPrevSibling(box, k);
	}
	xmlUnlinkNode(box);
	xmlFreeNode(box);
	xmlFreeNode(t);
}

/* Numbered objects and headings, depth first. */
static void
blocks(struct book *b, struct essay *e, xmlNode *n)
{
	xmlNode *k, *next;

	for (k = xmlFirstElementChild(n); k; k = next) {
		next = xmlNextElementSibling(k);
		if (!is_html(k) || is_el(k, "code") || is_el(k, "math") ||
		    is_el(k, "svg"))
			continue;
		if (is_el(k, "pre")) {
			xmlNode *f = listing_figure(b, e, k);
			if (f != k)
				number_figure(b, e, f);
			continue;
		}
		if (is_el(k, "p")) {
			if (table_caption(b, e, k))
				continue;  /* gone into the table */
			equation(b, e, k);
		}
		if (heading_level(k) >= 2)
			number_heading(e, k);
		if (is_el(k, "figure"))
			number_figure(b, e, k);
		blocks(b, e, k);
	}
}

/* References in text, outside code and links. */
static void
refs(struct book *b, struct essay *e, xmlNode *n, struct quire_diag *d)
{
	xmlNode *k, *next;

	for (k = n->children; k; k = next) {
		next = k->next;
		if (k->type == XML_TEXT_NODE)
			refs_in(b, e, k, d);
		else if (k->type == XML_ELEMENT_NODE && is_html(k) &&
		    !is_el(k, "code") && !is_el(k, "pre") && !is_el(k, "a") &&
		    !is_el(k, "script") && !is_el(k, "style"))
			refs(b, e, k, d);
	}
}

void
xref_essay(struct book *b, struct essay *e, struct quire_diag *d)
{
	xmlNode *n;

	if (e->w->content == NULL)
		return;
	if (e->num)
		for (n = xmlFirstElementChild(e->w->content); n;
		    n = xmlNextElementSibling(n))
			if (is_el(n, "header")) {
				xmlNode *h = xmlFirstElementChild(n);
				if (h && is_el(h, "h1"))
					add_secnum(h, e->num);
				break;
			}
	blocks(b, e, e->w->content);
	refs(b, e, e->w->content, d);
}
