/* Link stage: footnotes become EPUB notes, headings get GitHub ids, links
 * between essays and to sections are resolved and checked, local images
 * are packed once each (never from outside the content folder), remote
 * images are never fetched.  Every essay's tree ends ready for writers. */
#include <sys/stat.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "render/render.h"

/* ---- positions ---- */

/* What finding nodes in an essay's source keeps while it renders. */
struct locator {
	size_t *lines;      /* offsets of line starts */
	size_t nlines;
	int hint_block;     /* where the last link of a block was found */
	size_t hint_line, hint_off, guess_off;  /* guess: raw HTML's */
	struct idset guesses;  /* raw HTML searched for and not found */
	int col_line, col_byte, col_char;  /* the last column worked out */
};

void
link_forget(struct essay *e)
{
	if (e->w == NULL || e->w->locator == NULL)
		return;
	free(e->w->locator->lines);
	idset_free(&e->w->locator->guesses);
	free(e->w->locator);
	e->w->locator = NULL;
}

/* Where a node came from: the block's line, and the column of needle on
 * that line or the few after it when it can be found. */
static void
index_lines(struct essay *e)
{
	size_t cap = 64;
	struct locator *lc = e->w->locator = xcalloc(1, sizeof(*lc));

	lc->lines = xreallocarray(NULL, cap, sizeof(*lc->lines));
	lc->lines[lc->nlines++] = 0;
	for (const char *p = e->text, *end = e->text + e->len;
	    (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
		if (lc->nlines == cap)
			lc->lines = xreallocarray(lc->lines, cap *= 2,
			    sizeof(*lc->lines));
		lc->lines[lc->nlines++] = (size_t)(p + 1 - e->text);
	}
}

/* Columns count characters, not bytes. */
static int
char_col(struct essay *e, int line, int bytecol)
{
	struct locator *lc = e->w->locator;
	const char *p = e->text + lc->lines[line - 1];
	int col = 1, i = 0;

	/* From the last column worked out on this line, if it is before. */
	if (lc->col_line == line && lc->col_byte <= bytecol) {
		i = lc->col_byte - 1;
		col = lc->col_char;
	}
	for (; i < bytecol - 1 && p[i] && p[i] != '\n'; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			col++;
	lc->col_line = line;
	lc->col_byte = bytecol;
	lc->col_char = col;
	return col;
}

static struct loc locate_bytes(struct essay *, xmlNode *, const char *,
    int fuzzy, int *found);

static struct loc
locate(struct essay *e, xmlNode *n, const char *needle)
{
	int found;
	struct loc l = locate_bytes(e, n, needle, 0, &found), l2;
	char *dec = NULL;

	/* The source may say "a b.md" where the tree says "a%20b.md", or
	 * "a&amp;b.md", "caf&eacute;.md", "a\_b.md" (fuzzy). */
	if (!found && needle && strchr(needle, '%'))
		dec = url_decode(needle, strlen(needle));
	for (int k = 0; !found && needle && *needle && k < 3; k++) {
		const char *try = k == 1 ? needle : dec;

		if (try == NULL)
			continue;
		l2 = locate_bytes(e, n, try, k > 0, &found);
		if (found)
			l = l2;
	}
	free(dec);
	/* A reference link ([text][ref]): its URL is on another line, its
	 * text is where it stands. */
	if (!found && n && is_el(n, "a")) {
		char *t = node_text(n), *b = xasprintf("[%s]", t);

		l2 = locate_bytes(e, n, b, 1, &found);
		if (found && *t)
			l = l2;
		free(b);
		free(t);
	}
	if (l.line > 0 && l.col > 1) {
		if (e->w->locator == NULL)
			index_lines(e);
		if ((size_t)l.line <= e->w->locator->nlines)
			l.col = char_col(e, l.line, l.col);
	}
	return l;
}

struct loc
xref_locate(struct essay *e, xmlNode *n, const char *needle)
{
	return locate(e, n, needle);
}

/* How many bytes of the source at q read as needle once character
 * references (&amp; &#233; &eacute;) and backslash escapes are decoded,
 * as cmark-gfm and HTML decode them; 0 if they do not. */
static size_t
match_decoded(const char *q, const char *eol, const char *needle, size_t nn)
{
	const char *s = q;
	size_t i = 0;

	while (i < nn) {
		if (s >= eol)
			return 0;
		if (*s == '&') {
			const char *semi = memchr(s, ';', (size_t)(eol - s) < 34 ?
			    (size_t)(eol - s) : 34);
			unsigned long cp = 0;
			char name[34];
			unsigned char u[4];
			size_t k = 0;

			if (semi && s[1] == '#') {
				char *end;
				cp = s[2] == 'x' || s[2] == 'X' ?
				    strtoul(s + 3, &end, 16) :
				    strtoul(s + 2, &end, 10);
				if (end != semi)
					cp = 0;
			} else if (semi && semi - s > 1) {
				const htmlEntityDesc *ent;
				memcpy(name, s + 1, (size_t)(semi - s - 1));
				name[semi - s - 1] = '\0';
				if ((ent = htmlEntityLookup(BAD_CAST name)) != NULL)
					cp = ent->value;
			}
			if (cp > 0 && cp < 0x110000) {
				if (cp < 0x80)
					u[k++] = (unsigned char)cp;
				else if (cp < 0x800) {
					u[k++] = (unsigned char)(0xc0 | cp >> 6);
					u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
				} else if (cp < 0x10000) {
					u[k++] = (unsigned char)(0xe0 | cp >> 12);
					u[k++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
					u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
				} else {
					u[k++] = (unsigned char)(0xf0 | cp >> 18);
					u[k++] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
					u[k++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
					u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
				}
				if (i + k <= nn && memcmp(needle + i, u, k) == 0) {
					i += k;
					s = semi + 1;
					continue;
				}
			}
		}
		if (*s == '\\' && s + 1 < eol && ispunct((unsigned char)s[1]) &&
		    needle[i] == s[1]) {
			s += 2;
			i++;
			continue;
		}
		if (*s != needle[i])
			return 0;
		s++;
		i++;
	}
	return (size_t)(s - q);
}

/* Remembers where the search from the top for needle ended: at offset
 * at (found), or nowhere (at == 0: not found). */
static void
guess_keep(struct essay *e, const char *needle, size_t at)
{
	idset_add(&e->w->locator->guesses, needle);
	*idset_val(&e->w->locator->guesses, needle) = at;
}

/* A byte a URL or a name may hold (the bounds of a needle found alone). */
static int
url_byte(char c)
{
	return isalnum((unsigned char)c) || strchr("-._~%/+", c) != NULL ||
	    (unsigned char)c >= 0x80;
}

/* The first needle (of nn bytes) in [p, end) that no URL byte touches
 * on either side; NULL if none. */
static const char *
find_alone(const char *p, const char *end, const char *needle, size_t nn)
{
	const char *q = p;

	while ((q = find_bytes(q, end, needle, nn)) != NULL) {
		if ((q == p || !url_byte(q[-1]) || !url_byte(needle[0])) &&
		    (q + nn == end || !url_byte(q[nn]) ||
		    !url_byte(needle[nn - 1])))
			return q;
		q++;
	}
	return NULL;
}

static struct loc
locate_bytes(struct essay *e, xmlNode *n, const char *needle, int fuzzy,
    int *found)
{
	struct loc l = { e->path, 0, 0 };
	const char *p, *end = e->text + e->len;
	size_t nn = needle ? strlen(needle) : 0, m = 0;
	int guessed = 0;
	struct locator *lc;

	*found = 0;
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
		xmlChar *v = xmlGetNoNsProp(n, BAD_CAST "data-sourcepos");
		if (v) {
			l.line = atoi((char *)v);
			l.col = strchr((char *)v, ':') ?
			    atoi(strchr((char *)v, ':') + 1) : 1;
			xmlFree(v);
			break;
		}
	}
	if (nn == 0)
		return l;
	if (e->w->locator == NULL)
		index_lines(e);
	lc = e->w->locator;
	/* Raw HTML blocks carry no position: they are searched for from
	 * the start of the body. */
	if (l.line == 0) {
		l.line = e->body_line;
		guessed = 1;
	}
	if ((size_t)l.line > lc->nlines)
		return l;
	/* Raw HTML, in source order too: the search goes on from the last
	 * place found (then, if need be, from the top), so thousands of raw
	 * HTML images are read once, not once each; a needle must stand
	 * alone ("a.png" is not the end of "ba.png"). */
	if (guessed && !fuzzy) {
		size_t *at = idset_val(&lc->guesses, needle), lo = 0, hi;
		const char *body = e->text + lc->lines[l.line - 1], *q;
		const char *from = e->text + lc->guess_off;

		if (at != NULL && *at == 0) {
			l.line = l.col = 0;
			return l;
		}
		if (from < body)
			from = body;
		q = find_alone(from, end, needle, nn);
		if (q == NULL && from > body)
			q = find_alone(body, from + nn - 1 < end ? from + nn - 1 :
			    end, needle, nn);
		if (q == NULL) {
			guess_keep(e, needle, 0);
			l.line = l.col = 0;
			return l;
		}
		lc->guess_off = (size_t)(q - e->text) + nn;
		/* The last line starting at or before it. */
		for (hi = lc->nlines; hi - lo > 1; ) {
			size_t mid = lo + (hi - lo) / 2;
			if (lc->lines[mid] <= (size_t)(q - e->text))
				lo = mid;
			else
				hi = mid;
		}
		lc->hint_block = l.line;
		lc->hint_line = lo;
		lc->hint_off = lc->guess_off;
		l.line = (int)lo + 1;
		l.col = (int)(q - e->text - lc->lines[lo]) + 1;
		*found = 1;
		return l;
	}
	/* Links and images come in source order: the search for the next
	 * one in the same block starts where the last one was found, so a
	 * megabyte-long paragraph of links is read once, not once a link. */
	for (int pass = 0; pass < 2; pass++) {
		size_t first = (size_t)l.line - 1;
		const char *from = NULL;

		if (pass == 0 && lc->hint_block == l.line && !guessed) {
			first = lc->hint_line;
			from = e->text + lc->hint_off;
		} else if (pass == 0)
			pass = 1;
		for (size_t k = first; k < lc->nlines; k++) {
			const char *eol = k + 1 < lc->nlines ?
			    e->text + lc->lines[k + 1] : end;

			p = e->text + lc->lines[k];
			for (const char *q = from && k == first ? from : p;
			    q < eol; q++) {
				if (fuzzy) {
					if ((m = match_decoded(q, eol, needle,
					    nn)) == 0)
						continue;
				} else {
					q = memchr(q, needle[0],
					    (size_t)(eol - q));
					if (q == NULL || q + nn > eol)
						break;
					if (memcmp(q, needle, nn) != 0)
						continue;
					m = nn;
				}
				if (guessed && !fuzzy)
					guess_keep(e, needle,
					    (size_t)(q - e->text) + 1);
				lc->hint_block = l.line;
				lc->hint_line = k;
				lc->hint_off = (size_t)(q + m - e->text);
				l.line = (int)k + 1;
				l.col = (int)(q - p) + 1;
				*found = 1;
				return l;
			}
			if ((fuzzy || !guessed) && k + 1 - (size_t)l.line > 200)
				break;
		}
	}
	if (guessed && !fuzzy)
		guess_keep(e, needle, 0);
	if (guessed)
		l.line = l.col = 0;
	return l;
}

/* ---- tree helpers ---- */

static int
has_class(xmlNode *n, const char *cls)
{
	char *v = get_attr(n, "class"), *save = NULL;
	int found = 0;

	if (v) {
		for (char *t = strtok_r(v, " ", &save); t;
		    t = strtok_r(NULL, " ", &save))
			if (strcmp(t, cls) == 0)
				found = 1;
		free(v);
	}
	return found;
}

static xmlNode *
next_element(xmlNode *n, xmlNode *top)
{
	if (n->children && n->type == XML_ELEMENT_NODE)
		return n->children;
	while (n && n != top) {
		if (n->next)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

/* Replaces n by its children. */
static void
unwrap(xmlNode *n)
{
	xmlNode *k, *next;

	for (k = n->children; k; k = next) {
		next = k->next;
		xmlUnlinkNode(k);
		xmlAddPrevSibling(n, k);
	}
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

static void
replace_with_text(xmlNode *n, const char *text, const char *cls)
{
	xmlNode *s = xmlNewDocNode(n->doc, n->ns, BAD_CAST "span", NULL);

	xmlAddChild(s, xmlNewDocText(n->doc, BAD_CAST text));
	if (cls)
		set_attr(s, "class", cls);
	xmlReplaceNode(n, s);
	xmlFreeNode(n);
}


static char *
collapse_ws(const char *s)
{
	struct buf b = { 0 };
	int sp = 0;

	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			sp = b.len > 0;
		else {
			if (sp)
				buf_putc(&b, ' ');
			sp = 0;
			buf_putc(&b, *s);
		}
	}
	return buf_take(&b);
}

/* ---- footnotes ---- */

struct note {
	char *old;          /* cmark-gfm's id: fn-LABEL, percent-decoded */
	xmlNode *li;
	struct strv refs;   /* the new ids of its references */
	size_t index;
};

static int
cmp_note(const void *a, const void *b)
{
	return strcmp(((const struct note *)a)->old,
	    ((const struct note *)b)->old);
}

static void
footnotes(struct essay *e)
{
	xmlNode *sec = NULL, *ol = NULL, *n, *next;
	struct note *notes = NULL, *byid;
	size_t nn = 0;
	char *s;

	for (n = e->w->content->children; n; n = n->next)
		if (is_el(n, "section") && has_class(n, "footnotes"))
			sec = n;
	if (sec == NULL)
		return;
	for (n = sec->children; n && !is_el(n, "ol"); n = n->next)
		;
	ol = n;
	for (n = ol ? ol->children : NULL; n; n = n->next) {
		if (!is_el(n, "li"))
			continue;
		GROW(notes, nn);
		memset(&notes[nn], 0, sizeof(*notes));
		s = get_attr(n, "id");
		notes[nn].old = s ? url_decode(s, strlen(s)) : NULL;
		if (notes[nn].old == NULL)
			notes[nn].old = xstrdup("");
		free(s);
		notes[nn].li = n;
		notes[nn].index = nn;
		nn++;
	}
	/* Looked up by id, for tens of thousands of notes. */
	byid = xreallocarray(NULL, nn, sizeof(*byid));
	if (nn)
		memcpy(byid, notes, nn * sizeof(*byid));
	qsort(byid, nn, sizeof(*byid), cmp_note);
	/* The references, in the body. */
	for (n = e->w->content; n; n = next_element(n, e->w->content)) {
		char *href, *dec;
		size_t i;

		if (!is_el(n, "a") || !has_class(n->parent, "footnote-ref"))
			continue;
		if ((href = get_attr(n, "href")) == NULL)
			continue;
		dec = url_decode(href + 1, strlen(href + 1));
		{
			struct note key = { dec, NULL, { 0 }, 0 }, *hit = NULL;
			if (dec)
				hit = bsearch(&key, byid, nn, sizeof(*byid),
				    cmp_note);
			i = hit ? hit->index : nn;
		}
		free(dec);
		free(href);
		if (i == nn)
			continue;
		s = notes[i].refs.n == 0 ? xasprintf("fnref-%zu", i + 1) :
		    xasprintf("fnref-%zu-%zu", i + 1, notes[i].refs.n + 1);
		set_attr(n, "id", s);
		strv_push(&notes[i].refs, s);
		s = xasprintf("#fn-%zu", i + 1);
		set_attr(n, "href", s);
		free(s);
		xmlUnsetProp(n, BAD_CAST "data-footnote-ref");
		xmlUnsetProp(n, BAD_CAST "class");
		set_epub_type(n, "noteref");
		set_attr(n, "role", "doc-noteref");
		set_attr(n->parent, "class", "noteref");
	}
	/* The notes: one aside each, the link back first (Kindle shows the
	 * note alone; Apple Books and Kobo pop up an aside). */
	set_attr(sec, "class", "footnotes");
	xmlUnsetProp(sec, BAD_CAST "data-footnotes");
	set_epub_type(sec, "endnotes");
	set_attr(sec, "role", "doc-endnotes");
	set_attr(sec, "aria-label", i18n_word(node_lang(sec), W_NOTES));
	for (size_t i = 0; i < nn; i++) {
		xmlNode *aside = xmlNewDocNode(e->w->xml, sec->ns,
		    BAD_CAST "aside", NULL), *first, *back;
		char num[32];

		xmlAddChild(sec, aside);
		s = xasprintf("fn-%zu", i + 1);
		set_attr(aside, "id", s);
		free(s);
		set_attr(aside, "class", "footnote");
		set_epub_type(aside, "footnote");
		set_attr(aside, "role", "doc-footnote");
		for (n = notes[i].li->children; n; n = next) {
			next = n->next;
			xmlUnlinkNode(n);
			xmlAddChild(aside, n);
		}
		/* cmark-gfm's back links go; ours come first. */
		{
			xmlNode **gone = NULL;
			size_t ng = 0;

			for (n = aside; n; n = next_element(n, aside))
				if (is_el(n, "a") &&
				    has_class(n, "footnote-backref")) {
					GROW(gone, ng);
					gone[ng++] = n;
				}
			for (size_t k = 0; k < ng; k++) {
				xmlNode *prev = gone[k]->prev;
				size_t len;

				if (prev && prev->type == XML_TEXT_NODE &&
				    prev->content && (len = strlen(
				    (char *)prev->content)) > 0 &&
				    prev->content[len - 1] == ' ') {
					/* Through libxml2, not in its buffer. */
					char *t = xstrndup((char *)prev->content,
					    len - 1);
					xmlNodeSetContent(prev, NULL);
					xmlNodeAddContent(prev, BAD_CAST t);
					free(t);
				}
				xmlUnlinkNode(gone[k]);
				xmlFreeNode(gone[k]);
			}
			free(gone);
		}
		for (first = aside->children; first &&
		    first->type != XML_ELEMENT_NODE; first = first->next)
			;
		if (first == NULL || !is_el(first, "p")) {
			xmlNode *p = xmlNewDocNode(e->w->xml, sec->ns,
			    BAD_CAST "p", NULL);
			if (first)
				xmlAddPrevSibling(first, p);
			else
				xmlAddChild(aside, p);
			first = p;
		}
		snprintf(num, sizeof(num), "%zu.", i + 1);
		if (notes[i].refs.n) {
			back = xmlNewDocNode(e->w->xml, sec->ns, BAD_CAST "a",
			    NULL);
			s = xasprintf("#%s", notes[i].refs.v[0]);
			set_attr(back, "href", s);
			free(s);
			set_attr(back, "role", "doc-backlink");
			set_attr(back, "class", "backlink");
			xmlAddChild(back, xmlNewDocText(e->w->xml,
			    BAD_CAST num));
		} else {
			back = xmlNewDocNode(e->w->xml, sec->ns,
			    BAD_CAST "span", NULL);
			xmlAddChild(back, xmlNewDocText(e->w->xml,
			    BAD_CAST num));
		}
		if (first->children)
			xmlAddPrevSibling(first->children, back);
		else
			xmlAddChild(first, back);
		xmlAddNextSibling(back, xmlNewDocText(e->w->xml,
		    BAD_CAST " "));
		for (size_t k = 1; k < notes[i].refs.n; k++) {
			xmlNode *last = xmlLastElementChild(aside), *a;
			if (last == NULL)
				break;
			xmlAddChild(last, xmlNewDocText(e->w->xml,
			    BAD_CAST " "));
			a = el_text(last, "a", "\xe2\x86\xa9\xef\xb8\x8e");
			s = xasprintf("#%s", notes[i].refs.v[k]);
			set_attr(a, "href", s);
			free(s);
			set_attr(a, "role", "doc-backlink");
			snprintf(num, sizeof(num), "%zu", k + 1);
			s = i18n_fmt(node_lang(aside), W_BACK_TO_REF, num,
			    NULL);
			set_attr(a, "aria-label", s);
			free(s);
		}
	}
	if (ol) {
		xmlUnlinkNode(ol);
		xmlFreeNode(ol);
	}
	e->nnotes = nn;
	for (size_t i = 0; i < nn; i++) {
		free(notes[i].old);
		strv_free(&notes[i].refs);
	}
	free(notes);
	free(byid);
}

/* ---- ids and headings ---- */

/* "Section 3", in the essay's language: a heading with no text. */
static char *
section_name(xmlNode *n, size_t k)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", k);
	return i18n_fmt(node_lang(n), W_SECTION, num, NULL);
}

/* Links and images are collected on the way through the headings, in
 * the order of the document (xlinks, e->seen and the hints of locate()
 * follow it). */

static int
is_mathml(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	    strcmp((const char *)n->ns->href, NS_MATHML) == 0;
}

static int
has_mathml(xmlNode *n)
{
	for (xmlNode *k = n; k; k = next_element(k, n))
		if (is_mathml(k) && strcmp((const char *)k->name, "math") == 0)
			return 1;
	return 0;
}

/* A heading's text as a reader sees it: a MathML formula by its own
 * characters (α>1), not its TeX; what annotates it left out. */
static void
shown_into(struct buf *b, xmlNode *n)
{
	for (xmlNode *k = n->children; k; k = k->next) {
		if (k->type == XML_TEXT_NODE && k->content)
			buf_puts(b, (const char *)k->content);
		else if (k->type != XML_ELEMENT_NODE)
			continue;
		else if (is_mathml(k) && (strcmp((const char *)k->name,
		    "annotation") == 0 || strcmp((const char *)k->name,
		    "annotation-xml") == 0))
			continue;
		else if (is_mathml(k) || !has_mathml(k)) {
			char *t = is_mathml(k) ? NULL : node_text(k);

			if (t) {
				buf_puts(b, t);
				free(t);
			} else
				shown_into(b, k);
		} else
			shown_into(b, k);
	}
}

static char *
shown_text(xmlNode *n)
{
	struct buf b = { 0 };

	shown_into(&b, n);
	buf_puts(&b, "");
	return buf_take(&b);
}

/* Whether n holds an image. */
static int
has_img(xmlNode *n)
{
	for (xmlNode *k = n; k; k = next_element(k, n))
		if (is_el(k, "img") || is_el(k, "svg"))
			return 1;
	return 0;
}

static int
to_resolve(xmlNode *n)
{
	return (is_el(n, "a") && xmlHasProp(n, BAD_CAST "href") &&
	    !xmlHasProp(n, BAD_CAST "role")) || is_el(n, "img");
}

static void
ids_and_headings(struct essay *e, struct quire_diag *d, xmlNode ***todo,
    size_t *nt)
{
	struct idset hint = { 0 };
	const struct strv *hids = &ESITE(e)->hids;
	xmlNode *n, **dead = NULL;
	size_t ndead = 0;

	idset_add(&e->w->ids, "essay-title");
	/* Ids written after headings ({#id}), by the heading's line. */
	for (n = hids->n ? e->w->content : NULL; n;
	    n = next_element(n, e->w->content)) {
		char *pos;

		if (!heading_level(n) || xmlHasProp(n, BAD_CAST "id") ||
		    (pos = get_attr(n, "data-sourcepos")) == NULL)
			continue;
		for (size_t i = 0; i + 1 < hids->n; i += 2)
			if (atoi(hids->v[i]) == atoi(pos)) {
				char *id = xml_clean(hids->v[i + 1],
				    strlen(hids->v[i + 1]));
				set_attr(n, "id", id);
				free(id);
				break;
			}
		free(pos);
	}
	for (n = e->w->content; n; n = next_element(n, e->w->content)) {
		char *id;

		if (n->type != XML_ELEMENT_NODE || n == e->w->content)
			continue;
		if ((id = get_attr(n, "id")) == NULL)
			continue;
		if (!(is_el(n, "h1") && strcmp(id, "essay-title") == 0) &&
		    !idset_add(&e->w->ids, id)) {
			struct loc l = locate(e, n, id);
			diag_warn(d, &l, "duplicate id '%s' dropped", id);
			xmlUnsetProp(n, BAD_CAST "id");
		}
		free(id);
	}
	for (n = e->w->content; n; n = next_element(n, e->w->content)) {
		int lv = heading_level(n);
		char *raw, *text, *id, *base;

		if (n->type == XML_ELEMENT_NODE && to_resolve(n)) {
			GROW(*todo, *nt);
			(*todo)[(*nt)++] = n;
		}
		if (!lv || (n->parent && is_el(n->parent, "header") &&
		    n->parent->parent == e->w->content))
			continue;
		raw = node_text(n);
		text = collapse_ws(raw);
		free(raw);
		if (*text == '\0' && !has_img(n)) {
			/* Nothing to read (Ace: empty-heading): not a
			 * heading; what it holds (an anchor) stays. */
			char *pos = get_attr(n, "data-sourcepos");
			struct loc l = { e->path, pos ? atoi(pos) : 0, 1 };

			diag_warn(d, &l, "empty heading left out");
			free(pos);
			free(text);
			xmlNodeSetName(n, BAD_CAST "div");
			xmlUnsetProp(n, BAD_CAST "id");
			if (xmlFirstElementChild(n) == NULL) {
				GROW(dead, ndead);
				dead[ndead++] = n;
			}
			continue;
		}
		if (*text == '\0') {
			/* A heading of only images (a logo): their alt text
			 * names it in the contents, else its position does. */
			struct buf alts = { 0 };
			for (xmlNode *k = n; k; k = next_element(k, n)) {
				char *alt = is_el(k, "img") ? get_attr(k, "alt") :
				    NULL;
				if (alt && *alt)
					buf_printf(&alts, "%s%s", alts.len ? " " :
					    "", alt);
				free(alt);
			}
			free(text);
			text = alts.len ? buf_take(&alts) :
			    section_name(n, e->nheads + 1);
			buf_free(&alts);
		}
		if ((id = get_attr(n, "id")) == NULL) {
			/* Its id does not change with its number. */
			xmlNode *f = n->children;
			char *num = f && is_el(f, "span") &&
			    has_class(f, "secnum") ? node_text(f) : NULL;
			size_t skip = num && strncmp(text, num, strlen(num)) ==
			    0 ? strlen(num) : 0;

			while (text[skip] == ' ')
				skip++;

			free(num);
			base = slug_github(text + skip);
			if (*base == '\0') {
				free(base);
				base = xstrdup("section");
			}
			id = idset_unique(&e->w->ids, &hint, base, 1);
			free(base);
			set_attr(n, "id", id);
		}
		if (has_mathml(n)) {
			/* Its id is made from the TeX (as GitHub's); the
			 * contents show the formula's characters. */
			char *t = shown_text(n), *c = collapse_ws(t);

			free(t);
			if (*c) {
				free(text);
				text = c;
			} else
				free(c);
		}
		GROW(e->heads, e->nheads);
		e->heads[e->nheads].level = lv;
		e->heads[e->nheads].id = id;
		e->heads[e->nheads].text = text;
		e->nheads++;
	}
	for (size_t i = 0; i < ndead; i++) {
		xmlUnlinkNode(dead[i]);
		xmlFreeNode(dead[i]);
	}
	free(dead);
	idset_free(&hint);
}

static int
has_scheme(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.')
		p++;
	return *p == ':';
}

/* A local reference, relative to the essay, or to the content root when
 * it starts with '/' (as on the web sites READMEs are written for); NULL
 * when it would leave the content folder. */
static char *
resolve_local(const struct essay *e, const char *ref)
{
	if (ref[0] == '/')
		return path_resolve("", ref + strspn(ref, "/"));
	return path_resolve(e->rel, ref);
}

static void
later_add(struct later **v, uint32_t *n, const char *text, const char *orig,
    const char *href, struct essay *target, const struct loc *l)
{
	struct later *x;

	GROW(*v, *n);
	x = &(*v)[(*n)++];
	x->text = xstrdup(text);
	x->orig = orig ? xstrdup(orig) : NULL;
	x->href = href ? xstrdup(href) : NULL;
	x->target = target;
	x->line = l->line;
	x->col = l->col;
}

static __thread struct link_tape *tape;

struct link_tape *
link_tape_set(struct link_tape *t)
{
	struct link_tape *old = tape;

	tape = t;
	return old;
}

static void
taped(int kind, const char *s, const struct resource *r,
    const struct loc *l)
{
	struct taped_link *t;

	if (tape == NULL)
		return;
	GROW(tape->v, tape->n);
	t = &tape->v[tape->n++];
	t->kind = kind;
	t->s = xstrdup(s);
	t->name = r ? xstrdup(r->name) : NULL;
	t->line = l ? l->line : 0;
	t->col = l ? l->col : 0;
}

void
link_tape_free(struct link_tape *t)
{
	for (size_t i = 0; t && i < t->n; i++) {
		free(t->v[i].s);
		free(t->v[i].name);
	}
	if (t) {
		free(t->v);
		t->v = NULL;
		t->n = 0;
	}
}

size_t
link_tape_bytes(const struct link_tape *t)
{
	size_t n = t->n * sizeof(*t->v);

	for (size_t i = 0; i < t->n; i++)
		n += strlen(t->v[i].s) + 1 + (t->v[i].name ?
		    strlen(t->v[i].name) + 1 : 0);
	return n;
}

static void remote_met(struct book *, struct essay *, const char *,
    const struct loc *);

int
link_tape_replay(struct book *b, struct essay *e, const struct link_tape *t)
{
	struct quire_diag *quiet = quire_diag_new(0);
	struct idset seen = { 0 };  /* remote URLs met */
	int rc = 0;

	/* The images first: each must come out as it did (its name is
	 * its bytes' hash), refused ones too; what they said then is on
	 * the messages' tape. */
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		const struct taped_link *x = &t->v[i];
		struct loc l = { e->path, x->line, x->col };
		struct resource *r;

		if (x->kind == TAPED_REMOTE)
			continue;
		r = x->kind == TAPED_FILE ? resource_add(b, x->s, &l, quiet) :
		    resource_add_data(b, x->s, &l, quiet);
		if ((r == NULL) != (x->name == NULL) ||
		    (r && strcmp(r->name, x->name) != 0))
			rc = -1;
	}
	quire_diag_free(quiet);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct taped_link *x = &t->v[i];
		struct loc l = { e->path, x->line, x->col };

		if (x->kind == TAPED_REMOTE && idset_add(&seen, x->s))
			remote_met(b, e, x->s, &l);
	}
	idset_free(&seen);
	return 0;
}

/* A remote image's URL, the first time the essay has it: the book keeps
 * where it first has each URL, whichever thread gets there first, and
 * not every essay's list of them. */
static void
remote_met(struct book *b, struct essay *e, const char *url,
    const struct loc *l)
{
	size_t ei = (size_t)(e - b->essays), seq = e->nremote++;
	struct remote_first *r;
	size_t *v;

	pthread_mutex_lock(&b->lock);
	if ((v = idset_val(&b->remote, url)) == NULL) {
		url = idset_get(&b->remote, url);
		GROW(b->rfirst, b->nrfirst);
		r = &b->rfirst[b->nrfirst];
		r->url = url;
		r->essay = SIZE_MAX;
		*idset_val(&b->remote, url) = ++b->nrfirst;
	} else
		r = &b->rfirst[*v - 1];
	if (ei < r->essay || (ei == r->essay && seq < r->seq)) {
		r->essay = ei;
		r->seq = seq;
		r->line = l->line;
		r->col = l->col;
	}
	pthread_mutex_unlock(&b->lock);
}

static int
cmp_rfirst(const void *a, const void *b)
{
	const struct remote_first *x = *(struct remote_first *const *)a;
	const struct remote_first *y = *(struct remote_first *const *)b;

	if (x->essay != y->essay)
		return x->essay < y->essay ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
inside_link(xmlNode *n)
{
	for (n = n->parent; n; n = n->parent)
		if (is_el(n, "a"))
			return 1;
	return 0;
}

static int
image(struct book *b, struct essay *e, xmlNode *img, struct quire_diag *d)
{
	char *src = get_attr(img, "src"), *alt = get_attr(img, "alt");
	char *path, *dec, *q;
	struct loc l = { NULL, 0, 0 };  /* found only for a diagnostic */
#define AT() (l.path ? &l : (l = locate(e, img, src), &l))
	struct resource *r;
	int rc = 0;

	char shown[96];

	e->nimages++;
	if (alt == NULL || *alt == '\0') {
		diag_warn(d, AT(), "image %s has no alt text",
		    clip_url(src ? src : "", shown));
		free(alt);
		alt = xstrdup("");
		e->nimages_noalt++;
	}
	if (src == NULL || *src == '\0') {
		replace_with_text(img, alt, "image-missing");
		goto out;
	}
	if (san_url(src) == URL_DATA) {
		r = resource_add_data(b, src, AT(), d);
		taped(TAPED_DATA, src, r, &l);
		if (r == NULL)
			replace_with_text(img, alt, "image-missing");
		else {
			set_attr(img, "src", r->name);
			set_attr(img, "alt", alt);
		}
		goto out;
	}
	if (strncmp(src, "//", 2) == 0 || has_scheme(src)) {
		if (idset_add(&e->w->seen, src)) {
			remote_met(b, e, src, AT());
			taped(TAPED_REMOTE, src, NULL, &l);
		}
		if (inside_link(img) || strncasecmp(src, "http", 4) != 0)
			replace_with_text(img, *alt ? alt : "image",
			    "image-remote");
		else {
			xmlNode *a = xmlNewDocNode(img->doc, img->ns,
			    BAD_CAST "a", NULL);
			set_attr(a, "href", src);
			set_attr(a, "class", "image-remote");
			xmlAddChild(a, xmlNewDocText(img->doc,
			    BAD_CAST(*alt ? alt : "image")));
			xmlReplaceNode(img, a);
			xmlFreeNode(img);
		}
		goto out;
	}
	if ((q = strpbrk(src, "?#")) != NULL)
		*q = '\0';
	dec = url_decode(src, strlen(src));
	path = dec ? site_image(b, e, dec) : NULL;
	if (path == NULL) {
		rc = diag_error(d, AT(), "image %s is outside the content folder",
		    clip_url(src, shown));
		replace_with_text(img, alt, "image-missing");
	} else if ((r = resource_add(b, path, AT(), d)) == NULL) {
		taped(TAPED_FILE, path, NULL, &l);
		replace_with_text(img, alt, "image-missing");
	} else {
		taped(TAPED_FILE, path, r, &l);
		set_attr(img, "src", r->name);
		set_attr(img, "alt", alt);
	}
	free(dec);
	free(path);
out:
	free(src);
	free(alt);
	return rc;
#undef AT
}

/* ---- links ---- */

static int
cmp_essay_rel(const void *a, const void *b)
{
	return strcmp((*(struct essay *const *)a)->rel,
	    (*(struct essay *const *)b)->rel);
}

/* The essay at rel, through the index sorted by path (link_prepare). */
static struct essay *
find_essay(struct book *b, const char *rel)
{
	struct essay key, *kp = &key, **hit;

	key.rel = (char *)rel;
	hit = bsearch(&kp, b->byrel, b->nessays, sizeof(*b->byrel),
	    cmp_essay_rel);
	return hit ? *hit : NULL;
}

/* Whether c at s may not stand in an href as written. */
static int
href_unsafe(const char *s)
{
	unsigned char c = (unsigned char)*s;

	return c <= 0x20 || c == 0x7f || strchr("\"<>\\^`{|}", c) ||
	    (c == '%' && !(isxdigit((unsigned char)s[1]) &&
	    isxdigit((unsigned char)s[2])));
}

/* Escapes what may not stand in an href as written; the runs between
 * are copied whole. */
static char *
href_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = { 0 };

	buf_grow(&b, strlen(s));
	while (*s) {
		const char *run = s;

		while (*s && !href_unsafe(s))
			s++;
		buf_put(&b, run, (size_t)(s - run));
		if (*s) {
			char esc[3] = { '%', hex[(unsigned char)*s >> 4],
			    hex[(unsigned char)*s & 15] };

			buf_put(&b, esc, 3);
			s++;
		}
	}
	return buf_take(&b);
}

/* The essay a link written for the published site names: a pretty URL
 * (/functions/strings/trim/ for functions/strings/Trim.md, a folder for
 * its index.md or _index.md, any case), mdBook's chapter.html, a
 * permalink or alias from the front matter, relative to the folder or
 * to the page's own URL; a target of {{< ref >}} or {% post_url %} may
 * also be the one file of that name.  NULL when the site has none. */
static struct essay *
site_target(struct book *b, struct essay *e, const char *dec,
    const char *raw, const char *path)
{
	struct essay *t = NULL;
	char *stem, *dot, *base, *p;

	if (path && (t = site_find(b, path)) != NULL)
		return t;
	if (dec[0] != '/') {
		/* Hugo serves a/b.md at a/b/: its relative links start
		 * there. */
		stem = xstrdup(e->rel);
		if ((dot = strrchr(stem, '.')) != NULL &&
		    !strchr(dot, '/'))
			*dot = '\0';
		base = xasprintf("%s/index", stem);
		if ((p = path_resolve(base, dec)) != NULL)
			t = site_find(b, p);
		free(p);
		free(base);
		free(stem);
		if (t)
			return t;
	}
	if (idset_has(&ESITE(e)->siterefs, raw) ||
	    idset_has(&ESITE(e)->siterefs, dec)) {
		if ((p = path_resolve("", dec + strspn(dec, "/"))) != NULL)
			t = site_find(b, p);
		free(p);
		if (t == NULL)
			t = site_find_stem(b, dec);
	}
	return t;
}

static int
link(struct book *b, struct essay *e, xmlNode *a, struct quire_diag *d)
{
	char *href = get_attr(a, "href"), *frag, *dec = NULL, *path = NULL;
	char *orig = href ? xstrdup(href) : NULL;
	struct loc l = { NULL, 0, 0 };  /* found only for a diagnostic */
	/* A cross-reference's link (crossref.c) is told by its block's
	 * place: searching the source for its href, which is not there,
	 * would read the whole essay once a reference. */
	int xref = has_class(a, "xref"), found;
#define AT() (l.path ? &l : (l = xref ? locate_bytes(e, a, NULL, 0, &found) : \
	locate(e, a, orig), &l))
	struct essay *t = e;
	int rc = 0;

	if (href == NULL)
		return 0;
	if (*href == '\0') {
		xmlUnsetProp(a, BAD_CAST "href");
		goto out;
	}
	if (!xmlHasProp(a, BAD_CAST "aria-label") && !has_img(a)) {
		char *raw = node_text(a), *text = collapse_ws(raw);

		if (*text == '\0') {
			/* Nothing to read (Ace: link-name): its address. */
			rc = diag_warn(d, AT(), "link with no text: shown as "
			    "its address");
			for (xmlNode *k = a->children, *kn; k; k = kn) {
				kn = k->next;
				if (k->type == XML_TEXT_NODE) {
					xmlUnlinkNode(k);
					xmlFreeNode(k);
				}
			}
			xmlAddChild(a, xmlNewDocText(a->doc, BAD_CAST orig));
		}
		free(raw);
		free(text);
	}
	if (strncmp(href, "//", 2) == 0 || has_scheme(href)) {
		static const char *const ok[] = { "http:", "https:", "mailto:",
		    "ftp:", "tel:", "news:", "irc:", "xmpp:", "urn:", "doi:",
		    "//", NULL };
		size_t i;
		for (i = 0; ok[i]; i++)
			if (strncasecmp(href, ok[i], strlen(ok[i])) == 0)
				break;
		if (ok[i] == NULL) {
			rc = diag_warn(d, AT(), "link with unsupported scheme "
			    "removed: %.40s", href);
			unwrap(a);
		} else {
			char *esc = href_escape(href[0] == '/' ? href + 0 :
			    href);
			if (href[0] == '/') {
				char *s = xasprintf("https:%s", esc);
				free(esc);
				esc = s;
			}
			set_attr(a, "href", esc);
			free(esc);
		}
		goto out;
	}
	frag = strchr(href, '#');
	if (frag)
		*frag++ = '\0';
	if (*href) {
		char *q = strchr(href, '?');
		if (q)
			*q = '\0';
		dec = url_decode(href, strlen(href));
		path = dec ? resolve_local(e, dec) : NULL;
		t = path ? find_essay(b, path) : NULL;
		if (t == NULL && dec)
			t = site_target(b, e, dec, href, path);
		if (t == NULL && path && site_is_image(b, path)) {
			/* A picture linked to itself, to be seen larger: the
			 * book shows it as large as it can already. */
			unwrap(a);
			goto out;
		}
		if (t == NULL) {
			rc = diag_warn(d, AT(), "link target is not an essay of "
			    "this book: %s", dec ? dec : href);
			unwrap(a);
			goto out;
		}
	}
	if (frag && *frag) {
		char *id = url_decode(frag, strlen(frag));
		if (t != e && id) {
			/* Other essays may not be rendered yet: link_check()
			 * judges it, and a second rendering drops a missing
			 * section from the href. */
			char *s = xasprintf("%s#%s", t->file, id);
			char *esc = href_escape(s);
			if (e->xbad && idset_has(e->xbad, esc))
				set_attr(a, "href", t->file);
			else {
				set_attr(a, "href", esc);
				later_add(&e->xlinks, &e->nxlinks, id, frag, esc,
				    t, AT());
			}
			free(esc);
			free(s);
			free(id);
			goto out;
		}
		if (id == NULL || !idset_has(&t->w->ids, id)) {
			if (t == e)
				rc = diag_warn(d, AT(), "link to a missing "
				    "section: #%s", frag);
			else
				rc = diag_warn(d, AT(), "link to a missing "
				    "section: %s#%s", t->rel, frag);
			free(id);
			if (t == e) {
				unwrap(a);
				goto out;
			}
			frag = NULL;
		} else {
			char *s = xasprintf("%s#%s", t == e && !*href ? "" :
			    t->file, id);
			char *esc = href_escape(s);
			set_attr(a, "href", esc);
			free(esc);
			free(s);
			free(id);
			goto out;
		}
	}
	set_attr(a, "href", t->file);
out:
	free(dec);
	free(path);
	free(href);
	free(orig);
	return rc;
#undef AT
}

/* Removes the attributes that only served the stages. */
static void
strip_internal(xmlNode *n)
{
	static const char *const names[] = { "data-sourcepos",
	    "data-footnote-ref", "data-footnotes", "data-footnote-backref",
	    NULL };

	for (; n; n = n->next) {
		xmlAttr *a, *next;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		/* One pass over the attributes (most elements have none). */
		for (a = n->properties; a; a = next) {
			next = a->next;
			if (a->ns || a->name[0] != 'd' || a->name[1] != 'a')
				continue;  /* not data- */
			for (size_t i = 0; names[i]; i++)
				if (strcmp((const char *)a->name, names[i]) == 0) {
					xmlRemoveProp(a);
					break;
				}
		}
		if (n->properties && has_class(n, "footnote-ref"))
			xmlUnsetProp(n, BAD_CAST "class");
		strip_internal(n->children);
	}
}

/* The indexes links are resolved through; before any essay renders. */
void
link_prepare(struct book *b)
{
	free(b->byrel);
	b->byrel = xreallocarray(NULL, b->nessays, sizeof(*b->byrel));
	for (size_t i = 0; i < b->nessays; i++)
		b->byrel[i] = &b->essays[i];
	qsort(b->byrel, b->nessays, sizeof(*b->byrel), cmp_essay_rel);
	free(b->byfile);
	b->byfile = xreallocarray(NULL, b->nessays, sizeof(*b->byfile));
	for (size_t i = 0; i < b->nessays; i++)
		b->byfile[i] = &b->essays[i];
	qsort(b->byfile, b->nessays, sizeof(*b->byfile), cmp_essay_file);
	site_index(b);
}

/* One essay, on the thread that rendered it: notes, ids, headings,
 * links and images. */
int
link_essay(struct book *b, struct essay *e, struct quire_diag *d)
{
	xmlNode **todo = NULL;
	size_t nt = 0;
	int rc = 0;

	essay_work(e);
	xref_essay(b, e, d);
	footnotes(e);
	cite_sections(e->w->content);
	/* Links and images collected first: resolving may unwrap or
	 * replace nodes, never free another one on the list. */
	ids_and_headings(e, d, &todo, &nt);
	for (size_t k = 0; k < nt; k++)
		if ((is_el(todo[k], "a") ? link(b, e, todo[k], d) :
		    image(b, e, todo[k], d)) < 0)
			rc = -1;
	free(todo);
	strip_internal(e->w->content);
	idset_free(&e->w->seen);
	if (e->w->locator)
		idset_free(&e->w->locator->guesses);
	return rc;
}

/* Once every essay is rendered, in book order: remote images are told
 * once for the book, and links into other essays' sections are checked.
 * Returns how many essays must be rendered again without some sections
 * in their links. */
size_t
link_check(struct book *b, struct quire_diag *d)
{
	size_t redo = 0, r = 0;
	struct remote_first **first = xreallocarray(NULL,
	    b->nrfirst ? b->nrfirst : 1, sizeof(*first));

	for (size_t k = 0; k < b->nrfirst; k++)
		first[k] = &b->rfirst[k];
	qsort(first, b->nrfirst, sizeof(*first), cmp_rfirst);
	b->nimages = b->nimages_noalt = 0;
	for (size_t i = 0; i < b->nessays; i++) {
		struct essay *e = &b->essays[i];
		int bad = 0;

		b->nimages += e->nimages;
		b->nimages_noalt += e->nimages_noalt;
		for (; r < b->nrfirst && first[r]->essay == i; r++) {
			struct loc l = { e->path, first[r]->line,
			    first[r]->col };
			char shown[96];

			diag_warn(d, &l, "remote image not fetched: %s",
			    clip_url(first[r]->url, shown));
		}
		for (size_t k = 0; k < e->nxlinks; k++) {
			struct later *x = &e->xlinks[k];
			struct loc l = { e->path, x->line, x->col };

			if (essay_has_id(x->target, x->text))
				continue;
			diag_warn(d, &l, "link to a missing section: %s#%s",
			    x->target->rel, x->orig);
			if (e->xbad == NULL)
				e->xbad = xcalloc(1, sizeof(*e->xbad));
			idset_add(e->xbad, x->href);
			bad = 1;
		}
		later_free(e->xlinks, e->nxlinks);
		e->xlinks = NULL;
		e->nxlinks = 0;
		redo += bad;
	}
	free(first);
	return redo;
}
