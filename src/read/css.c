/* The author's stylesheets, re-serialised: a CSS tokenizer (CSS Syntax
 * Level 3, section 4) and a reader of rules and declarations (section 5,
 * as far as telling them apart needs) keep what the filter allows and
 * write it back from its tokens, never from the source text.  Every
 * identifier, string and URL is escaped as it is written, so no "<"
 * ever reaches either output: nothing closes the archive's <style>.
 * Fonts and images a stylesheet names inside the content folder are
 * packed; everything that could fetch from outside the book goes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "read/read.h"

#define NELEM(a) (sizeof(a) / sizeof(*(a)))

enum ct {
	CT_IDENT, CT_FUNC, CT_AT, CT_HASH, CT_STR, CT_BADSTR, CT_URL,
	CT_BADURL, CT_DELIM, CT_NUM, CT_PCT, CT_DIM, CT_WS, CT_CDO, CT_CDC,
	CT_COLON, CT_SEMI, CT_COMMA, CT_LSQ, CT_RSQ, CT_LP, CT_RP, CT_LC,
	CT_RC, CT_COMMENT
};

struct ctok {
	enum ct t;
	char *v;        /* name, string or URL (escapes decoded); a number's
	                   digits as written; a delimiter's character */
	char *unit;     /* a dimension's unit */
	int line, col;
};

struct ctoks {
	struct ctok *t;
	size_t n;
};

/* Where the tokenizer stands, with the line and column for messages. */
struct css_in {
	const char *s, *end;
	const char *lp;     /* start of the current line */
	int line;
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

static int
is_nl(char c)
{
	return c == '\n' || c == '\r' || c == '\f';
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || is_nl(c);
}

static void
advance(struct css_in *in, size_t n)
{
	for (; n > 0 && in->s < in->end; n--, in->s++)
		if (*in->s == '\n' || *in->s == '\f' || (*in->s == '\r' &&
		    !(in->s + 1 < in->end && in->s[1] == '\n'))) {
			in->line++;
			in->lp = in->s + 1;
		}
}

static int
valid_escape_at(const struct css_in *in, const char *p)
{
	return p + 1 < in->end && p[0] == '\\' && !is_nl(p[1]);
}

static void
put_cp(struct buf *b, unsigned long cp)
{
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
}

/* Consumes an escape, the backslash already taken, into b (4.3.7): up
 * to six hex digits and one white space, or the character. */
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
		if (in->s + 1 < in->end && in->s[0] == '\r' && in->s[1] == '\n')
			advance(in, 2);
		else if (in->s < in->end && is_ws(*in->s))
			advance(in, 1);
		put_cp(b, cp);
	} else if (in->s < in->end) {
		if (*in->s == '\0')
			put_cp(b, 0xfffd);
		else
			buf_putc(b, *in->s);
		advance(in, 1);
	} else
		put_cp(b, 0xfffd);
}

/* An ident sequence (4.3.11), decoded into b. */
static void
consume_name(struct css_in *in, struct buf *b)
{
	while (in->s < in->end) {
		if (is_name((unsigned char)*in->s)) {
			buf_putc(b, *in->s);
			advance(in, 1);
		} else if (valid_escape_at(in, in->s)) {
			advance(in, 1);
			consume_escape(in, b);
		} else if (*in->s == '\0') {
			put_cp(b, 0xfffd);
			advance(in, 1);
		} else
			break;
	}
	buf_putc(b, '\0');
	b->len--;
}

/* Whether an ident sequence starts at p (4.3.9). */
static int
starts_ident(const struct css_in *in, const char *p)
{
	if (p >= in->end)
		return 0;
	if (*p == '-') {
		if (p + 1 < in->end && (is_name_start((unsigned char)p[1]) ||
		    p[1] == '-' || p[1] == '\0'))
			return 1;
		return valid_escape_at(in, p + 1);
	}
	if (is_name_start((unsigned char)*p) || *p == '\0')
		return 1;
	return valid_escape_at(in, p);
}

/* Whether a number starts at p (4.3.10). */
static int
starts_number(const struct css_in *in, const char *p)
{
	if (p < in->end && (*p == '+' || *p == '-'))
		p++;
	if (p < in->end && isdigit((unsigned char)*p))
		return 1;
	return p + 1 < in->end && *p == '.' && isdigit((unsigned char)p[1]);
}

/* A string token (4.3.5), the opening quote already taken: 0, or -1 for
 * a bad string (a line break inside). */
static int
consume_string(struct css_in *in, char quote, struct buf *b)
{
	while (in->s < in->end) {
		char c = *in->s;

		if (c == quote) {
			advance(in, 1);
			break;
		}
		if (is_nl(c))
			return -1;
		if (c == '\\') {
			if (in->s + 1 >= in->end)
				advance(in, 1);
			else if (in->s + 2 < in->end && in->s[1] == '\r' &&
			    in->s[2] == '\n')
				advance(in, 3);
			else if (is_nl(in->s[1]))
				advance(in, 2);
			else {
				advance(in, 1);
				consume_escape(in, b);
			}
			continue;
		}
		if (c == '\0')
			put_cp(b, 0xfffd);
		else
			buf_putc(b, c);
		advance(in, 1);
	}
	buf_putc(b, '\0');
	b->len--;
	return 0;
}

/* After "url(" and white space: an unquoted URL (4.3.6) into b, past
 * the closing parenthesis: 0, or -1 for a bad URL (consumed to its
 * parenthesis as well). */
static int
consume_url(struct css_in *in, struct buf *b)
{
	int bad = 0;

	while (in->s < in->end) {
		unsigned char c = (unsigned char)*in->s;

		if (c == ')') {
			advance(in, 1);
			break;
		}
		if (bad) {
			if (valid_escape_at(in, in->s)) {
				struct buf tmp = { 0 };
				advance(in, 1);
				consume_escape(in, &tmp);
				buf_free(&tmp);
			} else
				advance(in, 1);
			continue;
		}
		if (is_ws((char)c)) {
			while (in->s < in->end && is_ws(*in->s))
				advance(in, 1);
			if (in->s < in->end && *in->s != ')')
				bad = 1;
			continue;
		}
		if (c == '"' || c == '\'' || c == '(' || c == 0x7f ||
		    (c < 0x20 && c != '\t' && c != 0) ||
		    (c == '\\' && !valid_escape_at(in, in->s))) {
			bad = 1;
			advance(in, 1);
			continue;
		}
		if (c == '\\') {
			advance(in, 1);
			consume_escape(in, b);
			continue;
		}
		if (c == 0)
			put_cp(b, 0xfffd);
		else
			buf_putc(b, (char)c);
		advance(in, 1);
	}
	buf_putc(b, '\0');
	b->len--;
	return bad ? -1 : 0;
}

static struct ctok *
tok_new(struct ctoks *ts, enum ct t, int line, int col)
{
	struct ctok *k;

	GROW(ts->t, ts->n);
	k = &ts->t[ts->n++];
	memset(k, 0, sizeof(*k));
	k->t = t;
	k->line = line;
	k->col = col;
	return k;
}

/* The digits of a number as written (4.3.12): sign, integer, fraction,
 * exponent; only [-+.0-9eE]. */
static char *
consume_number(struct css_in *in)
{
	const char *s = in->s, *p = in->s;

	if (p < in->end && (*p == '+' || *p == '-'))
		p++;
	while (p < in->end && isdigit((unsigned char)*p))
		p++;
	if (p + 1 < in->end && *p == '.' && isdigit((unsigned char)p[1])) {
		p++;
		while (p < in->end && isdigit((unsigned char)*p))
			p++;
	}
	if (p + 1 < in->end && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		if (q < in->end && (*q == '+' || *q == '-'))
			q++;
		if (q < in->end && isdigit((unsigned char)*q)) {
			p = q;
			while (p < in->end && isdigit((unsigned char)*p))
				p++;
		}
	}
	advance(in, (size_t)(p - s));
	return xstrndup(s, (size_t)(p - s));
}

/* Every token of text, comments included (4.3.1). */
static void
tokenize(const char *text, size_t len, struct ctoks *ts)
{
	struct css_in in = { text, text + len, text, 1 };

	memset(ts, 0, sizeof(*ts));
	while (in.s < in.end) {
		int line = in.line, col = (int)(in.s - in.lp) + 1;
		char c = *in.s;
		struct ctok *k;
		struct buf b = { 0 };

		if (c == '/' && in.s + 1 < in.end && in.s[1] == '*') {
			const char *e = find_bytes(in.s + 2, in.end, "*/", 2);
			advance(&in, e ? (size_t)(e + 2 - in.s) :
			    (size_t)(in.end - in.s));
			tok_new(ts, CT_COMMENT, line, col);
		} else if (is_ws(c)) {
			/* Kept as written (line breaks as "\n"): the
			 * sheet keeps its lines and indentation. */
			k = tok_new(ts, CT_WS, line, col);
			while (in.s < in.end && is_ws(*in.s)) {
				if (is_nl(*in.s)) {
					if (!(*in.s == '\r' && in.s + 1 < in.end &&
					    in.s[1] == '\n'))
						buf_putc(&b, '\n');
				} else
					buf_putc(&b, *in.s);
				advance(&in, 1);
			}
			buf_putc(&b, '\0');
			k->v = buf_take(&b);
		} else if (c == '"' || c == '\'') {
			advance(&in, 1);
			k = tok_new(ts, CT_STR, line, col);
			if (consume_string(&in, c, &b) == -1)
				k->t = CT_BADSTR;
			k->v = buf_take(&b);
		} else if (c == '#' && in.s + 1 < in.end &&
		    (is_name((unsigned char)in.s[1]) || in.s[1] == '\0' ||
		    valid_escape_at(&in, in.s + 1))) {
			advance(&in, 1);
			k = tok_new(ts, CT_HASH, line, col);
			consume_name(&in, &b);
			k->v = buf_take(&b);
		} else if (starts_number(&in, in.s)) {
			char *num = consume_number(&in);
			if (starts_ident(&in, in.s)) {
				k = tok_new(ts, CT_DIM, line, col);
				consume_name(&in, &b);
				k->unit = buf_take(&b);
			} else if (in.s < in.end && *in.s == '%') {
				advance(&in, 1);
				k = tok_new(ts, CT_PCT, line, col);
			} else
				k = tok_new(ts, CT_NUM, line, col);
			k->v = num;
		} else if (c == '<' && in.end - in.s >= 4 &&
		    memcmp(in.s, "<!--", 4) == 0) {
			advance(&in, 4);
			tok_new(ts, CT_CDO, line, col);
		} else if (c == '-' && in.end - in.s >= 3 &&
		    memcmp(in.s, "-->", 3) == 0) {
			advance(&in, 3);
			tok_new(ts, CT_CDC, line, col);
		} else if (starts_ident(&in, in.s)) {
			consume_name(&in, &b);
			if (in.s < in.end && *in.s == '(') {
				advance(&in, 1);
				if (strcasecmp(b.data, "url") == 0) {
					const char *p = in.s;
					while (p < in.end && is_ws(*p))
						p++;
					if (p < in.end && (*p == '"' || *p == '\'')) {
						k = tok_new(ts, CT_FUNC, line, col);
						k->v = buf_take(&b);
					} else {
						buf_free(&b);
						while (in.s < in.end && is_ws(*in.s))
							advance(&in, 1);
						k = tok_new(ts, CT_URL, line, col);
						if (consume_url(&in, &b) == -1)
							k->t = CT_BADURL;
						k->v = buf_take(&b);
					}
				} else {
					k = tok_new(ts, CT_FUNC, line, col);
					k->v = buf_take(&b);
				}
			} else {
				k = tok_new(ts, CT_IDENT, line, col);
				k->v = buf_take(&b);
			}
		} else if (c == '@' && starts_ident(&in, in.s + 1)) {
			advance(&in, 1);
			k = tok_new(ts, CT_AT, line, col);
			consume_name(&in, &b);
			k->v = buf_take(&b);
		} else {
			static const char single[] = ":;,[](){}";
			static const enum ct kind[] = { CT_COLON, CT_SEMI,
			    CT_COMMA, CT_LSQ, CT_RSQ, CT_LP, CT_RP, CT_LC, CT_RC };
			const char *at = c ? strchr(single, c) : NULL;

			advance(&in, 1);
			if (at)
				tok_new(ts, kind[at - single], line, col);
			else {
				/* A delimiter: one byte (any byte of a bad
				 * sequence, a lone backslash, "<"). */
				k = tok_new(ts, CT_DELIM, line, col);
				k->v = xstrndup(&c, 1);
			}
		}
	}
}

static void
ctoks_free(struct ctoks *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->t[i].v);
		free(ts->t[i].unit);
	}
	free(ts->t);
	memset(ts, 0, sizeof(*ts));
}

/* ---- writing tokens back ---- */

/* One UTF-8 sequence at p (of n bytes left): its length when well formed,
 * else 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t k;
	unsigned long cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return k;
}

/* A delimiter never written: "<", a lone "\\", a control character or a
 * byte that is not UTF-8 (an empty comment takes its place). */
static int
delim_dropped(char c)
{
	unsigned char u = (unsigned char)c;

	return c == '<' || c == '\\' || u >= 0x7f || u < 0x20;
}

static void
put_hex_escape(struct buf *b, unsigned char c)
{
	buf_printf(b, "\\%x ", c);
}

/* An identifier (CSSOM's "serialize an identifier"): name characters as
 * they are, a leading digit (or "-" and a digit) escaped by its code,
 * every other ASCII character escaped; bytes that are not UTF-8 become
 * U+FFFD.  start: whether the ident start rules apply (not for a hash). */
static void
put_ident(struct buf *b, const char *s, int start)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	if (start && n == 1 && p[0] == '-') {
		buf_puts(b, "\\-");
		return;
	}
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		int first = start && (i == 0 || (i == 1 && p[0] == '-'));

		if (c >= 0x80) {
			size_t k = utf8_len(p + i, n - i);
			if (k == 0) {
				buf_puts(b, "\xef\xbf\xbd");
				i++;
			} else {
				buf_put(b, p + i, k);
				i += k;
			}
			continue;
		}
		if ((isdigit(c) && first) || !is_name(c))
			put_hex_escape(b, c);
		else
			buf_putc(b, (char)c);
		i++;
	}
}

/* A string, always in double quotes: the quote, the backslash, "<",
 * ">", "&" and every control character escaped by its code. */
static void
put_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];

		if (c >= 0x80) {
			size_t k = utf8_len(p + i, n - i);
			if (k == 0) {
				buf_puts(b, "\xef\xbf\xbd");
				i++;
			} else {
				buf_put(b, p + i, k);
				i += k;
			}
			continue;
		}
		if (c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' ||
		    c < 0x20 || c == 0x7f)
			put_hex_escape(b, c);
		else
			buf_putc(b, (char)c);
		i++;
	}
	buf_putc(b, '"');
}

/* A dimension's unit: an identifier whose "e" would read as an exponent
 * right after the number is escaped too. */
static void
put_unit(struct buf *b, const char *u)
{
	if ((u[0] == 'e' || u[0] == 'E') && (isdigit((unsigned char)u[1]) ||
	    ((u[1] == '-' || u[1] == '+') && isdigit((unsigned char)u[2])))) {
		put_hex_escape(b, (unsigned char)u[0]);
		put_ident(b, u + 1, 0);
	} else
		put_ident(b, u, 1);
}

/* ---- what the filter keeps ---- */

/* Functions an author's stylesheet may use: none of them fetches.  (Not
 * url(), handled apart; not image(), image-set(), cross-fade(),
 * element(), src() or attr(), which name or make resources.)  Sorted. */
static const char *const funcs[] = {
	"abs", "acos", "annotation", "asin", "atan", "atan2", "blur",
	"brightness", "calc", "character-variant", "circle", "clamp", "color",
	"color-mix", "conic-gradient", "content", "contrast", "cos",
	"counter", "counters", "cubic-bezier", "dir", "drop-shadow",
	"ellipse", "env", "exp", "fit-content", "font-format", "font-tech",
	"format", "grayscale", "has", "host", "host-context", "hsl", "hsla",
	"hue-rotate", "hwb", "hypot", "inset", "invert", "is", "lab", "lang",
	"layer", "lch", "leader", "linear", "linear-gradient", "local", "log",
	"matrix", "matrix3d", "max", "min", "minmax", "mod", "not",
	"nth-child", "nth-last-child", "nth-last-of-type", "nth-of-type",
	"oklab", "oklch", "opacity", "ornaments", "part", "path",
	"perspective", "polygon", "pow", "radial-gradient", "rect", "rem",
	"repeat", "repeating-conic-gradient", "repeating-linear-gradient",
	"repeating-radial-gradient", "rgb", "rgba", "rotate", "rotate3d",
	"rotatex", "rotatey", "rotatez", "round", "saturate", "scale",
	"scale3d", "scalex", "scaley", "selector", "sepia", "sign", "sin",
	"skew", "skewx", "skewy", "slotted", "sqrt", "steps", "string",
	"style", "styleset", "stylistic", "supports", "swash", "symbols",
	"tan", "target-counter", "target-counters", "target-text", "tech",
	"translate", "translate3d", "translatex", "translatey", "var",
	"where",
};

/* At-rules kept: what their block holds. */
enum block { B_NONE, B_RULES, B_DECLS };
static const struct at_rule {
	const char *name;
	enum block block;
} at_rules[] = {
	{ "annotation", B_DECLS },
	{ "bottom-center", B_DECLS },
	{ "bottom-left", B_DECLS },
	{ "bottom-left-corner", B_DECLS },
	{ "bottom-right", B_DECLS },
	{ "bottom-right-corner", B_DECLS },
	{ "character-variant", B_DECLS },
	{ "container", B_RULES },
	{ "counter-style", B_DECLS },
	{ "font-face", B_DECLS },
	{ "font-feature-values", B_RULES },
	{ "font-palette-values", B_DECLS },
	{ "keyframes", B_RULES },
	{ "layer", B_RULES },
	{ "left-bottom", B_DECLS },
	{ "left-middle", B_DECLS },
	{ "left-top", B_DECLS },
	{ "media", B_RULES },
	{ "namespace", B_NONE },
	{ "ornaments", B_DECLS },
	{ "page", B_DECLS },
	{ "property", B_DECLS },
	{ "right-bottom", B_DECLS },
	{ "right-middle", B_DECLS },
	{ "right-top", B_DECLS },
	{ "scope", B_RULES },
	{ "starting-style", B_RULES },
	{ "styleset", B_DECLS },
	{ "stylistic", B_DECLS },
	{ "supports", B_RULES },
	{ "swash", B_DECLS },
	{ "top-center", B_DECLS },
	{ "top-left", B_DECLS },
	{ "top-left-corner", B_DECLS },
	{ "top-right", B_DECLS },
	{ "top-right-corner", B_DECLS },
};

static int
cmp_name(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

static int
cmp_at(const void *k, const void *e)
{
	return strcmp(k, ((const struct at_rule *)e)->name);
}

/* The name without a vendor prefix, lower-cased into w. */
static const char *
plain_name(const char *name, char *w, size_t n)
{
	size_t i;

	if (strncasecmp(name, "-webkit-", 8) == 0)
		name += 8;
	else if (strncasecmp(name, "-moz-", 5) == 0)
		name += 5;
	else if (strncasecmp(name, "-ms-", 4) == 0 ||
	    strncasecmp(name, "-o-", 3) == 0)
		name = strchr(name + 1, '-') + 1;
	for (i = 0; i + 1 < n && name[i]; i++)
		w[i] = (char)tolower((unsigned char)name[i]);
	w[i] = '\0';
	return name[i] ? NULL : w;
}

static int
func_ok(const char *name)
{
	char w[32];

	return plain_name(name, w, sizeof(w)) && bsearch(w, funcs,
	    NELEM(funcs), sizeof(*funcs), cmp_name);
}

static const struct at_rule *
at_rule(const char *name)
{
	char w[32];

	if (!plain_name(name, w, sizeof(w)))
		return NULL;
	return bsearch(w, at_rules, NELEM(at_rules), sizeof(*at_rules),
	    cmp_at);
}

/* ---- the reader ---- */

struct css_w {
	const struct ctoks *ts;
	const char *path;
	struct quire_diag *d;
	const struct css_url_fn *fn;
	struct buf *epub, *html;
	int depth;
	int rc;
};

/* The index after the component value at i (5.4.7, 5.4.8), at most b:
 * a block ends at the closer that matches its opener, a closer of
 * another kind inside it is a token of it.  *closed (when not NULL):
 * whether a block there ends before b. */
static size_t
skip_to(const struct ctoks *ts, size_t i, size_t b, int *closed)
{
	struct buf want = { 0 };

	do {
		enum ct t = ts->t[i].t;
		if (t == CT_FUNC || t == CT_LP)
			buf_putc(&want, ')');
		else if (t == CT_LSQ)
			buf_putc(&want, ']');
		else if (t == CT_LC)
			buf_putc(&want, '}');
		else if (want.len > 0 && want.data[want.len - 1] ==
		    (t == CT_RP ? ')' : t == CT_RSQ ? ']' : t == CT_RC ? '}' :
		    0))
			want.len--;
		i++;
	} while (want.len > 0 && i < b);
	if (closed)
		*closed = want.len == 0;
	buf_free(&want);
	return i;
}

static void
warn_at(struct css_w *w, const struct ctok *k, const char *fmt, const char *a)
{
	struct loc l = { w->path, k->line, k->col };
	char clip[96];

	diag_warn(w->d, &l, fmt, clip_url(a, clip));
}

/* Whether the tokens [a, b) may be written: no bad string or URL, no
 * function off the list, no stray "\" (a reason to drop given in why,
 * the token at fault in at). */
static int
tokens_ok(struct css_w *w, size_t a, size_t b, const char **why,
    const struct ctok **at)
{
	for (size_t i = a; i < b; i++) {
		const struct ctok *k = &w->ts->t[i];

		*at = k;
		if (k->t == CT_BADSTR || k->t == CT_BADURL) {
			*why = "a string or url() that does not end";
			return 0;
		}
		if (k->t == CT_FUNC && strcasecmp(k->v, "url") != 0 &&
		    !func_ok(k->v)) {
			*why = k->v;
			return 0;
		}
	}
	return 1;
}

/* The URL of a url() at k, written for each writer. */
static void
put_url(struct css_w *w, const struct ctok *k, const char *url)
{
	struct loc l = { w->path, k->line, k->col };
	char *epub = NULL, *html = NULL;

	if (w->fn->resolve(w->fn->arg, url, &l, &epub, &html) == -1)
		w->rc = -1;
	if (epub == NULL) {
		/* A comment after: "none(" would read as a function. */
		buf_puts(w->epub, "none/**/");
		buf_puts(w->html, "none/**/");
	} else {
		buf_puts(w->epub, "url(");
		put_string(w->epub, epub);
		buf_putc(w->epub, ')');
		buf_puts(w->html, "url(");
		put_string(w->html, html);
		buf_putc(w->html, ')');
	}
	free(epub);
	free(html);
}

static void
put_both(struct css_w *w, const char *s)
{
	buf_puts(w->epub, s);
	buf_puts(w->html, s);
}

/* Writes the tokens [a, b) back, escaped; a url() goes through the
 * resolver.  A comment becomes an empty one (so the tokens on either
 * side stay apart), "<", "<!--" and "-->" are left out; a bracket or
 * function left open at the end of the sheet is closed, as a reader
 * would close it. */
static void
put_tokens(struct css_w *w, size_t a, size_t b)
{
	struct buf open = { 0 };

	for (size_t i = a; i < b; i++) {
		const struct ctok *k = &w->ts->t[i];
		struct buf *e = w->epub, *h = w->html;

		if ((k->t == CT_FUNC && strcasecmp(k->v, "url") != 0) ||
		    k->t == CT_LP)
			buf_putc(&open, ')');
		else if (k->t == CT_LSQ)
			buf_putc(&open, ']');
		else if (k->t == CT_LC)
			buf_putc(&open, '}');
		else if ((k->t == CT_RP || k->t == CT_RSQ || k->t == CT_RC) &&
		    open.len > 0 && open.data[open.len - 1] ==
		    (k->t == CT_RP ? ')' : k->t == CT_RSQ ? ']' : '}'))
			open.len--;
		switch (k->t) {
		case CT_IDENT:
			put_ident(e, k->v, 1);
			put_ident(h, k->v, 1);
			break;
		case CT_FUNC:
			if (strcasecmp(k->v, "url") == 0) {
				/* url("string"): its string is the URL; to
				 * the closing parenthesis. */
				size_t j = i + 1, end = skip_to(w->ts, i, b, NULL);
				const char *u = "";
				while (j < end && w->ts->t[j].t != CT_STR)
					j++;
				if (j < end)
					u = w->ts->t[j].v;
				put_url(w, k, u);
				i = end - 1;
				break;
			}
			put_ident(e, k->v, 1);
			put_ident(h, k->v, 1);
			put_both(w, "(");
			break;
		case CT_AT:
			put_both(w, "@");
			put_ident(e, k->v, 1);
			put_ident(h, k->v, 1);
			break;
		case CT_HASH:
			put_both(w, "#");
			put_ident(e, k->v, 0);
			put_ident(h, k->v, 0);
			break;
		case CT_STR:
			put_string(e, k->v);
			put_string(h, k->v);
			break;
		case CT_URL:
			put_url(w, k, k->v);
			break;
		case CT_NUM:
			put_both(w, k->v);
			break;
		case CT_PCT:
			put_both(w, k->v);
			put_both(w, "%");
			break;
		case CT_DIM:
			put_both(w, k->v);
			put_unit(e, k->unit);
			put_unit(h, k->unit);
			break;
		case CT_WS:
			put_both(w, k->v);
			break;
		case CT_COMMENT:
		case CT_CDO:
		case CT_CDC:
			put_both(w, "/**/");
			break;
		case CT_DELIM:
			if (delim_dropped(k->v[0]))
				put_both(w, "/**/");
			else if (k->v[0] == '>' && e->len >= 2 &&
			    memcmp(e->data + e->len - 2, "--", 2) == 0) {
				/* "--" and ">" would read as "-->". */
				put_both(w, "/**/>");
			} else
				put_both(w, k->v);
			break;
		case CT_COLON: put_both(w, ":"); break;
		case CT_SEMI: put_both(w, ";"); break;
		case CT_COMMA: put_both(w, ","); break;
		case CT_LSQ: put_both(w, "["); break;
		case CT_RSQ: put_both(w, "]"); break;
		case CT_LP: put_both(w, "("); break;
		case CT_RP: put_both(w, ")"); break;
		case CT_LC: put_both(w, "{"); break;
		case CT_RC: put_both(w, "}"); break;
		case CT_BADSTR:
		case CT_BADURL:
			break;  /* never written: tokens_ok refuses them */
		}
	}
	while (open.len > 0) {
		char c[2] = { open.data[--open.len], '\0' };
		put_both(w, c);
	}
	buf_free(&open);
}

static void read_list(struct css_w *w, size_t a, size_t b, enum block kind);

/* Whether [a, b) reads as the prelude of a rule (a selector: strings only
 * inside attribute brackets) or of an at-rule: no at-keyword, ";", url(),
 * bad token, "<!--", "-->" or stray "<" and "\\"; *at: the token at fault. */
static int
prelude_ok(struct css_w *w, size_t a, size_t b, int selector,
    const struct ctok **at)
{
	int sq = 0;

	for (size_t i = a; i < b; i++) {
		const struct ctok *k = &w->ts->t[i];

		*at = k;
		switch (k->t) {
		case CT_AT: case CT_SEMI: case CT_URL: case CT_BADSTR:
		case CT_BADURL: case CT_CDO: case CT_CDC: case CT_LC:
		case CT_RC:
			return 0;
		case CT_LSQ:
			sq++;
			break;
		case CT_RSQ:
			sq -= sq > 0;
			break;
		case CT_STR:
			if (selector && sq == 0)
				return 0;
			break;
		case CT_FUNC:
			if (strcasecmp(k->v, "url") == 0)
				return 0;
			break;
		case CT_DELIM:
			if (delim_dropped(k->v[0]))
				return 0;
			break;
		default:
			break;
		}
	}
	return 1;
}

/* The block at i (a "{" token) up to its "}" (or b, where a block left
 * open ends): its contents read as kind. */
static void
read_block(struct css_w *w, size_t i, size_t b, enum block kind)
{
	int closed;
	size_t end = skip_to(w->ts, i, b, &closed);
	size_t inner = closed ? end - 1 : end;

	put_both(w, "{");
	if (w->depth >= 64) {
		const struct ctok *k = &w->ts->t[i];
		struct loc l = { w->path, k->line, k->col };
		diag_warn(w->d, &l, "blocks nested more than 64 deep: the "
		    "inner ones dropped");
	} else {
		w->depth++;
		read_list(w, i + 1, inner, kind);
		w->depth--;
	}
	put_both(w, "}");
}

/* The end of the item at i in a list of kind: an at-rule or a qualified
 * rule through its block (or, for an at-rule or a declaration, to the
 * ";"); *blk is the index of the block's "{", or 0. */
static size_t
item_end(const struct ctoks *ts, size_t i, size_t b, int semi_ends,
    size_t *blk)
{
	*blk = 0;
	while (i < b) {
		enum ct t = ts->t[i].t;

		if (t == CT_SEMI && semi_ends)
			return i + 1;
		if (t == CT_LC) {
			*blk = i;
			return skip_to(ts, i, b, NULL);
		}
		i = skip_to(ts, i, b, NULL);
	}
	return b;
}

static void
read_at(struct css_w *w, size_t i, size_t end, size_t blk, enum block in)
{
	const struct ctok *k = &w->ts->t[i];
	const struct at_rule *r = at_rule(k->v);
	const char *why;
	const struct ctok *at;
	size_t pend = blk ? blk : end;

	if (strcasecmp(k->v, "charset") == 0)
		return;
	if (strcasecmp(k->v, "import") == 0) {
		/* Its URL, for the message. */
		const char *u = "";
		for (size_t j = i + 1; j < pend; j++)
			if (w->ts->t[j].t == CT_STR || w->ts->t[j].t == CT_URL) {
				u = w->ts->t[j].v;
				break;
			} else if (w->ts->t[j].t == CT_FUNC &&
			    strcasecmp(w->ts->t[j].v, "url") == 0) {
				for (size_t q = j + 1; q < pend; q++)
					if (w->ts->t[q].t == CT_STR) {
						u = w->ts->t[q].v;
						break;
					}
				break;
			}
		if (url_is_remote(u))
			warn_at(w, k, "@import of %s: a stylesheet may not "
			    "fetch anything; dropped", u);
		else
			warn_at(w, k, "@import of %s is not followed; list "
			    "the file under 'stylesheet' in collection.yaml; "
			    "dropped", *u ? u : "(no URL)");
		return;
	}
	if (r == NULL || (r->block == B_NONE) != (blk == 0)) {
		warn_at(w, k, "@%s: an at-rule quire does not keep; dropped",
		    k->v);
		return;
	}
	if (strcasecmp(k->v, "namespace") == 0) {
		/* Its URL names a namespace, it fetches nothing: kept as a
		 * string. */
		for (size_t j = i + 1; j < pend; j++)
			if (w->ts->t[j].t != CT_WS && w->ts->t[j].t != CT_IDENT &&
			    w->ts->t[j].t != CT_STR && w->ts->t[j].t != CT_URL &&
			    w->ts->t[j].t != CT_COMMENT &&
			    !(w->ts->t[j].t == CT_SEMI && j + 1 == pend)) {
				warn_at(w, k, "@%s: malformed; dropped", k->v);
				return;
			}
		if (pend > i + 1 && w->ts->t[pend - 1].t == CT_SEMI)
			pend--;
		put_both(w, "@namespace");
		for (size_t j = i + 1; j < pend; j++) {
			const struct ctok *t = &w->ts->t[j];
			if (t->t == CT_URL) {
				put_string(w->epub, t->v);
				put_string(w->html, t->v);
			} else
				put_tokens(w, j, j + 1);
		}
		put_both(w, ";");
		return;
	}
	if (!prelude_ok(w, i + 1, pend, 0, &at)) {
		warn_at(w, at, "@%s: a rule quire cannot read; dropped", k->v);
		return;
	}
	if (!tokens_ok(w, i + 1, pend, &why, &at)) {
		warn_at(w, at, "%s(): not allowed in a stylesheet; the rule is "
		    "dropped", why);
		return;
	}
	put_tokens(w, i, pend);
	/* A conditional rule nested in a style rule holds declarations. */
	read_block(w, blk, end, r->block == B_RULES && in == B_DECLS &&
	    strcasecmp(r->name, "keyframes") != 0 &&
	    strcasecmp(r->name, "font-feature-values") != 0 ? B_DECLS :
	    r->block);
}

static void
read_qualified(struct css_w *w, size_t i, size_t blk, size_t end,
    enum block inner)
{
	const char *why;
	const struct ctok *at;

	{
		/* No selector at all: nothing to keep. */
		size_t j = i;
		while (j < blk && (w->ts->t[j].t == CT_WS ||
		    w->ts->t[j].t == CT_COMMENT))
			j++;
		if (j == blk)
			return;
	}
	if (!prelude_ok(w, i, blk, 1, &at)) {
		struct loc l = { w->path, at->line, at->col };
		diag_warn(w->d, &l, "a selector quire cannot read; the rule "
		    "is dropped");
		return;
	}
	if (!tokens_ok(w, i, blk, &why, &at)) {
		warn_at(w, at, "%s(): not allowed in a selector; the rule is "
		    "dropped", why);
		return;
	}
	put_tokens(w, i, blk);
	read_block(w, blk, end, inner);
}

static void
read_decl(struct css_w *w, size_t i, size_t end)
{
	const char *why;
	const struct ctok *at;

	if (!tokens_ok(w, i, end, &why, &at)) {
		if (strcmp(why, "a string or url() that does not end") == 0)
			warn_at(w, at, "%s; the declaration is dropped", why);
		else
			warn_at(w, at, "%s(): a function quire does not keep "
			    "(it may fetch or is unknown); the declaration is "
			    "dropped", why);
		return;
	}
	/* Without the ";" and the white space before it: written as ";"
	 * (a comment stays: a dropped token may have left one). */
	if (end > i && w->ts->t[end - 1].t == CT_SEMI)
		end--;
	while (end > i && w->ts->t[end - 1].t == CT_WS)
		end--;
	put_tokens(w, i, end);
	put_both(w, ";");
}

/* The items of [a, b): rules (kind B_RULES) or declarations with rules
 * nested among them (B_DECLS). */
static void
read_list(struct css_w *w, size_t a, size_t b, enum block kind)
{
	size_t i = a;

	while (i < b) {
		const struct ctok *k = &w->ts->t[i];
		size_t end, blk;

		if (k->t == CT_WS || k->t == CT_COMMENT || k->t == CT_SEMI ||
		    k->t == CT_CDO || k->t == CT_CDC) {
			if (k->t == CT_WS)
				put_both(w, k->v);
			i++;
			continue;
		}
		if (k->t == CT_AT) {
			end = item_end(w->ts, i, b, 1, &blk);
			read_at(w, i, end, blk, kind);
		} else if (kind == B_RULES) {
			end = item_end(w->ts, i, b, 0, &blk);
			if (blk)
				read_qualified(w, i, blk, end, B_DECLS);
			/* else a prelude with no block: nothing */
		} else {
			end = item_end(w->ts, i, b, 1, &blk);
			if (blk)
				read_qualified(w, i, blk, end, B_DECLS);
			else {
				size_t j = i + 1;
				while (j < end && (w->ts->t[j].t == CT_WS ||
				    w->ts->t[j].t == CT_COMMENT))
					j++;
				if (k->t == CT_IDENT && j < end &&
				    w->ts->t[j].t == CT_COLON)
					read_decl(w, i, end);
			}
		}
		i = end;
	}
}

int
css_rewrite(const char *text, size_t len, const char *path,
    const struct css_url_fn *fn, struct quire_diag *d, char **epub,
    char **html)
{
	struct ctoks ts;
	struct buf e = { 0 }, h = { 0 };
	struct css_w w = { &ts, path, d, fn, &e, &h, 0, 0 };

	tokenize(text, len, &ts);
	read_list(&w, 0, ts.n, B_RULES);
	buf_putc(&e, '\0');
	buf_putc(&h, '\0');
	*epub = buf_take(&e);
	*html = buf_take(&h);
	ctoks_free(&ts);
	return w.rc;
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

/* What css_prepare's resolver needs. */
struct prep {
	struct book *b;
	struct style *st;
	struct quire_diag *d;
};

/* A fragment that names an element of the document (an SVG filter or
 * marker): letters, digits and "-_.:" only. */
static int
fragment_ok(const char *u)
{
	if (*u++ != '#' || *u == '\0')
		return 0;
	for (; *u; u++)
		if (!isalnum((unsigned char)*u) && !strchr("-_.:", *u))
			return 0;
	return 1;
}

/* The url() at l, for each writer: a font or image inside the content
 * folder packed, a fragment or data: URI kept, anything else NULL ("none")
 * after a warning; -1 after an error. */
static int
resolve(void *arg, const char *u, const struct loc *l, char **epub,
    char **html)
{
	struct prep *p = arg;
	struct resource *res = NULL;
	char *rel, *frag = NULL, clip[96];
	int rc = 0;

	*epub = *html = NULL;
	if (*u == '\0')
		return 0;
	if (fragment_ok(u) || strncasecmp(u, "data:", 5) == 0) {
		/* Nothing fetched: kept. */
		*epub = xstrdup(u);
		*html = xstrdup(u);
		return 0;
	}
	if (*u == '#') {
		diag_warn(p->d, l, "url(%s): not a plain name of the "
		    "document; dropped", clip_url(u, clip));
		return 0;
	}
	if (url_is_remote(u)) {
		diag_warn(p->d, l, "remote resource %s: a stylesheet may not "
		    "fetch anything; dropped", clip_url(u, clip));
		return 0;
	}
	if ((rel = ref_path(p->st, u, &frag)) == NULL || *rel == '\0')
		rc = diag_error(p->d, l, "%s is outside the content folder",
		    clip_url(u, clip));
	else if (is_font_name(rel)) {
		pthread_mutex_lock(&p->b->lock);
		res = font_add(p->b, rel, l, p->d);
		pthread_mutex_unlock(&p->b->lock);
	} else
		res = resource_add(p->b, rel, l, p->d);
	if (res) {
		*epub = xasprintf("%s%s", res->name,
		    frag && fragment_ok(frag) ? frag : "");
		*html = xstrdup(resource_uri(p->b, res->name));
	}
	free(rel);
	free(frag);
	return rc;
}

/* Re-serialises the author's stylesheet st for each writer (st->epub,
 * st->html): fonts and images inside the content folder packed, every
 * other reference and everything the filter does not keep dropped with
 * a warning at its line and column. */
int
css_prepare(struct book *b, struct style *st, struct quire_diag *d)
{
	struct prep p = { b, st, d };
	struct css_url_fn fn = { resolve, &p };

	return css_rewrite(st->text, st->len, st->path, &fn, d, &st->epub,
	    &st->html);
}
