/* The author's stylesheets: a CSS tokenizer (CSS Syntax Level 3, as far
 * as finding url() and @import needs) that packs the fonts and images a
 * stylesheet names and rewrites it for each writer, dropping everything
 * that would fetch from outside the book. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "read/read.h"

/* Where the tokenizer stands, with the line and column for messages. */
struct css_in {
	const char *s, *end;
	const char *lp;     /* start of the current line */
	int line;
};

/* A url() or @import found, as the span [from, to) of the source. */
struct css_ref {
	const char *from, *to;
	char *url;          /* its value, escapes decoded */
	int import;
	int line, col;
};

static int
is_name_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int
is_name(unsigned char c)
{
	return is_name_start(c) || isdigit(c) || c == '-';
}

static void
advance(struct css_in *in, size_t n)
{
	for (; n > 0 && in->s < in->end; n--, in->s++)
		if (*in->s == '\n') {
			in->line++;
			in->lp = in->s + 1;
		}
}

static int
valid_escape(const struct css_in *in, const char *p)
{
	return p + 1 < in->end && p[0] == '\\' && p[1] != '\n';
}

/* Consumes an escape (the backslash already taken) into b (CSS Syntax
 * 4.3.7): up to six hex digits and one white space, or the character. */
static void
consume_escape(struct css_in *in, struct buf *b)
{
	unsigned long cp = 0;
	int n = 0;

	while (n < 6 && in->s < in->end && isxdigit((unsigned char)*in->s)) {
		char h = *in->s;
		cp = cp * 16 + (unsigned long)(isdigit((unsigned char)h) ?
		    h - '0' : (tolower((unsigned char)h) - 'a' + 10));
		advance(in, 1);
		n++;
	}
	if (n > 0) {
		if (in->s < in->end && isspace((unsigned char)*in->s))
			advance(in, 1);
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		if (cp < 0x80)
			buf_putc(b, (char)cp);
		else if (cp < 0x800) {
			buf_putc(b, (char)(0xc0 | (cp >> 6)));
			buf_putc(b, (char)(0x80 | (cp & 0x3f)));
		} else if (cp < 0x10000) {
			buf_putc(b, (char)(0xe0 | (cp >> 12)));
			buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
			buf_putc(b, (char)(0x80 | (cp & 0x3f)));
		} else {
			buf_putc(b, (char)(0xf0 | (cp >> 18)));
			buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
			buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
			buf_putc(b, (char)(0x80 | (cp & 0x3f)));
		}
	} else if (in->s < in->end) {
		buf_putc(b, *in->s);
		advance(in, 1);
	}
}

/* An ident sequence (4.3.11), decoded into b. */
static void
consume_name(struct css_in *in, struct buf *b)
{
	while (in->s < in->end) {
		if (is_name((unsigned char)*in->s)) {
			buf_putc(b, *in->s);
			advance(in, 1);
		} else if (valid_escape(in, in->s)) {
			advance(in, 1);
			consume_escape(in, b);
		} else
			break;
	}
}

/* Whether an ident sequence starts at p (4.3.9). */
static int
starts_ident(const struct css_in *in, const char *p)
{
	if (p >= in->end)
		return 0;
	if (*p == '-') {
		if (p + 1 < in->end && (is_name_start((unsigned char)p[1]) ||
		    p[1] == '-'))
			return 1;
		return valid_escape(in, p + 1);
	}
	if (is_name_start((unsigned char)*p))
		return 1;
	return valid_escape(in, p);
}

/* A string token (4.3.5), the opening quote already taken. */
static void
consume_string(struct css_in *in, char quote, struct buf *b)
{
	while (in->s < in->end) {
		char c = *in->s;

		if (c == quote) {
			advance(in, 1);
			return;
		}
		if (c == '\n')
			return;     /* a bad string: ends at the line */
		if (c == '\\') {
			if (in->s + 1 < in->end && in->s[1] == '\n')
				advance(in, 2);
			else {
				advance(in, 1);
				consume_escape(in, b);
			}
			continue;
		}
		buf_putc(b, c);
		advance(in, 1);
	}
}

static void
skip_space(struct css_in *in)
{
	while (in->s < in->end && isspace((unsigned char)*in->s))
		advance(in, 1);
}

static void
skip_comment(struct css_in *in)
{
	const char *e = find_bytes(in->s + 2, in->end, "*/", 2);

	advance(in, e ? (size_t)(e + 2 - in->s) : (size_t)(in->end - in->s));
}

/* After "url(" and white space: an unquoted URL (4.3.6) into b, up to
 * and past the closing parenthesis; a bad URL is consumed to it too. */
static void
consume_url(struct css_in *in, struct buf *b)
{
	while (in->s < in->end) {
		char c = *in->s;

		if (c == ')') {
			advance(in, 1);
			return;
		}
		if (isspace((unsigned char)c)) {
			skip_space(in);
			continue;
		}
		if (c == '\\' && valid_escape(in, in->s)) {
			advance(in, 1);
			consume_escape(in, b);
			continue;
		}
		buf_putc(b, c);
		advance(in, 1);
	}
}

/* Past the rest of a block or rule: to the ';' that ends it, outside
 * strings, comments and brackets (or to the end of the text). */
static void
skip_rule(struct css_in *in)
{
	int depth = 0;

	while (in->s < in->end) {
		char c = *in->s;

		if (c == '/' && in->s + 1 < in->end && in->s[1] == '*') {
			skip_comment(in);
			continue;
		}
		advance(in, 1);
		if (c == '"' || c == '\'') {
			struct buf tmp = { 0 };
			consume_string(in, c, &tmp);
			buf_free(&tmp);
		} else if (c == '\\' && in->s < in->end)
			advance(in, 1);
		else if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth > 0)
			depth--;
		else if (c == ';' && depth == 0)
			return;
		else if (c == '}' && depth == 0)
			return;
	}
}

/* After "url(": its argument into b, a string or an unquoted URL, up to
 * and past the closing parenthesis. */
static void
url_argument(struct css_in *in, struct buf *b)
{
	skip_space(in);
	if (in->s < in->end && (*in->s == '"' || *in->s == '\'')) {
		/* url("x"): a function with a string. */
		char q = *in->s;
		advance(in, 1);
		consume_string(in, q, b);
		/* url("x" modifiers): to the parenthesis. */
		while (in->s < in->end && *in->s != ')')
			advance(in, 1);
		if (in->s < in->end)
			advance(in, 1);
	} else
		consume_url(in, b);
}

/* Every url() and @import of the text, in order. */
static size_t
css_refs(const char *text, size_t len, struct css_ref **out)
{
	struct css_in in = { text, text + len, text, 1 };
	struct css_ref *refs = NULL;
	size_t n = 0;

	while (in.s < in.end) {
		const char *start = in.s;
		int line = in.line, col = (int)(in.s - in.lp) + 1;
		char c = *in.s;

		if (c == '/' && in.s + 1 < in.end && in.s[1] == '*') {
			skip_comment(&in);
		} else if (c == '"' || c == '\'') {
			struct buf tmp = { 0 };
			advance(&in, 1);
			consume_string(&in, c, &tmp);
			buf_free(&tmp);
		} else if (c == '@' && starts_ident(&in, in.s + 1)) {
			struct buf name = { 0 };
			advance(&in, 1);
			consume_name(&in, &name);
			if (name.data && strcasecmp(name.data, "import") == 0) {
				const char *p;
				struct buf url = { 0 };

				skip_space(&in);
				p = in.s;
				if (p < in.end && (*p == '"' || *p == '\'')) {
					advance(&in, 1);
					consume_string(&in, *p, &url);
				} else if (starts_ident(&in, p)) {
					struct buf fn = { 0 };
					consume_name(&in, &fn);
					if (fn.data && in.s < in.end &&
					    *in.s == '(' &&
					    strcasecmp(fn.data, "url") == 0) {
						advance(&in, 1);
						url_argument(&in, &url);
					}
					buf_free(&fn);
				}
				skip_rule(&in);
				GROW(refs, n);
				refs[n].from = start;
				refs[n].to = in.s;
				refs[n].url = url.data ? buf_take(&url) :
				    xstrdup("");
				refs[n].import = 1;
				refs[n].line = line;
				refs[n].col = col;
				n++;
			}
			buf_free(&name);
		} else if (starts_ident(&in, in.s)) {
			struct buf name = { 0 };
			consume_name(&in, &name);
			if (in.s < in.end && *in.s == '(' && name.data &&
			    strcasecmp(name.data, "url") == 0) {
				struct buf url = { 0 };

				advance(&in, 1);
				url_argument(&in, &url);
				GROW(refs, n);
				refs[n].from = start;
				refs[n].to = in.s;
				refs[n].url = url.data ? buf_take(&url) :
				    xstrdup("");
				refs[n].import = 0;
				refs[n].line = line;
				refs[n].col = col;
				n++;
			}
			buf_free(&name);
		} else if (c == '\\' && valid_escape(&in, in.s)) {
			advance(&in, 2);
		} else
			advance(&in, 1);
	}
	*out = refs;
	return n;
}

static const char *
font_mime(const unsigned char *p, size_t n)
{
	if (n < 12)
		return NULL;
	if (memcmp(p, "\0\1\0\0", 4) == 0 || memcmp(p, "true", 4) == 0)
		return "font/ttf";
	if (memcmp(p, "OTTO", 4) == 0)
		return "font/otf";
	if (memcmp(p, "wOFF", 4) == 0)
		return "font/woff";
	if (memcmp(p, "wOF2", 4) == 0)
		return "font/woff2";
	return NULL;
}

static int
is_font_name(const char *p)
{
	return path_has_ext(p, ".ttf") || path_has_ext(p, ".otf") ||
	    path_has_ext(p, ".woff") || path_has_ext(p, ".woff2");
}

/* The font at rel, packed once (by its bytes, as images are); NULL
 * after a warning. */
static struct resource *
font_add(struct book *b, const char *rel, const struct loc *l,
    struct quire_diag *d)
{
	struct resource *r;
	const char *mime;
	char *data, *ext;
	size_t len;
	int rc;

	for (size_t i = 0; i < b->nres; i++)
		if (strcmp(b->res[i]->src, rel) == 0)
			return b->res[i]->same ? b->res[i]->same : b->res[i];
	rc = read_inside(b, rel, l, d, &data, &len, NULL);
	if (rc == Q_ABSENT) {
		diag_warn(d, l, "font not found: %s", rel);
		return NULL;
	}
	if (rc < 0)
		return NULL;
	if ((mime = font_mime((unsigned char *)data, len)) == NULL) {
		diag_warn(d, l, "%s: not a TrueType, OpenType, WOFF or WOFF2 "
		    "font; left out", rel);
		free(data);
		return NULL;
	}
	ext = xasprintf(".%s", strchr(mime, '/') + 1);
	r = resource_pack(b, rel, data, len, mime, "fonts", ext, "font");
	free(ext);
	return r;
}

/* The content-relative path a stylesheet's local URL names, with its
 * fragment kept apart; NULL (after an error) when it leaves the folder. */
static char *
ref_path(const struct style *st, const char *url, char **frag)
{
	size_t n = strcspn(url, "?#");
	char *dec = url_decode(url, n), *rel;

	*frag = url[n] == '#' ? xstrdup(url + n) : NULL;
	if (dec == NULL)
		return NULL;
	rel = dec[0] == '/' ? path_resolve("", dec + 1) :
	    path_resolve(st->rel, dec);
	free(dec);
	return rel;
}

/* Escapes what would end a <style> element early in the archive: the
 * characters "</" do nothing in CSS but can close the element in HTML,
 * and "<\/" means the same to CSS inside a string or a comment. */
static void
put_html_safe(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<' && i + 1 < n && s[i + 1] == '/') {
			buf_puts(b, "<\\/");
			i++;
			continue;
		}
		if (s[i] == '<' && i + 3 < n && strncmp(s + i, "<!--", 4) == 0) {
			buf_puts(b, "<\\!--");
			i += 3;
			continue;
		}
		buf_putc(b, s[i]);
	}
}

/* Resolves the url()s of the author's stylesheet st: fonts and images
 * inside the content folder are packed, every other reference dropped
 * with a warning; st->epub and st->html are the text for each writer. */
int
css_prepare(struct book *b, struct style *st, struct quire_diag *d)
{
	struct css_ref *refs;
	size_t n = css_refs(st->text, st->len, &refs);
	struct buf epub = { 0 }, html = { 0 };
	const char *at = st->text;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct css_ref *r = &refs[i];
		struct loc l = { st->path, r->line, r->col };
		struct resource *res = NULL;
		char *rel = NULL, *frag = NULL;
		const char *u = r->url;

		buf_put(&epub, at, (size_t)(r->from - at));
		put_html_safe(&html, at, (size_t)(r->from - at));
		at = r->to;
		if (r->import) {
			if (url_is_remote(u))
				diag_warn(d, &l, "@import of %s: a stylesheet "
				    "may not fetch anything; dropped", u);
			else
				diag_warn(d, &l, "@import of %s is not "
				    "followed; list the file under "
				    "'stylesheet' in collection.yaml; dropped",
				    *u ? u : "(no URL)");
			continue;
		}
		if (*u == '\0' || *u == '#' || strncasecmp(u, "data:", 5) == 0) {
			/* Nothing fetched: kept (a fragment names an SVG
			 * filter or marker of the document). */
			buf_put(&epub, r->from, (size_t)(r->to - r->from));
			put_html_safe(&html, r->from, (size_t)(r->to - r->from));
			continue;
		}
		if (url_is_remote(u)) {
			diag_warn(d, &l, "remote resource %s: a stylesheet may "
			    "not fetch anything; dropped", u);
			buf_puts(&epub, "none");
			buf_puts(&html, "none");
			continue;
		}
		if ((rel = ref_path(st, u, &frag)) == NULL || *rel == '\0') {
			rc = diag_error(d, &l, "%s is outside the content "
			    "folder", u);
		} else if (is_font_name(rel)) {
			pthread_mutex_lock(&b->lock);
			res = font_add(b, rel, &l, d);
			pthread_mutex_unlock(&b->lock);
		} else
			res = resource_add(b, rel, &l, d);
		if (res == NULL) {
			buf_puts(&epub, "none");
			buf_puts(&html, "none");
		} else {
			const char *uri = resource_uri(b, res->name);

			buf_printf(&epub, "url(\"%s%s\")", res->name,
			    frag ? frag : "");
			buf_printf(&html, "url(\"%s\")", uri);
		}
		free(rel);
		free(frag);
	}
	buf_put(&epub, at, (size_t)(st->text + st->len - at));
	put_html_safe(&html, at, (size_t)(st->text + st->len - at));
	buf_putc(&epub, '\0');
	buf_putc(&html, '\0');
	st->epub = buf_take(&epub);
	st->html = buf_take(&html);
	for (size_t i = 0; i < n; i++)
		free(refs[i].url);
	free(refs);
	return rc;
}
