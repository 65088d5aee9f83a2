/* The XHTML pieces every writer shares: the stylesheets' links, the
 * title page, and the typographic cover drawn when the book has none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book/book.h"

/* quire's stylesheet (unless the book says theme: none) and the
 * author's, linked from the head of an XHTML document in that order. */
void
xhtml_styles(xmlDoc *doc, const struct book *b)
{
	xmlNode *head = xmlDocGetRootElement(doc)->children, *n;

	for (; head && !is_el(head, "head"); head = head->next)
		;
	if (head == NULL)
		return;
	for (size_t i = 0; i <= b->nstyles; i++) {
		if (i == 0 && b->theme_none)
			continue;
		n = el(head, "link");
		set_attr(n, "rel", "stylesheet");
		set_attr(n, "type", "text/css");
		set_attr(n, "href", i == 0 ? "book.css" : b->styles[i - 1].name);
	}
}

/* The title page's content, for both writers: title, subtitle, authors,
 * description, version and date, publisher, rights.  Returns the h1. */
xmlNode *
titlepage(xmlNode *sec, const struct book *b)
{
	xmlNode *h1 = el_text(sec, "h1", b->title), *p;
	const char *lang = b->lang;

	if (b->subtitle)
		set_attr(el_text(sec, "p", b->subtitle), "class", "subtitle");
	for (size_t i = 0; i < b->authors.n; i++)
		set_attr(el_text(sec, "p", b->authors.v[i]), "class", "author");
	/* Contributors with a role the catalogues name: "Editor: A. B."
	 * (authors among them were listed above). */
	for (size_t i = 0; i < b->ncontribs; i++) {
		const struct contributor *c = &b->contribs[i];
		enum word w = W_CONTRIBUTOR;
		char *s;

		if (c->role && strcmp(c->role, "aut") == 0)
			continue;
		if (c->role && strcmp(c->role, "edt") == 0)
			w = W_EDITOR;
		else if (c->role && strcmp(c->role, "trl") == 0)
			w = W_TRANSLATOR;
		else if (c->role && strcmp(c->role, "ill") == 0)
			w = W_ILLUSTRATOR;
		else if (c->role && strcmp(c->role, "aui") == 0)
			w = W_FOREWORD;
		s = xasprintf("%s: %s", i18n_word(lang, w), c->name);
		set_attr(el_text(sec, "p", s), "class", "contributor");
		free(s);
	}
	if (b->description)
		set_attr(el_text(sec, "p", b->description), "class",
		    "description");
	if (b->series) {
		char *s = b->series_pos ? xasprintf("%s: %s \xc2\xb7 %s",
		    i18n_word(lang, W_SERIES), b->series, b->series_pos) :
		    xasprintf("%s: %s", i18n_word(lang, W_SERIES), b->series);
		set_attr(el_text(sec, "p", s), "class", "series");
		free(s);
	}
	if (b->version || b->date) {
		p = el(sec, "p");
		set_attr(p, "class", "edition");
		if (b->version) {
			char *v = i18n_fmt(lang, W_VERSION, b->version, NULL);
			add_text(p, v);
			free(v);
		}
		if (b->date)
			add_date(p, b->date, " \xc2\xb7 ");
	}
	if (b->isbn) {
		char *s = xasprintf("ISBN %s", b->isbn + 9);
		set_attr(el_text(sec, "p", s), "class", "isbn");
		free(s);
	}
	if (b->publisher)
		set_attr(el_text(sec, "p", b->publisher), "class", "publisher");
	if (b->rights || b->license) {
		p = el(sec, "p");
		set_attr(p, "class", "rights");
		if (b->rights)
			add_text(p, b->rights);
		if (b->license) {
			if (b->rights)
				add_text(p, " ");
			set_attr(el_text(p, "a", b->license), "href",
			    b->license);
		}
	}
	return h1;
}

/* Breaks text into lines of at most width characters (UTF-8 aware). */
static struct strv
wrap(const char *text, size_t width)
{
	struct strv lines = { 0 };
	struct buf line = { 0 };
	char *copy = xstrdup(text), *save = NULL;
	size_t chars = 0;

	for (char *w = strtok_r(copy, " \t\n", &save); w;
	    w = strtok_r(NULL, " \t\n", &save)) {
		size_t wc = 0;
		for (const char *c = w; *c; c++)
			wc += ((unsigned char)*c & 0xc0) != 0x80;
		if (chars && chars + 1 + wc > width) {
			strv_push(&lines, buf_take(&line));
			chars = 0;
		}
		/* A word longer than a line: a line of it at a time. */
		while (wc > width && width > 0) {
			const char *c = w;
			for (size_t k = 0; k < width; k++)
				do
					c++;
				while (((unsigned char)*c & 0xc0) == 0x80);
			buf_put(&line, w, (size_t)(c - w));
			strv_push(&lines, buf_take(&line));
			w += c - w;
			wc -= width;
		}
		if (chars) {
			buf_putc(&line, ' ');
			chars++;
		}
		buf_puts(&line, w);
		chars += wc;
	}
	if (chars)
		strv_push(&lines, buf_take(&line));
	buf_free(&line);
	free(copy);
	return lines;
}

static void
svg_text(xmlNode *svg, const char *text, int y, int size, int lh,
    size_t width, const char *weight, const char *fill, int max_lines)
{
	struct strv lines = wrap(text, width);

	for (size_t i = 0; i < lines.n && (int)i < max_lines; i++) {
		xmlNode *t = el_text(svg, "text", lines.v[i]);
		char num[32];

		set_attr(t, "x", "800");
		snprintf(num, sizeof(num), "%d", y + (int)i * lh);
		set_attr(t, "y", num);
		snprintf(num, sizeof(num), "%d", size);
		set_attr(t, "font-size", num);
		set_attr(t, "font-family", "Georgia, 'DejaVu Serif', serif");
		set_attr(t, "font-weight", weight);
		set_attr(t, "text-anchor", "middle");
		set_attr(t, "fill", fill);
	}
	strv_free(&lines);
}

/* A typographic cover: title, subtitle, description, authors. */
char *
cover_svg(const struct book *b, size_t *len)
{
	xmlNode *svg, *n;
	xmlDoc *doc = xml_new("svg", NS_SVG, &svg);
	struct strv tl = { 0 };
	int y, size = 170, lh = 190;
	size_t width = 14;
	char *s;

	set_attr(svg, "version", "1.1");
	set_attr(svg, "viewBox", "0 0 1600 2560");
	set_attr(svg, "width", "1600");
	set_attr(svg, "height", "2560");
	el_text(svg, "title", b->title);
	n = el(svg, "rect");
	set_attr(n, "width", "1600");
	set_attr(n, "height", "2560");
	set_attr(n, "fill", "#1f2a36");
	n = el(svg, "rect");
	set_attr(n, "x", "100");
	set_attr(n, "y", "100");
	set_attr(n, "width", "1400");
	set_attr(n, "height", "2360");
	set_attr(n, "fill", "none");
	set_attr(n, "stroke", "#c9a45c");
	set_attr(n, "stroke-width", "6");
	/* The whole title, always: in four lines of 170 px if it fits
	 * (about 14 characters a line), else smaller until it fits in the
	 * same height, and at the smallest size in as many lines as it
	 * takes. */
	for (;;) {
		strv_free(&tl);
		tl = wrap(b->title, width);
		if ((int)tl.n * lh <= 4 * 190 || size <= 40)
			break;
		size = size * 9 / 10;
		lh = size * 125 / 100;
		width = (size_t)(2400 / size);
	}
	y = 760 - (int)tl.n * lh / 2 + (lh - 190) / 2;
	if (y < 120 + size)
		y = 120 + size;
	svg_text(svg, b->title, y, size, lh, width, "bold", "#f4efe6",
	    (int)tl.n);
	y += (int)tl.n * lh + 60;
	strv_free(&tl);
	n = el(svg, "rect");
	set_attr(n, "x", "650");
	s = xasprintf("%d", y);
	set_attr(n, "y", s);
	free(s);
	set_attr(n, "width", "300");
	set_attr(n, "height", "8");
	set_attr(n, "fill", "#c9a45c");
	y += 160;
	if (b->subtitle) {
		svg_text(svg, b->subtitle, y, 80, 100, 30, "normal", "#f4efe6",
		    3);
		y += 360;
	}
	if (b->description)
		svg_text(svg, b->description, y, 64, 90, 38, "normal",
		    "#c8d0d8", 8);
	for (size_t i = 0; i < b->authors.n && i < 4; i++)
		svg_text(svg, b->authors.v[i], 2150 + (int)i * 90, 72, 90, 40,
		    "normal", "#f4efe6", 1);
	if (b->version) {
		s = i18n_fmt(b->lang, W_VERSION, b->version, NULL);
		svg_text(svg, s, 2360, 48, 60, 60, "normal", "#c9a45c", 1);
		free(s);
	}
	s = xml_dump(doc, len);
	xmlFreeDoc(doc);
	return s;
}
