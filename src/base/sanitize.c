/* Sanitiser: the one allow-list of elements and attributes for markup that
 * comes from the content (inline HTML, inline SVG and MathML, SVG image
 * files), and the one judge of the URLs and the CSS found in it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/base.h"

/* ---- the tables ---- */

/* HTML, sorted by name for bsearch.  Not listed: unwrapped (children
 * kept).  The attributes are those allowed beyond the global ones. */
static const struct rule html_rules[] = {
	{ "a", R_KEEP, NULL, " href name " },
	{ "abbr", R_KEEP, NULL, "" },
	{ "acronym", R_RENAME, "abbr", "" },
	{ "address", R_KEEP, NULL, "" },
	{ "applet", R_DROP, NULL, "" },
	{ "area", R_DROP, NULL, "" },
	{ "article", R_KEEP, NULL, "" },
	{ "aside", R_KEEP, NULL, "" },
	{ "audio", R_UNWRAP, NULL, "" },
	{ "b", R_KEEP, NULL, "" },
	{ "base", R_DROP, NULL, "" },
	{ "bdi", R_KEEP, NULL, "" },
	{ "bdo", R_KEEP, NULL, "" },
	{ "big", R_RENAME, "span", "" },
	{ "blink", R_RENAME, "span", "" },
	{ "blockquote", R_KEEP, NULL, "" },
	{ "br", R_KEEP, NULL, "" },
	{ "button", R_DROP, NULL, "" },
	{ "canvas", R_DROP, NULL, "" },
	{ "caption", R_KEEP, NULL, "" },
	{ "center", R_RENAME, "div", "" },
	{ "cite", R_KEEP, NULL, "" },
	{ "code", R_KEEP, NULL, "" },
	{ "col", R_KEEP, NULL, " span " },
	{ "colgroup", R_KEEP, NULL, " span " },
	{ "data", R_RENAME, "span", "" },
	{ "datalist", R_DROP, NULL, "" },
	{ "dd", R_KEEP, NULL, "" },
	{ "del", R_KEEP, NULL, "" },
	{ "details", R_KEEP, NULL, " open " },
	{ "dfn", R_KEEP, NULL, "" },
	{ "dialog", R_RENAME, "div", "" },
	{ "dir", R_RENAME, "ul", "" },
	{ "div", R_KEEP, NULL, "" },
	{ "dl", R_KEEP, NULL, "" },
	{ "dt", R_KEEP, NULL, "" },
	{ "em", R_KEEP, NULL, "" },
	{ "embed", R_DROP, NULL, "" },
	{ "figcaption", R_KEEP, NULL, "" },
	{ "figure", R_KEEP, NULL, "" },
	{ "font", R_RENAME, "span", "" },
	{ "footer", R_KEEP, NULL, "" },
	{ "frame", R_DROP, NULL, "" },
	{ "frameset", R_DROP, NULL, "" },
	{ "h1", R_KEEP, NULL, "" },
	{ "h2", R_KEEP, NULL, "" },
	{ "h3", R_KEEP, NULL, "" },
	{ "h4", R_KEEP, NULL, "" },
	{ "h5", R_KEEP, NULL, "" },
	{ "h6", R_KEEP, NULL, "" },
	{ "head", R_DROP, NULL, "" },
	{ "header", R_KEEP, NULL, "" },
	{ "hgroup", R_RENAME, "div", "" },
	{ "hr", R_KEEP, NULL, "" },
	{ "i", R_KEEP, NULL, "" },
	{ "iframe", R_DROP, NULL, "" },
	{ "img", R_KEEP, NULL, " src alt width height " },
	{ "ins", R_KEEP, NULL, "" },
	{ "isindex", R_DROP, NULL, "" },
	{ "kbd", R_KEEP, NULL, "" },
	{ "legend", R_RENAME, "div", "" },
	{ "li", R_KEEP, NULL, " value " },
	{ "link", R_DROP, NULL, "" },
	{ "listing", R_RENAME, "pre", "" },
	{ "main", R_RENAME, "div", "" },
	{ "map", R_DROP, NULL, "" },
	{ "mark", R_KEEP, NULL, "" },
	{ "marquee", R_RENAME, "div", "" },
	{ "menu", R_RENAME, "ul", "" },
	{ "meta", R_DROP, NULL, "" },
	{ "meter", R_DROP, NULL, "" },
	{ "nav", R_KEEP, NULL, "" },
	{ "nobr", R_RENAME, "span", "" },
	{ "noembed", R_DROP, NULL, "" },
	{ "noframes", R_DROP, NULL, "" },
	{ "noscript", R_DROP, NULL, "" },
	{ "object", R_DROP, NULL, "" },
	{ "ol", R_KEEP, NULL, " start reversed type " },
	{ "optgroup", R_DROP, NULL, "" },
	{ "option", R_DROP, NULL, "" },
	{ "output", R_DROP, NULL, "" },
	{ "p", R_KEEP, NULL, "" },
	{ "param", R_DROP, NULL, "" },
	{ "plaintext", R_RENAME, "pre", "" },
	{ "pre", R_KEEP, NULL, "" },
	{ "progress", R_DROP, NULL, "" },
	{ "q", R_KEEP, NULL, "" },
	{ "rp", R_KEEP, NULL, "" },
	{ "rt", R_KEEP, NULL, "" },
	{ "ruby", R_KEEP, NULL, "" },
	{ "s", R_KEEP, NULL, "" },
	{ "samp", R_KEEP, NULL, "" },
	{ "script", R_DROP, NULL, "" },
	{ "section", R_KEEP, NULL, "" },
	{ "select", R_DROP, NULL, "" },
	{ "small", R_KEEP, NULL, "" },
	{ "source", R_DROP, NULL, "" },
	{ "span", R_KEEP, NULL, "" },
	{ "strike", R_RENAME, "s", "" },
	{ "strong", R_KEEP, NULL, "" },
	{ "style", R_DROP, NULL, "" },
	{ "sub", R_KEEP, NULL, "" },
	{ "summary", R_KEEP, NULL, "" },
	{ "sup", R_KEEP, NULL, "" },
	{ "table", R_KEEP, NULL, "" },
	{ "tbody", R_KEEP, NULL, "" },
	{ "td", R_KEEP, NULL, " colspan rowspan style " },
	{ "template", R_DROP, NULL, "" },
	{ "textarea", R_DROP, NULL, "" },
	{ "tfoot", R_KEEP, NULL, "" },
	{ "th", R_KEEP, NULL, " colspan rowspan scope style " },
	{ "thead", R_KEEP, NULL, "" },
	{ "time", R_RENAME, "span", "" },
	{ "title", R_DROP, NULL, "" },
	{ "tr", R_KEEP, NULL, "" },
	{ "track", R_DROP, NULL, "" },
	{ "tt", R_RENAME, "code", "" },
	{ "u", R_KEEP, NULL, "" },
	{ "ul", R_KEEP, NULL, "" },
	{ "var", R_KEEP, NULL, "" },
	{ "video", R_UNWRAP, NULL, "" },
	{ "wbr", R_KEEP, NULL, "" },
	{ "xmp", R_RENAME, "pre", "" },
};

/* SVG: static graphics of SVG 1.1 and 2, no animation, no scripts, no
 * foreign objects.  Not listed: dropped with what it holds.  An attribute
 * list names what the element takes beyond svg_attrs[]. */
static const struct rule svg_rules[] = {
	{ "a", R_UNWRAP, NULL, "" },
	{ "circle", R_KEEP, NULL, "" },
	{ "clipPath", R_KEEP, NULL, "" },
	{ "defs", R_KEEP, NULL, "" },
	{ "desc", R_KEEP, NULL, "" },
	{ "ellipse", R_KEEP, NULL, "" },
	{ "feBlend", R_KEEP, NULL, "" },
	{ "feColorMatrix", R_KEEP, NULL, "" },
	{ "feComponentTransfer", R_KEEP, NULL, "" },
	{ "feComposite", R_KEEP, NULL, "" },
	{ "feConvolveMatrix", R_KEEP, NULL, "" },
	{ "feDiffuseLighting", R_KEEP, NULL, "" },
	{ "feDisplacementMap", R_KEEP, NULL, "" },
	{ "feDistantLight", R_KEEP, NULL, "" },
	{ "feDropShadow", R_KEEP, NULL, "" },
	{ "feFlood", R_KEEP, NULL, "" },
	{ "feFuncA", R_KEEP, NULL, "" },
	{ "feFuncB", R_KEEP, NULL, "" },
	{ "feFuncG", R_KEEP, NULL, "" },
	{ "feFuncR", R_KEEP, NULL, "" },
	{ "feGaussianBlur", R_KEEP, NULL, "" },
	{ "feMerge", R_KEEP, NULL, "" },
	{ "feMergeNode", R_KEEP, NULL, "" },
	{ "feMorphology", R_KEEP, NULL, "" },
	{ "feOffset", R_KEEP, NULL, "" },
	{ "fePointLight", R_KEEP, NULL, "" },
	{ "feSpecularLighting", R_KEEP, NULL, "" },
	{ "feSpotLight", R_KEEP, NULL, "" },
	{ "feTile", R_KEEP, NULL, "" },
	{ "feTurbulence", R_KEEP, NULL, "" },
	{ "filter", R_KEEP, NULL, " href " },
	{ "g", R_KEEP, NULL, "" },
	{ "image", R_KEEP, NULL, " href " },
	{ "line", R_KEEP, NULL, "" },
	{ "linearGradient", R_KEEP, NULL, " href " },
	{ "marker", R_KEEP, NULL, "" },
	{ "mask", R_KEEP, NULL, "" },
	{ "metadata", R_DROP, NULL, "" },  /* inert: dropped silently */
	{ "path", R_KEEP, NULL, "" },
	{ "pattern", R_KEEP, NULL, " href " },
	{ "polygon", R_KEEP, NULL, "" },
	{ "polyline", R_KEEP, NULL, "" },
	{ "radialGradient", R_KEEP, NULL, " href " },
	{ "rect", R_KEEP, NULL, "" },
	{ "stop", R_KEEP, NULL, "" },
	{ "style", R_KEEP, NULL, " type media " },  /* SVG files only */
	{ "svg", R_KEEP, NULL, " version baseProfile " },
	{ "switch", R_KEEP, NULL, "" },
	{ "symbol", R_KEEP, NULL, "" },
	{ "text", R_KEEP, NULL, "" },
	{ "textPath", R_KEEP, NULL, " href " },
	{ "title", R_KEEP, NULL, "" },
	{ "tspan", R_KEEP, NULL, "" },
	{ "use", R_KEEP, NULL, " href " },
};

/* Attributes every kept SVG element may have (presentation attributes and
 * geometry), sorted.  Their values pass san_css_ok(). */
static const char *const svg_attrs[] = {
	"alignment-baseline", "amplitude", "aria-describedby", "aria-hidden",
	"aria-label", "aria-labelledby",
	"azimuth", "baseFrequency", "baseline-shift", "bias", "class",
	"clip-path", "clip-rule", "clipPathUnits", "color",
	"color-interpolation", "color-interpolation-filters", "cx", "cy", "d",
	"diffuseConstant", "direction", "display", "divisor",
	"dominant-baseline", "dx", "dy", "edgeMode", "elevation", "exponent",
	"fill", "fill-opacity", "fill-rule", "filter", "filterUnits",
	"flood-color", "flood-opacity", "font-family", "font-size",
	"font-size-adjust", "font-stretch", "font-style", "font-variant",
	"font-weight", "fr", "fx", "fy", "gradientTransform",
	"gradientUnits", "height", "id", "image-rendering", "in", "in2",
	"intercept", "k1", "k2", "k3", "k4", "kernelMatrix",
	"kernelUnitLength", "lang", "lengthAdjust", "letter-spacing",
	"lighting-color", "limitingConeAngle", "marker-end", "marker-mid",
	"marker-start", "markerHeight", "markerUnits", "markerWidth", "mask",
	"maskContentUnits", "maskUnits", "method", "mode", "numOctaves",
	"offset", "opacity", "operator", "order", "orient", "overflow",
	"paint-order", "path", "pathLength", "patternContentUnits",
	"patternTransform", "patternUnits", "points", "pointsAtX",
	"pointsAtY", "pointsAtZ", "preserveAlpha", "preserveAspectRatio",
	"primitiveUnits", "r", "radius", "refX", "refY", "result", "role",
	"rotate", "rx", "ry", "scale", "seed", "shape-rendering", "side",
	"slope", "spacing", "specularConstant", "specularExponent",
	"spreadMethod", "startOffset", "stdDeviation", "stitchTiles",
	"stop-color", "stop-opacity", "stroke", "stroke-dasharray",
	"stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
	"stroke-miterlimit", "stroke-opacity", "stroke-width", "style",
	"surfaceScale", "systemLanguage", "tableValues", "targetX", "targetY",
	"text-anchor", "text-decoration", "text-rendering", "textLength",
	"transform", "transform-origin", "type", "unicode-bidi", "values",
	"vector-effect", "viewBox", "visibility", "width", "word-spacing",
	"writing-mode", "x", "x1", "x2", "xChannelSelector", "y", "y1", "y2",
	"yChannelSelector", "z",
};

/* MathML Core and presentation MathML 3.  Token elements hold text only;
 * annotation only TeX. */
static const struct rule math_rules[] = {
	{ "annotation", R_KEEP, NULL, "" },
	{ "maction", R_UNWRAP, NULL, "" },
	{ "math", R_KEEP, NULL, "" },
	{ "menclose", R_KEEP, NULL, "" },
	{ "merror", R_KEEP, NULL, "" },
	{ "mfrac", R_KEEP, NULL, "" },
	{ "mi", R_KEEP, NULL, "" },
	{ "mlabeledtr", R_KEEP, NULL, "" },
	{ "mmultiscripts", R_KEEP, NULL, "" },
	{ "mn", R_KEEP, NULL, "" },
	{ "mo", R_KEEP, NULL, "" },
	{ "mover", R_KEEP, NULL, "" },
	{ "mpadded", R_KEEP, NULL, "" },
	{ "mphantom", R_KEEP, NULL, "" },
	{ "mprescripts", R_KEEP, NULL, "" },
	{ "mroot", R_KEEP, NULL, "" },
	{ "mrow", R_KEEP, NULL, "" },
	{ "ms", R_KEEP, NULL, "" },
	{ "mspace", R_KEEP, NULL, "" },
	{ "msqrt", R_KEEP, NULL, "" },
	{ "mstyle", R_KEEP, NULL, "" },
	{ "msub", R_KEEP, NULL, "" },
	{ "msubsup", R_KEEP, NULL, "" },
	{ "msup", R_KEEP, NULL, "" },
	{ "mtable", R_KEEP, NULL, "" },
	{ "mtd", R_KEEP, NULL, "" },
	{ "mtext", R_KEEP, NULL, "" },
	{ "mtr", R_KEEP, NULL, "" },
	{ "munder", R_KEEP, NULL, "" },
	{ "munderover", R_KEEP, NULL, "" },
	{ "none", R_KEEP, NULL, "" },
	{ "semantics", R_KEEP, NULL, "" },
};

static const char *const math_attrs[] = {
	"accent", "accentunder", "align", "alttext", "class", "close",
	"columnalign", "columnlines", "columnspacing", "columnspan",
	"depth", "dir", "display", "displaystyle", "encoding", "equalcolumns",
	"equalrows", "fence", "form", "frame", "framespacing", "height", "id",
	"largeop", "linethickness", "lquote", "lspace", "mathbackground",
	"mathcolor", "mathsize", "mathvariant", "maxsize", "minsize",
	"movablelimits", "notation", "open", "rowalign", "rowlines",
	"rowspacing", "rowspan", "rquote", "rspace", "scriptlevel",
	"scriptminsize", "scriptsizemultiplier", "separator", "separators",
	"stretchy", "style", "symmetric", "voffset", "width",
};

#define NELEM(a) (sizeof(a) / sizeof(*(a)))

static int
cmp_rule(const void *k, const void *r)
{
	return strcmp(k, ((const struct rule *)r)->name);
}

static int
cmp_str(const void *k, const void *s)
{
	return strcmp(k, *(const char *const *)s);
}

const struct rule *
san_rule(enum san_ns ns, const char *name)
{
	const struct rule *t = ns == SAN_SVG ? svg_rules : ns == SAN_MATHML ?
	    math_rules : html_rules;
	size_t n = ns == SAN_SVG ? NELEM(svg_rules) : ns == SAN_MATHML ?
	    NELEM(math_rules) : NELEM(html_rules);

	return bsearch(name, t, n, sizeof(*t), cmp_rule);
}

static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if (p > list && p[-1] == ' ' && p[n] == ' ')
			return 1;
	return 0;
}

int
san_attr(enum san_ns ns, const struct rule *r, const char *name)
{
	const char *const *t = ns == SAN_SVG ? svg_attrs : math_attrs;
	size_t n = ns == SAN_SVG ? NELEM(svg_attrs) : NELEM(math_attrs);
	const char *const *hit;

	if (ns == SAN_HTML)
		return -1;
	if ((hit = bsearch(name, t, n, sizeof(*t), cmp_str)) != NULL)
		return (int)(hit - t);
	if (r && in_list(r->attrs, name))
		/* Beyond the table, numbered by where the rule names it. */
		return (int)(n + (size_t)(strstr(r->attrs, name) - r->attrs));
	return -1;
}

size_t
san_nattrs(enum san_ns ns)
{
	return (ns == SAN_SVG ? NELEM(svg_attrs) : NELEM(math_attrs)) + 64;
}

int
san_raw_text(const char *name)
{
	/* libxml2's HTML serializer (HTMLtree.c) writes the text of these
	 * unescaped, whatever their namespace. */
	return strcasecmp(name, "script") == 0 ||
	    strcasecmp(name, "style") == 0;
}

/* ---- names, URLs, CSS ---- */



int
san_xml_name(const char *s)
{
	return *s && xmlValidateNCName(BAD_CAST s, 0) == 0;
}

enum san_url
san_url(const char *u)
{
	char scheme[16];
	size_t n = 0;
	const char *p;

	/* Browsers skip leading controls and spaces and ignore tabs and
	 * newlines anywhere in a URL. */
	while (*u && (unsigned char)*u <= 0x20)
		u++;
	if (*u == '#')
		return URL_FRAG;
	if (*u == '\0')
		return URL_LOCAL;
	for (p = u; *p && *p != ':' && *p != '/' && *p != '?' && *p != '#';
	    p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (!(isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
		    *p == '.') || n + 1 >= sizeof(scheme))
			return *p == '\\' ? URL_BAD : URL_LOCAL;
		scheme[n++] = (char)tolower((unsigned char)*p);
	}
	if (*p != ':') {
		if ((p[0] == '/' || p[0] == '\\') && (p[1] == '/' ||
		    p[1] == '\\') && p == u)
			return URL_REMOTE;
		return URL_LOCAL;
	}
	scheme[n] = '\0';
	if (n == 0 || !isalpha((unsigned char)scheme[0]))
		return URL_BAD;
	if (!strcmp(scheme, "http") || !strcmp(scheme, "https") ||
	    !strcmp(scheme, "mailto"))
		return URL_REMOTE;
	if (!strcmp(scheme, "data"))
		return URL_DATA;
	return URL_BAD;
}

/* CSS functions that compute a value and fetch nothing. */
static const char *const css_funcs[] = {
	"blur", "brightness", "calc", "circle", "clamp", "color",
	"contrast", "counter", "counters", "cubic-bezier", "drop-shadow", "ellipse", "grayscale",
	"hsl", "hsla", "hue-rotate", "hwb", "inset", "invert", "is", "lab", "lang",
	"lch", "linear-gradient", "matrix", "matrix3d", "max", "min", "not",
	"nth-child", "nth-last-child", "nth-last-of-type", "nth-of-type",
	"oklab", "oklch", "opacity", "perspective", "polygon", "radial-gradient", "rect",
	"repeating-linear-gradient", "repeating-radial-gradient", "rgb",
	"rgba", "rotate", "rotate3d", "rotatex", "rotatey", "rotatez",
	"saturate", "scale", "scale3d", "scalex", "scaley", "sepia", "skew",
	"skewx", "skewy", "steps", "translate", "translate3d", "translatex",
	"translatey", "url", "var", "where",
};

/* At-rules a style sheet of an SVG file may hold. */
static const char *const css_at[] = {
	"font-feature-values", "keyframes", "media", "supports",
};

static int
sorted_rules(const struct rule *t, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(t[i - 1].name, t[i].name) >= 0)
			return 0;
	return 1;
}

static int
sorted_names(const char *const *t, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(t[i - 1], t[i]) >= 0)
			return 0;
	return 1;
}

/* Every table is sorted, as bsearch needs (checked by the unit tests). */
int
san_tables_sorted(void)
{
	return sorted_rules(html_rules, NELEM(html_rules)) &&
	    sorted_rules(svg_rules, NELEM(svg_rules)) &&
	    sorted_rules(math_rules, NELEM(math_rules)) &&
	    sorted_names(svg_attrs, NELEM(svg_attrs)) &&
	    sorted_names(math_attrs, NELEM(math_attrs)) &&
	    sorted_names(css_funcs, NELEM(css_funcs)) &&
	    sorted_names(css_at, NELEM(css_at));
}

int
san_css_ok(const char *css, int sheet)
{
	const unsigned char *p = (const unsigned char *)css;

	for (; *p; p++) {
		if (*p == '\\' || *p == '<' || (*p == '>' && !sheet) ||
		    (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') ||
		    *p == 0x7f)
			return 0;
		if (*p == '@') {
			char w[32];
			size_t n = 0;

			if (!sheet)
				return 0;
			while (n + 1 < sizeof(w) && (isalnum(p[1]) ||
			    p[1] == '-'))
				w[n++] = (char)tolower(*++p);
			w[n] = '\0';
			if (!bsearch(w, css_at, NELEM(css_at), sizeof(*css_at),
			    cmp_str))
				return 0;
		} else if (*p == '(') {
			/* The function's name, backwards. */
			const unsigned char *s = p;
			char w[32];
			size_t n;

			while (s > (const unsigned char *)css &&
			    (isalnum(s[-1]) || s[-1] == '-' || s[-1] == '_'))
				s--;
			n = (size_t)(p - s);
			if (n == 0)
				continue;  /* a bracket in calc() */
			if (n >= sizeof(w))
				return 0;
			for (size_t i = 0; i < n; i++)
				w[i] = (char)tolower(s[i]);
			w[n] = '\0';
			if (!bsearch(w, css_funcs, NELEM(css_funcs),
			    sizeof(*css_funcs), cmp_str))
				return 0;
			if (strcmp(w, "url") == 0) {
				/* Only a reference inside the document. */
				const unsigned char *q = p + 1;
				while (isspace(*q) || *q == '"' || *q == '\'')
					q++;
				if (*q != '#')
					return 0;
				for (q++; isalnum(*q) || *q == '-' ||
				    *q == '_' || *q == '.' || *q == ':'; q++)
					;
				while (isspace(*q) || *q == '"' || *q == '\'')
					q++;
				if (*q != ')')
					return 0;
			}
		} else if (*p == '/' && p[1] == '*') {
			/* Comments could split a name in two for one reader
			 * and not another: refused. */
			return 0;
		}
	}
	/* "expression", "javascript:", "-moz-binding" and "behavior" never
	 * get here as functions or URLs; their words alone are harmless. */
	return 1;
}

int
data_uri_decode(const char *uri, unsigned char **bytes, size_t *len,
    char **mime)
{
	const char *p = uri, *comma, *semi;

	while (*p && (unsigned char)*p <= 0x20)
		p++;
	if (strncasecmp(p, "data:", 5) != 0 ||
	    (comma = strchr(p + 5, ',')) == NULL)
		return -1;
	p += 5;
	if (comma - p < 7 || strncasecmp(comma - 7, ";base64", 7) != 0)
		return -1;
	if (base64_decode(comma + 1, strlen(comma + 1), bytes, len) != 0)
		return -1;
	if (mime) {
		semi = memchr(p, ';', (size_t)(comma - p));
		*mime = xstrndup(p, (size_t)(semi - p));
		for (char *m = *mime; *m; m++)
			*m = (char)tolower((unsigned char)*m);
	}
	return 0;
}

const char *
clip_url(const char *s, char out[96])
{
	size_t n = strlen(s);

	if (n <= 80) {
		memcpy(out, s, n + 1);
		return out;
	}
	for (n = 80; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
	return out;
}

/* ---- image bytes ---- */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Every chunk whole with a right CRC, IHDR first, IEND last. */
static int
png_ok(const unsigned char *p, size_t n)
{
	size_t i = 8;
	int first = 1;

	while (i + 12 <= n) {
		uint32_t len = be32(p + i);
		const unsigned char *type = p + i + 4;

		if (len > n - i - 12)
			return 0;
		if (be32(p + i + 8 + len) !=
		    libdeflate_crc32(0, type, (size_t)len + 4))
			return 0;
		if (first && (memcmp(type, "IHDR", 4) != 0 || len != 13))
			return 0;
		first = 0;
		i += 12 + (size_t)len;
		if (memcmp(type, "IEND", 4) == 0)
			return 1;
	}
	return 0;
}

/* Start of image, then segments up to an end of image. */
static int
jpeg_ok(const unsigned char *p, size_t n)
{
	size_t i = 2;

	while (i + 2 <= n) {
		unsigned m;
		size_t len;

		if (p[i] != 0xff)
			return 0;
		while (i < n && p[i] == 0xff)
			i++;
		if (i >= n)
			return 0;
		m = p[i++];
		if (m == 0xd9)
			return 1;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;
		if (i + 2 > n)
			return 0;
		len = (size_t)p[i] << 8 | p[i + 1];
		if (len < 2 || len > n - i)
			return 0;
		i += len;
		if (m == 0xda) {
			/* Entropy-coded data up to the next marker. */
			while (i + 1 < n && !(p[i] == 0xff && p[i + 1] != 0 &&
			    !(p[i + 1] >= 0xd0 && p[i + 1] <= 0xd7)))
				i++;
		}
	}
	return 0;
}

static int
gif_blocks(const unsigned char *p, size_t n, size_t *i)
{
	while (*i < n && p[*i] != 0)
		*i += 1 + (size_t)p[*i];
	if (*i >= n)
		return 0;
	(*i)++;
	return 1;
}

/* Header, screen, then blocks up to the trailer, one image at least. */
static int
gif_ok(const unsigned char *p, size_t n)
{
	size_t i = 13;
	int images = 0;

	if (n < 13)
		return 0;
	if (p[10] & 0x80)
		i += 3u << ((p[10] & 7) + 1);
	while (i < n) {
		if (p[i] == 0x3b)
			return images > 0;
		if (p[i] == 0x21) {
			i += 2;
			if (!gif_blocks(p, n, &i))
				return 0;
		} else if (p[i] == 0x2c) {
			if (i + 10 > n)
				return 0;
			if (p[i + 9] & 0x80)
				i += 3u << ((p[i + 9] & 7) + 1);
			i += 11;  /* descriptor and LZW code size */
			if (i > n || !gif_blocks(p, n, &i))
				return 0;
			images++;
		} else
			return 0;
	}
	return 0;
}

int
san_image_ok(const char *mime, const unsigned char *p, size_t n)
{
	if (strcmp(mime, "image/png") == 0)
		return png_ok(p, n);
	if (strcmp(mime, "image/jpeg") == 0)
		return jpeg_ok(p, n);
	if (strcmp(mime, "image/gif") == 0)
		return gif_ok(p, n);
	return 1;
}

/* ---- SVG files ---- */

struct svgfile {
	size_t dropped;
	char first[64];    /* the first thing dropped, for the message */
};

static void
dropped(struct svgfile *s, const char *what, const xmlChar *name)
{
	if (s->dropped++ == 0)
		snprintf(s->first, sizeof(s->first), "%s%s%.40s", what,
		    *name ? " " : "", (const char *)name);
}

/* A data: URI of a PNG, JPEG or GIF image whose bytes are whole. */
static int
data_image_ok(const char *uri)
{
	unsigned char *bytes;
	size_t len;
	const char *mime;
	int ok;

	if (data_uri_decode(uri, &bytes, &len, NULL) != 0)
		return 0;
	mime = sniff_mime(bytes, len);
	ok = mime && strcmp(mime, "image/svg+xml") != 0 &&
	    strcmp(mime, "image/webp") != 0 && san_image_ok(mime, bytes, len);
	free(bytes);
	return ok;
}

static int
is_el_name(const xmlNode *n, const char *name)
{
	return strcmp((const char *)n->name, name) == 0;
}

/* Whether an attribute's value is words for people (an accessible name
 * such as a formula's TeX), never CSS nor a URL. */
int
san_text_attr(const char *name)
{
	return strncmp(name, "aria-", 5) == 0 || strcmp(name, "role") == 0;
}

/* An attribute whose value is text only (no reference to an entity,
 * which would be left undeclared once the DOCTYPE goes). */
static int
text_only(const xmlAttr *a)
{
	for (const xmlNode *k = a->children; k; k = k->next)
		if (k->type != XML_TEXT_NODE)
			return 0;
	return 1;
}

/* Drops the attributes the allow-list does not keep.  What can act or
 * fetch (on*, an href, a value the CSS check refuses) is counted for the
 * message; names of other tools (inkscape:, sodipodi:) go silently. */
static void
clean_attrs(struct svgfile *s, xmlNode *n, const struct rule *r)
{
	xmlAttr *a, *next;

	for (a = n->properties; a; a = next) {
		xmlChar *v = xmlNodeGetContent((xmlNode *)a);
		const char *name = (const char *)a->name;
		const char *val = v ? (const char *)v : "";
		int ok, loud = 1;

		next = a->next;
		if (!text_only(a))
			ok = 0;
		else if (a->ns && strcmp((const char *)a->ns->href,
		    "http://www.w3.org/1999/xlink") == 0)
			ok = strcmp(name, "href") == 0;
		else if (a->ns && strcmp((const char *)a->ns->href,
		    (const char *)XML_XML_NAMESPACE) == 0)
			ok = strcmp(name, "lang") == 0 ||
			    strcmp(name, "space") == 0;
		else if (a->ns == NULL && san_attr(SAN_SVG, r, name) >= 0)
			ok = 1;
		else {
			ok = 0;
			loud = strncasecmp(name, "on", 2) == 0;
		}
		if (ok && strcmp(name, "href") == 0) {
			enum san_url k = san_url(val);
			ok = is_el_name(n, "image") ? k == URL_DATA &&
			    data_image_ok(val) : k == URL_FRAG;
		} else if (ok && !(a->ns && strcmp(name, "space") == 0) &&
		    !san_text_attr(name))
			ok = san_css_ok(val, 0);
		if (!ok) {
			if (loud)
				dropped(s, "attribute", a->name);
			xmlRemoveProp(a);
		}
		xmlFree(v);
	}
}

/* Keeps what the allow-list keeps of an SVG file's tree, without
 * recursion: the next node in document order is found by hand. */
static void
clean_svg_tree(struct svgfile *s, xmlNode *root)
{
	xmlNode *n = root, *next;

	while (n) {
		int keep_children = 1, remove = 0;

		if (n->type == XML_ELEMENT_NODE) {
			const struct rule *r = NULL;
			int svg = n->ns && strcmp((const char *)n->ns->href,
			    NS_SVG) == 0;

			if (svg)
				r = san_rule(SAN_SVG, (const char *)n->name);
			if (r == NULL || r->act == R_DROP) {
				/* Elements of other tools' namespaces
				 * (metadata) go silently; not XInclude. */
				if ((svg && r == NULL) || (n->ns && strcmp(
				    (const char *)n->ns->href,
				    "http://www.w3.org/2001/XInclude") == 0))
					dropped(s, "element", n->name);
				remove = 1;
			} else if (r->act == R_UNWRAP && n != root) {
				/* Its children take its place. */
				xmlNode *k = n->children, *kn;
				next = n->children ? n->children : NULL;
				for (; k; k = kn) {
					kn = k->next;
					xmlUnlinkNode(k);
					xmlAddPrevSibling(n, k);
					/* Namespaces declared on n go with
					 * it: what k uses is declared again
					 * where it now stands. */
					if (k->type == XML_ELEMENT_NODE)
						xmlReconciliateNs(n->doc, k);
				}
				next = next ? next : n->next;
				if (next == NULL) {
					xmlNode *up = n->parent;
					while (up && up != root && !up->next)
						up = up->parent;
					next = up && up != root ? up->next : NULL;
				}
				xmlUnlinkNode(n);
				xmlFreeNode(n);
				n = next;
				continue;
			} else {
				clean_attrs(s, n, r);
				/* An image is nothing without its picture. */
				if (is_el_name(n, "image") &&
				    !xmlHasProp(n, BAD_CAST "href") &&
				    !xmlHasNsProp(n, BAD_CAST "href", BAD_CAST
				    "http://www.w3.org/1999/xlink"))
					remove = 1;
				if (strcmp((const char *)n->name, "style") == 0) {
					xmlChar *css = xmlNodeGetContent(n);
					int ok = css && san_css_ok((char *)css, 1);
					xmlFree(css);
					for (xmlNode *k = n->children; ok && k;
					    k = k->next)
						if (k->type != XML_TEXT_NODE &&
						    k->type != XML_CDATA_SECTION_NODE)
							ok = 0;
					if (!ok) {
						dropped(s, "style sheet",
						    BAD_CAST "");
						remove = 1;
					}
					keep_children = 0;
				}
			}
		} else if (n->type != XML_TEXT_NODE &&
		    n->type != XML_CDATA_SECTION_NODE) {
			/* Comments, processing instructions, entity
			 * references, XInclude markers. */
			if (n->type == XML_ENTITY_REF_NODE)
				dropped(s, "entity reference", n->name);
			remove = 1;
		}
		if (!remove && keep_children && n->children &&
		    n->type == XML_ELEMENT_NODE) {
			n = n->children;
			continue;
		}
		next = n;
		while (next && next != root && next->next == NULL)
			next = next->parent;
		next = next && next != root ? next->next : NULL;
		if (remove) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
		n = next;
	}
}

/* What the schema of SVG 1.1 requires that drawings leave to defaults:
 * a gradient stop's offset (0), the second input of feComposite,
 * feBlend and feDisplacementMap (the result of the primitive before it,
 * as browsers take it, named if it had no name; the source graphic for
 * the first).  Without recursion, as clean_svg_tree(). */
static void
svg_defaults(xmlNode *root)
{
	xmlNode *n = root;
	size_t named = 0;

	while (n) {
		if (n->type == XML_ELEMENT_NODE && n->ns &&
		    strcmp((const char *)n->ns->href, NS_SVG) == 0) {
			const char *name = (const char *)n->name;

			if (strcmp(name, "stop") == 0 &&
			    !xmlHasProp(n, BAD_CAST "offset"))
				xmlSetProp(n, BAD_CAST "offset", BAD_CAST "0");
			else if ((strcmp(name, "feComposite") == 0 ||
			    strcmp(name, "feBlend") == 0 ||
			    strcmp(name, "feDisplacementMap") == 0) &&
			    !xmlHasProp(n, BAD_CAST "in2")) {
				xmlNode *prev = xmlPreviousElementSibling(n);
				xmlChar *r = prev ? xmlGetProp(prev,
				    BAD_CAST "result") : NULL;

				if (prev && r == NULL) {
					char id[40];
					snprintf(id, sizeof(id), "quire-in2-%zu",
					    ++named);
					xmlSetProp(prev, BAD_CAST "result",
					    BAD_CAST id);
					r = xmlStrdup(BAD_CAST id);
				}
				xmlSetProp(n, BAD_CAST "in2", r ? r :
				    BAD_CAST "SourceGraphic");
				xmlFree(r);
			}
		}
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && n != root && n->next == NULL)
			n = n->parent;
		n = n && n != root ? n->next : NULL;
	}
}

/* The most attributes any tag of the document has, by one pass over its
 * bytes (comments, CDATA, processing instructions and declarations
 * skipped): libxml2 compares each attribute of an element with those
 * before it, so an element of 150,000 takes time in the square. */
#define MAX_SVG_ATTRS 1000

static size_t
most_attrs(const unsigned char *p, size_t n)
{
	const unsigned char *e = p + n;
	size_t most = 0;

	while ((p = memchr(p, '<', (size_t)(e - p))) != NULL) {
		static const char *const skip[][2] = { { "<!--", "-->" },
		    { "<![CDATA[", "]]>" }, { "<?", "?>" }, { "<!", ">" } };
		size_t k, count = 0;
		unsigned char q = 0;

		for (k = 0; k < 4; k++)
			if ((size_t)(e - p) >= strlen(skip[k][0]) &&
			    memcmp(p, skip[k][0], strlen(skip[k][0])) == 0)
				break;
		if (k < 4) {
			const char *end = find_bytes((const char *)p + 1,
			    (const char *)e, skip[k][1], strlen(skip[k][1]));
			if (end == NULL)
				break;
			p = (const unsigned char *)end + 1;
			continue;
		}
		for (p++; p < e && (q || *p != '>'); p++) {
			if (q && *p == q)
				q = 0;
			else if (!q && (*p == '"' || *p == '\''))
				q = *p;
			else if (!q && *p == '=')
				count++;
		}
		if (count > most)
			most = count;
	}
	return most;
}

int
san_svg_file(const unsigned char *p, size_t n, char **out, size_t *outlen,
    char **why)
{
	struct svgfile s = { 0 };
	xmlDoc *doc;
	xmlNode *root;
	xmlChar *mem = NULL;
	int len = 0;

	*out = NULL;
	*why = NULL;
	if (n > INT32_MAX) {
		*why = xstrdup("too large an SVG document");
		return -1;
	}
	if (most_attrs(p, n) > MAX_SVG_ATTRS) {
		*why = xasprintf("an element with more than %d attributes",
		    MAX_SVG_ATTRS);
		return -1;
	}
	/* No DTD loaded, no entity substituted, nothing fetched. */
	doc = xmlReadMemory((const char *)p, (int)n, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA);
	if (doc == NULL) {
		*why = xstrdup("not a well-formed SVG document");
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || root->ns == NULL ||
	    strcmp((const char *)root->name, "svg") != 0 ||
	    strcmp((const char *)root->ns->href, NS_SVG) != 0) {
		xmlFreeDoc(doc);
		*why = xstrdup("not an SVG document");
		return -1;
	}
	/* The DOCTYPE, and everything at the top but the root. */
	for (xmlNode *k = doc->children, *next; k; k = next) {
		next = k->next;
		if (k != root) {
			xmlUnlinkNode(k);
			xmlFreeNode(k);
		}
	}
	doc->intSubset = NULL;
	doc->extSubset = NULL;
	clean_svg_tree(&s, root);
	svg_defaults(root);
	xmlDocDumpMemoryEnc(doc, &mem, &len, "UTF-8");
	xmlFreeDoc(doc);
	if (mem == NULL) {
		*why = xstrdup("not a well-formed SVG document");
		return -1;
	}
	*out = xstrndup((const char *)mem, (size_t)len);
	*outlen = (size_t)len;
	xmlFree(mem);
	if (s.dropped)
		*why = xasprintf("%zu element%s or attribute%s dropped by the "
		    "sanitiser (the first: %s)", s.dropped, s.dropped == 1 ?
		    "" : "s", s.dropped == 1 ? "" : "s", s.first);
	return 0;
}

/* What a file is, by its first bytes: a raster image type, SVG, or NULL. */
const char *
sniff_mime(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && isspace(p[i]))
		i++;
	if (i < n && p[i] == '<') {
		size_t lim = n < 4096 ? n : 4096;
		for (; i + 4 <= lim; i++)
			if (memcmp(p + i, "<svg", 4) == 0)
				return "image/svg+xml";
	}
	return NULL;
}
