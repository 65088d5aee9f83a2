/* Block pass over an essay's XHTML tree: figures from images alone in
 * their paragraph, GitHub alerts as labelled asides, and definition
 * lists (pandoc's "Term" / ": definition") from Markdown paragraphs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render/render.h"

/* The alerts and their visible labels, in the essay's language from the
 * message catalogues (po/). */
static const struct {
	const char *kind;   /* as written: [!NOTE] */
	const char *class;  /* callout-note */
	enum word label;    /* shown above its text */
} alerts[] = {
	{ "NOTE", "callout-note", W_NOTE },
	{ "TIP", "callout-tip", W_TIP },
	{ "IMPORTANT", "callout-important", W_IMPORTANT },
	{ "WARNING", "callout-warning", W_WARNING },
	{ "CAUTION", "callout-caution", W_CAUTION },
};

/* A paragraph written in Markdown (raw HTML ones have no position). */
static int
md_para(const xmlNode *n)
{
	return is_el(n, "p") && xmlHasProp(n, BAD_CAST "data-sourcepos");
}

static int
has_text(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return 1;
	return 0;
}

/* ---- figures ----
 * An image alone in its paragraph: the paragraph becomes a figure, its
 * caption the image's title, else its alt text (pandoc's rule); without
 * either it stays a paragraph. */
/* The label of "{#fig:x}" or "{#fig-x ...}" that is all of t's text
 * (pandoc-crossref's and Quarto's id after an image), or NULL. */
static char *
fig_label(const xmlNode *t)
{
	const char *s = (const char *)t->content, *q;

	while (s && isspace((unsigned char)*s))
		s++;
	if (s == NULL || strncmp(s, "{#fig", 5) != 0 || (s[5] != ':' &&
	    s[5] != '-'))
		return NULL;
	for (q = s + 2; xref_char((unsigned char)*q); q++)
		;
	if (q == s + 6 || strchr(q, '}') == NULL)
		return NULL;
	for (const char *r = strchr(q, '}') + 1; *r; r++)
		if (!isspace((unsigned char)*r))
			return NULL;
	return xstrndup(s + 2, (size_t)(q - s - 2));
}

static void
figure(xmlNode *p)
{
	xmlNode *img = NULL, *k, *next;
	char *cap, *label = NULL;

	for (k = p->children; k; k = k->next) {
		if (k->type == XML_ELEMENT_NODE) {
			if (img || !is_el(k, "img"))
				goto out;
			img = k;
		} else if (k->type == XML_TEXT_NODE && !blank_text(k)) {
			if (img == NULL || label || k->next ||
			    (label = fig_label(k)) == NULL)
				goto out;
		}
	}
	if (img == NULL)
		goto out;
	cap = get_attr(img, "title");
	if (!has_text(cap)) {
		free(cap);
		cap = get_attr(img, "alt");
	} else
		xmlUnsetProp(img, BAD_CAST "title");  /* said by the caption */
	if (!has_text(cap) && label == NULL) {
		free(cap);
		return;
	}
	for (k = p->children; k; k = next) {
		next = k->next;
		if (k != img) {
			xmlUnlinkNode(k);
			xmlFreeNode(k);
		}
	}
	xmlNodeSetName(p, BAD_CAST "figure");
	if (label && !xmlHasProp(p, BAD_CAST "id"))
		set_attr(p, "id", label);
	el_text(p, "figcaption", has_text(cap) ? cap : "");
	free(cap);
out:
	free(label);
}

/* ---- alerts ----
 * A quote whose first line is [!NOTE] (TIP, IMPORTANT, WARNING,
 * CAUTION; any case) alone: an aside with role note, never a footnote,
 * its label first. */
static void
alert(xmlNode *q, const char *lang)
{
	xmlNode *p = xmlFirstElementChild(q), *t, *label, *first;
	const char *s, *rest;
	size_t i, n;

	if (p == NULL || !is_el(p, "p") || (t = p->children) == NULL ||
	    t->type != XML_TEXT_NODE || (s = (const char *)t->content) == NULL ||
	    strncmp(s, "[!", 2) != 0)
		return;
	for (i = 0; i < sizeof(alerts) / sizeof(*alerts); i++) {
		n = strlen(alerts[i].kind);
		if (strncasecmp(s + 2, alerts[i].kind, n) == 0 &&
		    s[2 + n] == ']')
			break;
	}
	if (i == sizeof(alerts) / sizeof(*alerts))
		return;
	rest = s + 3 + n;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest == '\n')
		rest++;
	else if (*rest != '\0' || t->next)
		return;  /* more on the marker's line: a plain quote */
	if (*rest == '\0' && t->next == NULL) {
		xmlUnlinkNode(p);  /* the marker was all the paragraph held */
		xmlFreeNode(p);
	} else if (*rest == '\0') {
		xmlUnlinkNode(t);
		xmlFreeNode(t);
	} else {
		char *keep = xstrdup(rest);
		xmlNodeSetContent(t, NULL);
		xmlNodeAddContent(t, BAD_CAST keep);
		free(keep);
	}
	xmlNodeSetName(q, BAD_CAST "aside");
	set_attr(q, "role", "note");
	{
		char *cls = xasprintf("callout %s", alerts[i].class);
		set_attr(q, "class", cls);
		free(cls);
	}
	label = xmlNewDocNode(q->doc, q->ns, BAD_CAST "p", NULL);
	add_text(label, i18n_word(lang, alerts[i].label));
	set_attr(label, "class", "callout-label");
	first = q->children;
	if (first)
		xmlAddPrevSibling(first, label);
	else
		xmlAddChild(q, label);
}

/* ---- definition lists ----
 * A Markdown paragraph whose later lines start with ": " is a list of
 * terms (the lines before the first such line, one term each) and
 * definitions (each ": " line, with the lines after it that do not start
 * one).  A one-line paragraph followed by a paragraph that starts with
 * ": " is a term too (the blank-line form).  Lists next to each other
 * are one list. */

/* Whether s starts a definition: ':' then a space or tab. */
static int
dd_mark(const char *s)
{
	return s[0] == ':' && (s[1] == ' ' || s[1] == '\t');
}

/* Whether a line of the paragraph, but not its first, starts a
 * definition; lines start after a newline in its own text. */
static int
has_dd_line(const xmlNode *p)
{
	for (const xmlNode *k = p->children; k; k = k->next) {
		const char *s;

		if (k->type != XML_TEXT_NODE || k->content == NULL)
			continue;
		for (s = (const char *)k->content; (s = strchr(s, '\n')); s++)
			if (dd_mark(s + 1))
				return 1;
	}
	return 0;
}

static int
one_line(const xmlNode *p)
{
	for (const xmlNode *k = p->children; k; k = k->next)
		if (k->type == XML_TEXT_NODE && k->content &&
		    strchr((const char *)k->content, '\n'))
			return 0;
	return p->children != NULL;
}

static xmlNode *
item(xmlNode *dl, const char *name)
{
	xmlNode *n = xmlNewDocNode(dl->doc, dl->ns, BAD_CAST name, NULL);

	xmlAddChild(dl, n);
	return n;
}

static void
text_to(xmlNode *to, const char *s, size_t n)
{
	if (n)
		xmlAddChild(to, xmlNewDocTextLen(to->doc, BAD_CAST s, (int)n));
}

/* Moves the lines of p into dl as terms and definitions; dd: its first
 * line is a definition already. */
static void
dl_lines(xmlNode *dl, xmlNode *p, int dd)
{
	xmlNode *cur = NULL, *k, *next;
	int at_start = 1;

	for (k = p->children; k; k = next) {
		next = k->next;
		if (k->type != XML_TEXT_NODE) {
			if (cur == NULL)
				cur = item(dl, dd ? "dd" : "dt");
			xmlUnlinkNode(k);
			xmlAddChild(cur, k);
			at_start = 0;
			continue;
		}
		for (const char *s = (const char *)k->content; s && *s;) {
			const char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) : strlen(s);

			if (at_start && dd_mark(s)) {
				cur = item(dl, "dd");
				dd = 1;
				s++;
				n--;
				while (*s == ' ' || *s == '\t')
					s++, n--;
			} else if (at_start && !dd && cur != NULL &&
			    n > 0) {
				cur = item(dl, "dt");  /* another term */
			} else if (at_start && cur != NULL && n > 0) {
				text_to(cur, "\n", 1);  /* a definition goes on */
			}
			if (cur == NULL)
				cur = item(dl, dd ? "dd" : "dt");
			text_to(cur, s, n);
			s += n;
			at_start = nl != NULL;
			if (nl)
				s++;
		}
	}
}

static void
deflist(xmlNode *parent)
{
	xmlNode *k, *next, *prev;

	for (k = parent->children; k; k = next) {
		next = k->next;
		if (!md_para(k))
			continue;
		prev = xmlPreviousElementSibling(k);
		if (k->children && k->children->type == XML_TEXT_NODE &&
		    k->children->content &&
		    dd_mark((const char *)k->children->content) && prev &&
		    ((md_para(prev) && one_line(prev)) ||
		    (is_el(prev, "dl") && xmlLastElementChild(prev) &&
		    is_el(xmlLastElementChild(prev), "dd")))) {
			/* The blank-line form: a term, then ": ..." */
			xmlNode *dl = prev;

			if (md_para(prev)) {
				dl = xmlNewDocNode(k->doc, k->ns, BAD_CAST "dl",
				    NULL);
				xmlChar *pos = xmlGetProp(prev, BAD_CAST
				    "data-sourcepos");

				xmlAddPrevSibling(prev, dl);
				xmlSetProp(dl, BAD_CAST "data-sourcepos", pos);
				xmlFree(pos);
				dl_lines(dl, prev, 0);
				xmlUnlinkNode(prev);
				xmlFreeNode(prev);
			}
			dl_lines(dl, k, 1);
			xmlUnlinkNode(k);
			xmlFreeNode(k);
		} else if (has_dd_line(k) && !(k->children &&
		    k->children->type == XML_TEXT_NODE &&
		    k->children->content &&
		    ((const char *)k->children->content)[0] == ':')) {
			xmlNode *dl;

			if (prev && is_el(prev, "dl") && xmlLastElementChild(prev)
			    && is_el(xmlLastElementChild(prev), "dd"))
				dl = prev;  /* the list goes on */
			else {
				xmlChar *pos = xmlGetProp(k, BAD_CAST
				    "data-sourcepos");
				dl = xmlNewDocNode(k->doc, k->ns, BAD_CAST "dl",
				    NULL);
				xmlAddPrevSibling(k, dl);
				xmlSetProp(dl, BAD_CAST "data-sourcepos", pos);
				xmlFree(pos);
			}
			dl_lines(dl, k, 0);
			xmlUnlinkNode(k);
			xmlFreeNode(k);
		}
	}
}

/* Lists next to each other (blank lines between) become one. */
static void
dl_merge(xmlNode *parent)
{
	xmlNode *k, *next, *prev;

	for (k = parent->children; k; k = next) {
		next = k->next;
		if (!is_el(k, "dl") || !xmlHasProp(k, BAD_CAST "data-sourcepos"))
			continue;
		prev = xmlPreviousElementSibling(k);
		if (prev == NULL || !is_el(prev, "dl") ||
		    !xmlHasProp(prev, BAD_CAST "data-sourcepos"))
			continue;
		while (k->children) {
			xmlNode *c = k->children;
			xmlUnlinkNode(c);
			xmlAddChild(prev, c);
		}
		xmlUnlinkNode(k);
		xmlFreeNode(k);
	}
}

static void
walk(xmlNode *n, const char *lang)
{
	xmlNode *k, *next;
	int paras = 0;

	if (!is_html(n) || is_el(n, "pre") || is_el(n, "code"))
		return;
	for (k = n->children; k; k = next) {
		next = k->next;
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(k, "blockquote"))
			alert(k, lang);
		walk(k, lang);
		if (md_para(k)) {
			paras = 1;
			figure(k);
		}
	}
	/* Definition lists are made of Markdown paragraphs, and only
	 * deflist() makes the lists dl_merge() joins. */
	if (paras) {
		deflist(n);
		dl_merge(n);
	}
}

void
blocks_essay(xmlNode *box, const char *lang)
{
	walk(box, lang);
}
