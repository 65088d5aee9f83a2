/* Syntax highlighting of fenced code: tree-sitter grammars parse each
 * block and their highlights queries name its tokens, which become
 * <span class="hl-..."> inside the block's <code> in the XHTML tree. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <tree_sitter/api.h>
#include <glib.h>

#include "render/render.h"

/* Longer blocks stay plain.  libtree-sitter 0.20.7 frees a pointer it
 * did not allocate when an error node has 65,535 children or more
 * ("((((..." 65,535 times); a block of half that many bytes cannot make
 * one, even with a missing token after each. */
#define HL_MAX_BYTES 32768
/* Zero bytes after a block's text: more than the widest read PCRE2's JIT
 * makes past the end of a subject (16 bytes). */
#define HL_PAD 32
/* Deeper syntax trees, and error nodes with more children, stay plain:
 * libtree-sitter 0.20.7's query cursor walks up to the root at every
 * node, including the hidden ones an error is built of, so its time
 * grows with the square of their depth (a YAML "- - - - ..." or 10,000
 * unclosed parentheses took seconds).  Real code is a few dozen levels
 * deep, and a few errors wide. */
#define HL_MAX_DEPTH 256
#define HL_MAX_ERROR 256
/* The symbol of an error node in every grammar (tree_sitter/parser.h's
 * ts_builtin_sym_error, which api.h does not give). */
#define HL_SYM_ERROR ((TSSymbol)-1)

/* The grammars, compiled from the npm packages at configure time. */
const TSLanguage *tree_sitter_bash(void);
const TSLanguage *tree_sitter_c(void);
const TSLanguage *tree_sitter_css(void);
const TSLanguage *tree_sitter_go(void);
const TSLanguage *tree_sitter_html(void);
const TSLanguage *tree_sitter_java(void);
const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_json(void);
const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_rust(void);
const TSLanguage *tree_sitter_sql(void);
const TSLanguage *tree_sitter_tsx(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_yaml(void);

/* Their highlights.scm files, embedded (cmake/embed.cmake). */
#define QUERY(n) extern const unsigned char asset_hlq_##n[]
QUERY(bash); QUERY(c); QUERY(css); QUERY(go); QUERY(html); QUERY(java);
QUERY(javascript); QUERY(jsx); QUERY(json); QUERY(python); QUERY(rust);
QUERY(sql); QUERY(typescript); QUERY(yaml);
#undef QUERY
#define Q(n) ((const char *)asset_hlq_##n)

/* One text predicate of a pattern: #eq?, #match?, #any-of? and their
 * negations.  Others (#is-not? local, #set!) do not change which class
 * a token gets here and are ignored. */
struct pred {
	uint32_t pattern;
	uint32_t capture;
	int negate;
	enum { P_EQ_STR, P_EQ_CAP, P_MATCH, P_ANY, P_KIND } kind;
	const char *str;         /* P_EQ_STR: into the query's strings */
	size_t len;              /* P_EQ_STR: its length */
	uint32_t other;          /* P_EQ_CAP */
	TSSymbol sym;            /* P_KIND */
	pcre2_code *re;          /* P_MATCH */
	const char **any;        /* P_ANY */
	size_t *anylen;
	uint32_t nany;
};

enum { LUA = 1, FIRST = 2, LEAKS = 4 };

struct grammar {
	const char *name;
	const TSLanguage *(*lang)(void);
	const char *parts[3];    /* the query, in this order */
	/* How its patterns were written: LUA, #match? regexes in Lua's
	 * %d classes; FIRST, of two patterns naming one node the first
	 * wins (the others: the last, see cmp_cap); LEAKS, its scanner
	 * loses memory (see hl_scanner_malloc). */
	unsigned flags;
	/* Compiled once by whichever thread needs the grammar first; two
	 * threads compile two grammars at once. */
	pthread_mutex_t lock;
	int inited;
	TSQuery *query;          /* NULL if it did not compile */
	const char **classes;    /* per capture id: a class or NULL */
	struct pred *preds;      /* in the order of their patterns */
	size_t npreds;
	uint32_t *pred_at;       /* per pattern: its first pred, then end */
	int form;                /* which form compiled: see grammar_init */
};

static struct grammar grammars[] = {
#define GF(n, f, fl, ...) { n, f, { __VA_ARGS__ }, fl, \
	PTHREAD_MUTEX_INITIALIZER, 0, NULL, NULL, NULL, 0, NULL, 0 }
#define G(n, f, ...) GF(n, f, 0, __VA_ARGS__)
	G("bash", tree_sitter_bash, Q(bash)),
	G("c", tree_sitter_c, Q(c)),
	G("css", tree_sitter_css, Q(css)),
	GF("go", tree_sitter_go, FIRST, Q(go)),
	G("html", tree_sitter_html, Q(html)),
	G("java", tree_sitter_java, Q(java)),
	G("javascript", tree_sitter_javascript, Q(javascript), Q(jsx)),
	G("json", tree_sitter_json, Q(json)),
	G("python", tree_sitter_python, Q(python)),
	G("rust", tree_sitter_rust, Q(rust)),
	GF("sql", tree_sitter_sql, LUA | LEAKS, Q(sql)),
	G("tsx", tree_sitter_tsx, Q(javascript), Q(jsx), Q(typescript)),
	G("typescript", tree_sitter_typescript, Q(javascript),
	    Q(typescript)),
	G("yaml", tree_sitter_yaml, Q(yaml)),
#undef G
#undef GF
};

/* Info strings as writers use them, sorted for bsearch. */
static const struct alias {
	const char *name, *grammar;
} aliases[] = {
	{ "bash", "bash" }, { "c", "c" }, { "cjs", "javascript" },
	{ "console", "bash" }, { "css", "css" }, { "go", "go" },
	{ "golang", "go" }, { "h", "c" }, { "htm", "html" },
	{ "html", "html" }, { "java", "java" },
	{ "javascript", "javascript" }, { "js", "javascript" },
	{ "json", "json" }, { "json5", "json" }, { "jsonc", "json" },
	{ "jsx", "javascript" }, { "ksh", "bash" }, { "mjs", "javascript" },
	{ "mts", "typescript" }, { "node", "javascript" },
	{ "postgres", "sql" }, { "postgresql", "sql" }, { "psql", "sql" },
	{ "py", "python" }, { "py3", "python" }, { "python", "python" },
	{ "python3", "python" }, { "rs", "rust" }, { "rust", "rust" },
	{ "sh", "bash" }, { "shell", "bash" }, { "shell-session", "bash" },
	{ "sql", "sql" }, { "ts", "typescript" }, { "tsx", "tsx" },
	{ "typescript", "typescript" }, { "xhtml", "html" },
	{ "yaml", "yaml" }, { "yml", "yaml" }, { "zsh", "bash" },
};

/* Capture names (their first dotted parts) to the stylesheet's classes;
 * names not listed (variables, punctuation, operators) stay plain. */
static const struct klass {
	const char *capture, *cls;
} klasses[] = {
	{ "attribute", "hl-attr" },
	{ "boolean", "hl-num" },
	{ "charset", "hl-kw" },
	{ "comment", "hl-com" },
	{ "conditional", "hl-kw" },
	{ "constant", "hl-num" },
	{ "constructor", "hl-type" },
	{ "escape", "hl-str" },
	{ "field", "hl-prop" },
	{ "float", "hl-num" },
	{ "function", "hl-fn" },
	{ "import", "hl-kw" },
	{ "include", "hl-kw" },
	{ "keyframes", "hl-kw" },
	{ "keyword", "hl-kw" },
	{ "label", "hl-prop" },
	{ "media", "hl-kw" },
	{ "method", "hl-fn" },
	{ "number", "hl-num" },
	{ "property", "hl-prop" },
	{ "repeat", "hl-kw" },
	{ "storageclass", "hl-kw" },
	{ "string", "hl-str" },
	{ "supports", "hl-kw" },
	{ "tag", "hl-tag" },
	{ "type", "hl-type" },
};

static int
cmp_alias(const void *k, const void *a)
{
	return strcasecmp(k, ((const struct alias *)a)->name);
}

static int
cmp_grammar(const void *k, const void *g)
{
	return strcmp(k, ((const struct grammar *)g)->name);
}

static struct grammar *
find_grammar(const char *lang)
{
	const struct alias *a;

	if (lang == NULL)
		return NULL;
	a = bsearch(lang, aliases, sizeof(aliases) / sizeof(aliases[0]),
	    sizeof(aliases[0]), cmp_alias);
	if (a == NULL)
		return NULL;
	return bsearch(a->grammar, grammars,
	    sizeof(grammars) / sizeof(grammars[0]), sizeof(grammars[0]),
	    cmp_grammar);
}

const char *
highlight_grammar(const char *lang)
{
	struct grammar *g = find_grammar(lang);

	return g ? g->name : NULL;
}

static const char *
class_for(const char *capture, uint32_t len)
{
	/* "string.special.key": a YAML or TOML key, a property. */
	if (len >= 18 && strncmp(capture, "string.special.key", 18) == 0)
		return "hl-prop";
	if (len >= 15 && strncmp(capture, "function.method", 15) == 0)
		return "hl-fn";
	for (size_t i = 0; i < sizeof(klasses) / sizeof(klasses[0]); i++) {
		size_t n = strlen(klasses[i].capture);

		if (len >= n && strncmp(capture, klasses[i].capture, n) == 0 &&
		    (len == n || capture[n] == '.'))
			return klasses[i].cls;
	}
	return NULL;
}

/* Lua's character classes (%d, %a, %s, %w; %x quotes x) as PCRE's. */
static char *
lua_to_pcre(const char *re, size_t len)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < len; i++) {
		if (re[i] != '%' || i + 1 == len) {
			buf_putc(&b, re[i]);
			continue;
		}
		switch (re[++i]) {
		case 'a':
			buf_puts(&b, "[A-Za-z]");
			break;
		default:  /* %d %s %w, and %. quoting a '.' */
			buf_putc(&b, '\\');
			buf_putc(&b, re[i]);
			break;
		}
	}
	return buf_take(&b);
}

/* The text predicates of every pattern, read once, their regexes
 * compiled to machine code when PCRE2 can. */
static void
read_preds(struct grammar *g)
{
	uint32_t npat = ts_query_pattern_count(g->query);

	g->pred_at = xreallocarray(NULL, (size_t)npat + 1,
	    sizeof(*g->pred_at));
	for (uint32_t p = 0; p < npat; p++) {
		uint32_t nsteps, s = 0;
		const TSQueryPredicateStep *st =
		    ts_query_predicates_for_pattern(g->query, p, &nsteps);

		g->pred_at[p] = (uint32_t)g->npreds;
		while (s < nsteps) {
			uint32_t e = s, len;
			const char *op;
			struct pred pr = { 0 };

			while (e < nsteps && st[e].type != TSQueryPredicateStepTypeDone)
				e++;
			if (e - s < 3 || st[s].type != TSQueryPredicateStepTypeString ||
			    st[s + 1].type != TSQueryPredicateStepTypeCapture)
				goto next;
			op = ts_query_string_value_for_id(g->query,
			    st[s].value_id, &len);
			pr.pattern = p;
			pr.capture = st[s + 1].value_id;
			if (strcmp(op, "eq?") == 0 || strcmp(op, "not-eq?") == 0) {
				pr.negate = op[0] == 'n';
				if (st[s + 2].type == TSQueryPredicateStepTypeCapture) {
					pr.kind = P_EQ_CAP;
					pr.other = st[s + 2].value_id;
				} else {
					pr.kind = P_EQ_STR;
					pr.str = ts_query_string_value_for_id(
					    g->query, st[s + 2].value_id, &len);
					pr.len = len;
				}
			} else if (strcmp(op, "match?") == 0 ||
			    strcmp(op, "not-match?") == 0 ||
			    strcmp(op, "lua-match?") == 0) {
				int err;
				PCRE2_SIZE off;
				const char *re;

				if (st[s + 2].type != TSQueryPredicateStepTypeString)
					goto next;
				re = ts_query_string_value_for_id(g->query,
				    st[s + 2].value_id, &len);
				pr.negate = op[0] == 'n';
				pr.kind = P_MATCH;
				if ((g->flags & LUA) || op[0] == 'l') {
					char *pc = lua_to_pcre(re, len);

					pr.re = pcre2_compile((PCRE2_SPTR)pc,
					    PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err,
					    &off, NULL);
					free(pc);
				} else
					pr.re = pcre2_compile((PCRE2_SPTR)re, len,
					    PCRE2_UTF, &err, &off, NULL);
				if (pr.re == NULL)
					goto next;
				/* Same answers; the interpreter when no JIT. */
				(void)pcre2_jit_compile(pr.re, PCRE2_JIT_COMPLETE);
			} else if (strcmp(op, "quire-kind?") == 0) {
				const char *name;

				if (st[s + 2].type != TSQueryPredicateStepTypeString)
					goto next;
				name = ts_query_string_value_for_id(g->query,
				    st[s + 2].value_id, &len);
				pr.kind = P_KIND;
				pr.sym = ts_language_symbol_for_name(g->lang(),
				    name, len, true);
			} else if (strcmp(op, "any-of?") == 0) {
				pr.kind = P_ANY;
				pr.any = xreallocarray(NULL, e - s - 2,
				    sizeof(*pr.any));
				pr.anylen = xreallocarray(NULL, e - s - 2,
				    sizeof(*pr.anylen));
				for (uint32_t i = s + 2; i < e; i++)
					if (st[i].type == TSQueryPredicateStepTypeString) {
						pr.any[pr.nany] =
						    ts_query_string_value_for_id(
						    g->query, st[i].value_id, &len);
						pr.anylen[pr.nany++] = len;
					}
			} else
				goto next;
			GROW(g->preds, g->npreds);
			g->preds[g->npreds++] = pr;
next:
			s = e + 1;
		}
	}
	g->pred_at[npat] = (uint32_t)g->npreds;
}

/* Whether c may be part of a capture's name (tree-sitter's identifier
 * characters). */
static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	    c == '?' || c == '!' || (unsigned char)c >= 0x80;
}

/* Past the string or the ;-comment that starts at p, as tree-sitter
 * reads a query; p itself when neither starts there. */
static const char *
past_text(const char *p, const char *end)
{
	if (*p == '"') {
		for (p++; p < end && *p != '"'; p++)
			if (*p == '\\' && p + 1 < end)
				p++;
		return p < end ? p + 1 : end;
	}
	if (*p == ';')
		while (p < end && *p != '\n')
			p++;
	return p;
}

/* Whether the text of one pattern names a capture that has a class;
 * strings and comments are skipped. */
static int
pattern_classed(const char *p, const char *end)
{
	const char *q;

	while (p < end) {
		if ((q = past_text(p, end)) != p)
			p = q;
		else if (*p == '@') {
			const char *n = ++p;

			while (p < end && name_char(*p))
				p++;
			if (class_for(n, (uint32_t)(p - n)) != NULL)
				return 1;
		} else
			p++;
	}
	return 0;
}

/* Past blanks and ;-comments, as tree-sitter reads a query. */
static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ';')
			p = past_text(p, end);
		else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f' || *p == '\v')
			p++;
		else
			break;
	}
	return p;
}

/* The end of the node that starts at p: a bracketed group, a string or
 * a bare name. */
static const char *
node_end(const char *p, const char *end)
{
	const char *q;
	int depth = 0;

	do {
		if ((q = past_text(p, end)) != p)
			p = q;
		else if (*p == '(' || *p == '[') {
			depth++;
			p++;
		} else if (*p == ')' || *p == ']') {
			depth--;
			p++;
		} else if (depth == 0 && name_char(*p)) {
			while (p < end && name_char(*p))
				p++;
		} else
			p++;
	} while (p < end && depth > 0);
	return p < end ? p : end;
}

/* The end of the top-level pattern that starts at p, and the start of
 * the next: its node, the quantifiers and captures after it, then
 * blanks. */
static const char *
pattern_end(const char *p, const char *end)
{
	p = node_end(p, end);
	for (;;) {
		p = skip_blank(p, end);
		if (p < end && (*p == '*' || *p == '+' || *p == '?'))
			p++;
		else if (p < end && *p == '@')
			for (p++; p < end && name_char(*p); p++)
				;
		else
			return p;
	}
}

/* The one class every capture of the pattern from p to e gives, or
 * NULL (none, or two); with preds 0, NULL also if it has a predicate. */
static const char *
pattern_class(const char *p, const char *e, int preds)
{
	const char *cls = NULL, *q;

	while (p < e) {
		if ((q = past_text(p, e)) != p)
			p = q;
		else if (*p == '#' && !preds)
			return NULL;
		else if (*p == '@') {
			const char *n = ++p, *c;

			while (p < e && name_char(*p))
				p++;
			c = class_for(n, (uint32_t)(p - n));
			if (c == NULL || (cls && cls != c))
				return NULL;
			cls = c;
		} else
			p++;
	}
	return cls;
}

/* A node's name: letters, digits and '_' (not a wildcard, not a
 * supertype's "a/b"). */
static const char *
node_name(const char *p, const char *end)
{
	const char *n = p;

	while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '_'))
		p++;
	if (p == n || (p - n == 1 && *n == '_') || (p < end && *p == '/'))
		return NULL;
	return p;
}

/* A pattern of the form (parent field: child ... field: child), each
 * child a node with its captures, with neither predicates nor
 * quantifiers, and the one class its captures all give. */
#define HL_FIELDS 4
struct fielded {
	const char *parent, *cls;
	size_t parentlen;
	unsigned n;
	struct {
		const char *name, *child, *end, *kind;
		size_t namelen, kindlen;    /* kind: the child's node name */
	} f[HL_FIELDS];
};

/* Whether the pattern from p to e is of that form, read into x. */
static int
fielded(const char *p, const char *e, struct fielded *x)
{
	const char *q;

	if ((x->cls = pattern_class(p, e, 0)) == NULL || *p != '(')
		return 0;
	x->parent = p = skip_blank(p + 1, e);
	if ((q = node_name(p, e)) == NULL)
		return 0;
	x->parentlen = (size_t)(q - p);
	for (x->n = 0;; x->n++) {
		p = skip_blank(q, e);
		if (p < e && *p == ')')
			break;
		if (x->n == HL_FIELDS || (q = node_name(p, e)) == NULL)
			return 0;
		x->f[x->n].name = p;
		x->f[x->n].namelen = (size_t)(q - p);
		p = skip_blank(q, e);
		if (p == e || *p != ':')
			return 0;
		x->f[x->n].child = p = skip_blank(p + 1, e);
		if (p == e || (*p != '(' && *p != '['))
			return 0;
		x->f[x->n].kind = NULL;
		x->f[x->n].kindlen = 0;
		if (*p == '(' && (q = node_name(skip_blank(p + 1, e), e))) {
			x->f[x->n].kind = skip_blank(p + 1, e);
			x->f[x->n].kindlen = (size_t)(q - x->f[x->n].kind);
		}
		for (q = node_end(p, e);;) {
			x->f[x->n].end = q;
			p = skip_blank(q, e);
			if (p == e || *p != '@')
				break;
			for (q = p + 1; q < e && name_char(*q); q++)
				;
		}
		q = x->f[x->n].end;
	}
	return x->n > 0 && skip_blank(p + 1, e) == e;
}

static int
same_text(const char *a, const char *ae, const char *b, const char *be)
{
	return ae - a == be - b && memcmp(a, b, (size_t)(ae - a)) == 0;
}

/* The field in which x differs from the run of n before it, the one
 * field its members differ in (*v, or -1 while the run is one), if x
 * can join the run: same parent, fields and class, and a child of a
 * kind none of the run has there. */
static int
joins(const struct fielded *run, size_t n, int *v, const struct fielded *x)
{
	int d = -1;

	if (n == 0 || x->n != run[0].n || x->cls != run[0].cls ||
	    !same_text(x->parent, x->parent + x->parentlen, run[0].parent,
	    run[0].parent + run[0].parentlen))
		return 0;
	for (unsigned i = 0; i < x->n; i++) {
		if (!same_text(x->f[i].name, x->f[i].name + x->f[i].namelen,
		    run[0].f[i].name, run[0].f[i].name + run[0].f[i].namelen))
			return 0;
		if (same_text(x->f[i].child, x->f[i].end, run[0].f[i].child,
		    run[0].f[i].end))
			continue;
		if (d >= 0)
			return 0;
		d = (int)i;
	}
	if (d < 0 || (*v >= 0 && d != *v) || x->f[d].kind == NULL)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (run[k].f[d].kind == NULL ||
		    same_text(run[k].f[d].kind, run[k].f[d].kind +
		    run[k].f[d].kindlen, x->f[d].kind, x->f[d].kind +
		    x->f[d].kindlen))
			return 0;
	*v = d;
	return 1;
}

/* A run of n such patterns, the first from p to e, as written if it is
 * one, else as one pattern with field v's children as alternatives. */
static void
put_run(struct buf *src, const struct fielded *run, size_t n, int v,
    const char *p, const char *e)
{
	if (n == 1) {
		buf_put(src, p, (size_t)(e - p));
		buf_puts(src, "\n");
		return;
	}
	buf_putc(src, '(');
	buf_put(src, run[0].parent, run[0].parentlen);
	for (unsigned i = 0; i < run[0].n; i++) {
		buf_putc(src, ' ');
		buf_put(src, run[0].f[i].name, run[0].f[i].namelen);
		buf_puts(src, ": ");
		if ((int)i != v) {
			buf_put(src, run[0].f[i].child,
			    (size_t)(run[0].f[i].end - run[0].f[i].child));
			continue;
		}
		buf_putc(src, '[');
		for (size_t k = 0; k < n; k++) {
			buf_putc(src, ' ');
			buf_put(src, run[k].f[i].child,
			    (size_t)(run[k].f[i].end - run[k].f[i].child));
		}
		buf_puts(src, " ]");
	}
	buf_puts(src, ")\n");
}

/* One pattern of a window: patterns next to each other whose captures
 * all give one class. */
struct win {
	const char *p, *e;
	int fielded, done;
	struct fielded x;
};

/* The window's patterns, those that join as one. */
static void
put_window(struct buf *src, struct win *w, size_t nw)
{
	struct fielded *run = xreallocarray(NULL, nw ? nw : 1, sizeof(*run));

	for (size_t i = 0; i < nw; i++) {
		size_t n = 0;
		int v = -1;

		if (w[i].done)
			continue;
		if (!w[i].fielded) {
			buf_put(src, w[i].p, (size_t)(w[i].e - w[i].p));
			buf_puts(src, "\n");
			continue;
		}
		run[n++] = w[i].x;
		for (size_t j = i + 1; j < nw; j++)
			if (!w[j].done && w[j].fielded &&
			    joins(run, n, &v, &w[j].x)) {
				run[n++] = w[j].x;
				w[j].done = 1;
			}
		put_run(src, run, n, v, w[i].p, w[i].e);
	}
	free(run);
}

/* The grammar's query as tree-sitter is given it, which ts_query_new
 * then analyses against the grammar's parse table, pattern by pattern
 * and parent node by parent node:
 * - without the patterns that name no classed capture (every
 *   identifier a variable, every bracket punctuation), which prune
 *   turned off after;
 * - with patterns on one parent that differ only in one field's child,
 *   (call_expression function: (identifier) @function) and
 *   (call_expression function: (member_expression ...)), as one,
 *   (call_expression function: [(identifier) @function (member_expression
 *   ...)]): the parent analysed once.  Their children there are of
 *   different kinds, so no node matches two of them.  Only patterns of
 *   a window are joined: next to each other, all their captures giving
 *   one class, so that which of them wins a node does not matter, nor
 *   their order.
 * Otherwise the patterns keep their order, which decides between two
 * naming one node.  The cut follows tree-sitter's reading of a query's
 * top level; should it ever be wrong, the query does not compile and
 * grammar_init falls back to the whole. */
static void
query_source(const struct grammar *g, struct buf *src)
{
	struct win *w = NULL;
	size_t nw = 0;
	const char *wcls = NULL;

	for (size_t i = 0; i < 3 && g->parts[i]; i++) {
		const char *end = g->parts[i] + strlen(g->parts[i]);
		const char *p = skip_blank(g->parts[i], end), *e;

		for (; p < end; p = e) {
			const char *cls;

			e = pattern_end(p, end);
			if (!pattern_classed(p, e))
				continue;
			cls = pattern_class(p, e, 1);
			if (nw > 0 && cls != wcls) {
				put_window(src, w, nw);
				nw = 0;
			}
			if (cls == NULL) {
				buf_put(src, p, (size_t)(e - p));
				buf_puts(src, "\n");
				continue;
			}
			wcls = cls;
			GROW(w, nw);
			w[nw].p = p;
			w[nw].e = e;
			w[nw].done = 0;
			w[nw].fielded = fielded(p, e, &w[nw].x);
			nw++;
		}
	}
	put_window(src, w, nw);
	free(w);
}

/* Turns off what cannot give a class: the patterns that name no
 * classed capture (every identifier a variable, every bracket
 * punctuation) and the captures without a class that no predicate
 * reads.  The query then records less and matches less; what it gives
 * the classed captures does not change. */
static void
prune(struct grammar *g, const char *src, size_t len)
{
	uint32_t npat = ts_query_pattern_count(g->query);
	uint32_t ncap = ts_query_capture_count(g->query);
	char *read = xcalloc(ncap ? ncap : 1, 1);

	for (uint32_t p = 0; p < npat; p++) {
		uint32_t b = ts_query_start_byte_for_pattern(g->query, p);
		uint32_t e = p + 1 < npat ?
		    ts_query_start_byte_for_pattern(g->query, p + 1) :
		    (uint32_t)len;

		if (b <= e && e <= len && !pattern_classed(src + b, src + e))
			ts_query_disable_pattern(g->query, p);
	}
	for (size_t i = 0; i < g->npreds; i++) {
		read[g->preds[i].capture] = 1;
		if (g->preds[i].kind == P_EQ_CAP)
			read[g->preds[i].other] = 1;
	}
	for (uint32_t i = 0; i < ncap; i++)
		if (g->classes[i] == NULL && !read[i]) {
			uint32_t n;
			const char *name =
			    ts_query_capture_name_for_id(g->query, i, &n);

			ts_query_disable_capture(g->query, name, n);
		}
	free(read);
}

/* One pattern from p to e, each parent node nested in another (one
 * with children of its own) written as a wildcard whose kind a
 * predicate of quire's checks instead:
 *   (call_expression function: (member_expression property: (x) @f))
 * becomes
 *   ((call_expression function: (_ property: (x) @f) @quire.k0)
 *    (#quire-kind? @quire.k0 "member_expression"))
 * The same nodes match, but ts_query_new leaves wildcard parents out
 * of its analysis of the grammar's parse table, which for a node built
 * in as many states as a member expression is most of what a pattern
 * costs to compile: a query of rust 205 M instructions to 111, tsx 162
 * to 111, yaml 50 to 20.  The pattern's root stays as written: a
 * wildcard there would be tried at every node of every tree, which
 * costs more in matching than it saves in compiling.  A nested node
 * with a quantifier after it stays too (its captures would repeat). */
#define HL_KINDS 8
static void
put_unanalysed(const TSLanguage *lang, struct buf *out, const char *p,
    const char *e)
{
	struct { const char *name, *at, *close; size_t len; } k[HL_KINDS];
	size_t n = 0;

	/* open: per bracket the scan is inside, whether it opened a named
	 * node; named: how many of those (the root is the first). */
	unsigned char open[64];
	unsigned depth = 0, named = 0;

	for (const char *q = p, *t; q < e && n < HL_KINDS;) {
		const char *nm, *ne, *f, *close, *after;
		TSSymbol sym;
		int isnamed;

		if ((t = past_text(q, e)) != q) {
			q = t;
			continue;
		}
		if (*q == ')' || *q == ']') {
			if (depth > 0 && --depth < sizeof(open) && open[depth])
				named--;
			q++;
			continue;
		}
		if (*q != '(' && *q != '[') {
			q++;
			continue;
		}
		nm = skip_blank(q + 1, e);
		ne = *q == '(' ? node_name(nm, e) : NULL;
		isnamed = ne != NULL && depth < sizeof(open);
		if (depth < sizeof(open))
			open[depth] = (unsigned char)isnamed;
		depth++;
		q++;
		if (!isnamed || (named += isnamed) == 1)
			continue;
		if ((f = skip_blank(ne, e)) == e || *f == ')')
			continue;  /* no child: not analysed */
		sym = ts_language_symbol_for_name(lang, nm, (uint32_t)(ne - nm),
		    true);
		if (sym == 0 ||
		    ts_language_symbol_type(lang, sym) != TSSymbolTypeRegular)
			continue;
		close = node_end(q - 1, e);
		after = skip_blank(close, e);
		if (after < e && (*after == '*' || *after == '+' || *after == '?'))
			continue;
		k[n].name = k[n].at = nm;
		k[n].len = (size_t)(ne - nm);
		k[n++].close = close;
	}
	if (n == 0) {
		buf_put(out, p, (size_t)(e - p));
		buf_puts(out, "\n");
		return;
	}
	buf_putc(out, '(');
	for (const char *q = p; q < e;) {
		const char *next = e;
		size_t w = 0;
		int isat = 0;

		for (size_t i = 0; i < n; i++) {
			if (k[i].at >= q && k[i].at < next) {
				next = k[i].at;
				w = i;
				isat = 1;
			}
			if (k[i].close >= q && k[i].close < next) {
				next = k[i].close;
				w = i;
				isat = 0;
			}
		}
		buf_put(out, q, (size_t)(next - q));
		if (next == e)
			break;
		if (isat) {
			buf_putc(out, '_');
			q = next + k[w].len;
			k[w].at = NULL;
		} else {
			buf_printf(out, " @quire.k%zu ", w);
			q = next;
			k[w].close = NULL;
		}
	}
	for (size_t i = 0; i < n; i++)
		buf_printf(out, " (#quire-kind? @quire.k%zu \"%.*s\")", i,
		    (int)k[i].len, k[i].name);
	buf_puts(out, ")\n");
}

/* The query src, every pattern as put_unanalysed writes it, into un. */
static void
unanalysed_source(const TSLanguage *lang, const struct buf *src,
    struct buf *un)
{
	const char *end;

	*un = (struct buf){ 0 };
	if (src->len == 0)
		return;
	end = src->data + src->len;
	for (const char *p = skip_blank(src->data, end), *e; p < end;
	    p = skip_blank(e, end)) {
		e = pattern_end(p, end);
		put_unanalysed(lang, un, p, e);
	}
}

/* Compiles a grammar's query, under its lock. */
static void
grammar_init(struct grammar *g)
{
	struct buf src = { 0 }, un;
	uint32_t off, ncap;
	TSQueryError err;

	query_source(g, &src);
	/* Nested parents unanalysed (form 0); as cut, if that does not
	 * compile (1); then whole (2).  A unit test wants 0 of each. */
	unanalysed_source(g->lang(), &src, &un);
	if ((g->query = ts_query_new(g->lang(), un.data, (uint32_t)un.len,
	    &off, &err)) != NULL) {
		free(src.data);
		src = un;
	} else {
		free(un.data);
		g->form = 1;
		g->query = ts_query_new(g->lang(), src.data,
		    (uint32_t)src.len, &off, &err);
	}
	if (g->query == NULL) {
		/* Cut wrong: the whole query, as written. */
		g->form = 2;
		src.len = 0;
		for (size_t i = 0; i < 3 && g->parts[i]; i++) {
			buf_puts(&src, g->parts[i]);
			buf_puts(&src, "\n");
		}
		g->query = ts_query_new(g->lang(), src.data,
		    (uint32_t)src.len, &off, &err);
	}
	if (g->query == NULL) {
		free(src.data);
		return;
	}
	ncap = ts_query_capture_count(g->query);
	g->classes = xcalloc(ncap ? ncap : 1, sizeof(*g->classes));
	for (uint32_t i = 0; i < ncap; i++) {
		uint32_t len;
		const char *name = ts_query_capture_name_for_id(g->query, i,
		    &len);

		g->classes[i] = class_for(name, len);
	}
	read_preds(g);
	prune(g, src.data, src.len);
	free(src.data);
}

static TSQuery *
grammar_query(struct grammar *g)
{
	TSQuery *q;

	/* Once, whichever rendering thread comes first. */
	pthread_mutex_lock(&g->lock);
	if (!g->inited) {
		grammar_init(g);
		g->inited = 1;
	}
	q = g->query;
	pthread_mutex_unlock(&g->lock);
	return q;
}

int
highlight_query_form(const char *lang)
{
	struct grammar *g = find_grammar(lang);

	return g && grammar_query(g) ? g->form : -1;
}

static int
node_eq(const char *code, TSNode a, const char *s, size_t n)
{
	uint32_t b = ts_node_start_byte(a), e = ts_node_end_byte(a);

	return e - b == n && memcmp(code + b, s, n) == 0;
}

static const TSQueryCapture *
capture_of(const TSQueryMatch *m, uint32_t id)
{
	for (uint16_t i = 0; i < m->capture_count; i++)
		if (m->captures[i].index == id)
			return &m->captures[i];
	return NULL;
}

static int
preds_hold(const struct grammar *g, const TSQueryMatch *m,
    const char *code, pcre2_match_data *md)
{
	uint32_t end = g->pred_at[m->pattern_index + 1];

	for (uint32_t i = g->pred_at[m->pattern_index]; i < end; i++) {
		const struct pred *p = &g->preds[i];
		const TSQueryCapture *c, *o;
		uint32_t b, e;
		int ok = 0;

		if ((c = capture_of(m, p->capture)) == NULL)
			continue;
		b = ts_node_start_byte(c->node);
		e = ts_node_end_byte(c->node);
		switch (p->kind) {
		case P_EQ_STR:
			ok = node_eq(code, c->node, p->str, p->len);
			break;
		case P_EQ_CAP:
			if ((o = capture_of(m, p->other)) == NULL)
				continue;
			ok = node_eq(code, c->node, code +
			    ts_node_start_byte(o->node),
			    ts_node_end_byte(o->node) -
			    ts_node_start_byte(o->node));
			break;
		case P_MATCH:
			ok = pcre2_match(p->re, (PCRE2_SPTR)code + b, e - b, 0,
			    0, md, NULL) >= 0;
			break;
		case P_KIND:
			ok = ts_node_symbol(c->node) == p->sym;
			break;
		case P_ANY:
			for (uint32_t k = 0; k < p->nany && !ok; k++)
				ok = node_eq(code, c->node, p->any[k],
				    p->anylen[k]);
			break;
		}
		if (ok == p->negate)
			return 0;
	}
	return 1;
}

struct cap {
	uint32_t start, end, rank;
	const char *cls;
};

/* Outer tokens first; of two patterns naming the same node, the one
 * of lower rank wins.  Most queries go from the general ("every
 * identifier is a variable") to the particular ("one called is a
 * function"): the last written wins, as Neovim reads them; a few go the
 * other way, as tree-sitter's own highlighter reads them (FIRST). */
static int
cmp_cap(const void *x, const void *y)
{
	const struct cap *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end > b->end ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return 0;
}

/* The SQL grammar's scanner (@derekstride/tree-sitter-sql 0.3.x) drops
 * the string it keeps for a $$-quoted body each time the parser restores
 * its state, without freeing it.  CMake builds that scanner with malloc
 * and free renamed to these, which keep its blocks in a list per thread;
 * what is left once a block is parsed is freed. */
union scanner_blk {
	struct {
		union scanner_blk *prev, *next;
	} l;
	max_align_t align;
};
static _Thread_local union scanner_blk *scanner_live;

void *hl_scanner_malloc(size_t);
void hl_scanner_free(void *);

void *
hl_scanner_malloc(size_t n)
{
	union scanner_blk *b = xmalloc(sizeof(*b) + n);

	b->l.prev = NULL;
	b->l.next = scanner_live;
	if (scanner_live)
		scanner_live->l.prev = b;
	scanner_live = b;
	return b + 1;
}

void
hl_scanner_free(void *p)
{
	union scanner_blk *b;

	if (p == NULL)
		return;
	b = (union scanner_blk *)p - 1;
	if (b->l.prev)
		b->l.prev->l.next = b->l.next;
	else
		scanner_live = b->l.next;
	if (b->l.next)
		b->l.next->l.prev = b->l.prev;
	free(b);
}

static void
scanner_release(void)
{
	while (scanner_live)
		hl_scanner_free(scanner_live + 1);
}

/* Whether the tree has a node deeper than max or a wide error, in one
 * walk without recursion.  Only a tree with an error has error nodes:
 * the others' nodes are not looked at, only gone through.  Kept a
 * function of its own, by name, for bench/run.sh --count's table. */
static __attribute__((noinline, noclone)) int
too_deep(TSNode root, unsigned max)
{
	TSTreeCursor c = ts_tree_cursor_new(root);
	unsigned d = 0;
	int deep = 0, errors = ts_node_has_error(root);

	for (;;) {
		if (errors) {
			TSNode n = ts_tree_cursor_current_node(&c);

			if (ts_node_symbol(n) == HL_SYM_ERROR &&
			    ts_node_child_count(n) > HL_MAX_ERROR) {
				deep = 1;
				break;
			}
		}
		if (ts_tree_cursor_goto_first_child(&c)) {
			if (++d > max) {
				deep = 1;
				break;
			}
			continue;
		}
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (!ts_tree_cursor_goto_parent(&c))
				goto out;
			d--;
		}
	}
out:
	ts_tree_cursor_delete(&c);
	return deep;
}

/* What one thread keeps from block to block: a parser (with the
 * language it was last given), a query cursor, PCRE2's match data and
 * the captures' array.  Freed when the thread ends, or by
 * highlight_cleanup for the thread that calls it. */
struct hl_thread {
	TSParser *parser;
	const TSLanguage *lang;
	TSQueryCursor *cur;
	pcre2_match_data *md;
	struct cap *caps;
	size_t capcap;
};

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void
thread_free(void *p)
{
	struct hl_thread *t = p;

	if (t == NULL)
		return;
	if (t->parser)
		ts_parser_delete(t->parser);
	if (t->cur)
		ts_query_cursor_delete(t->cur);
	pcre2_match_data_free(t->md);
	free(t->caps);
	free(t);
}

static void
thread_key_make(void)
{
	if (pthread_key_create(&thread_key, thread_free) != 0)
		abort();
}

static struct hl_thread *
thread_state(void)
{
	struct hl_thread *t;

	pthread_once(&thread_once, thread_key_make);
	if ((t = pthread_getspecific(thread_key)) != NULL)
		return t;
	t = xcalloc(1, sizeof(*t));
	t->parser = ts_parser_new();
	t->cur = ts_query_cursor_new();
	t->md = pcre2_match_data_create(16, NULL);
	if (t->md == NULL)
		abort();
	pthread_setspecific(thread_key, t);
	return t;
}

/* The block's tree, by the thread's parser set to g's language. */
static TSTree *
parse(struct hl_thread *t, struct grammar *g, const char *code,
    size_t len)
{
	const TSLanguage *lang = g->lang();
	TSTree *tree;

	if (t->lang != lang) {
		if (!ts_parser_set_language(t->parser, lang)) {
			t->lang = NULL;
			return NULL;
		}
		t->lang = lang;
	}
	tree = ts_parser_parse_string(t->parser, NULL, code, (uint32_t)len);
	if (g->flags & LEAKS) {
		/* Its scanner's state goes with the language, before what
		 * the scanner lost is freed. */
		ts_parser_set_language(t->parser, NULL);
		t->lang = NULL;
		scanner_release();
	}
	return tree;
}

static int
highlight_fresh(struct grammar *g, TSQuery *q, const char *code, size_t len,
    struct hl_span **spans, size_t *nspans)
{
	struct hl_thread *t;
	TSTree *tree;
	TSQueryMatch m;
	struct cap *caps;
	size_t ncaps = 0, n = 0;
	uint32_t done = 0;
	char *padded;

	/* PCRE2's JIT (#match? predicates) reads whole words, some bytes
	 * past the end of what it matches: zeros there, not whatever the
	 * caller's buffer held after the block (valgrind reports it). */
	padded = xcalloc(len + HL_PAD, 1);
	memcpy(padded, code, len);
	code = padded;
	t = thread_state();
	if ((tree = parse(t, g, code, len)) == NULL) {
		free(padded);
		return -1;
	}
	if (too_deep(ts_tree_root_node(tree), HL_MAX_DEPTH)) {
		ts_tree_delete(tree);
		free(padded);
		return -1;
	}
	ts_query_cursor_exec(t->cur, q, ts_tree_root_node(tree));
	while (ts_query_cursor_next_match(t->cur, &m)) {
		if (!preds_hold(g, &m, code, t->md))
			continue;
		for (uint16_t i = 0; i < m.capture_count; i++) {
			const char *cls = g->classes[m.captures[i].index];
			TSNode nd = m.captures[i].node;
			uint32_t b, e;

			if (cls == NULL)
				continue;
			b = ts_node_start_byte(nd);
			e = ts_node_end_byte(nd);
			if (e <= b)
				continue;
			if (ncaps == t->capcap) {
				t->capcap = t->capcap ? 2 * t->capcap : 256;
				t->caps = xreallocarray(t->caps, t->capcap,
				    sizeof(*t->caps));
			}
			t->caps[ncaps].start = b;
			t->caps[ncaps].end = e;
			t->caps[ncaps].rank = (g->flags & FIRST) ?
			    m.pattern_index : UINT32_MAX - m.pattern_index;
			t->caps[ncaps++].cls = cls;
		}
	}
	ts_tree_delete(tree);
	free(padded);
	caps = t->caps;
	if (ncaps > 0)
		qsort(caps, ncaps, sizeof(*caps), cmp_cap);
	for (size_t i = 0; i < ncaps; i++) {
		if (caps[i].start < done || caps[i].end > len)
			continue;
		/* println and its ! are one token to the reader. */
		if (n > 0 && (*spans)[n - 1].end == caps[i].start &&
		    (*spans)[n - 1].cls == caps[i].cls) {
			(*spans)[n - 1].end = done = caps[i].end;
			continue;
		}
		GROW(*spans, n);
		(*spans)[n].start = caps[i].start;
		(*spans)[n].end = caps[i].end;
		(*spans)[n++].cls = caps[i].cls;
		done = caps[i].end;
	}
	*nspans = n;
	return 0;
}

/* The memo of a warm process (quire watch): a block's tokens are a
 * function of its grammar and its bytes alone, so a rebuild takes those
 * of every block it has seen from here rather than parsing and querying
 * again.  Keyed by the grammar's index and the block's bytes, compared
 * whole (GLib's byte-string table); what the last build did not use
 * goes at the start of the next; MEMO_MAX bytes at the most. */
#define MEMO_MAX ((size_t)64 << 20)
struct memo {
	struct hl_span *spans;
	size_t n, bytes;
	unsigned gen;
};
static struct {
	pthread_mutex_t lock;
	GHashTable *t;       /* GBytes * -> struct memo * */
	unsigned gen;
	size_t bytes;
} memo = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

static void
memo_free(void *p)
{
	struct memo *m = p;

	free(m->spans);
	free(m);
}

static gboolean
memo_stale(void *key, void *value, void *arg)
{
	struct memo *m = value;

	(void)key;
	(void)arg;
	if (m->gen + 1 >= memo.gen)
		return FALSE;
	memo.bytes -= m->bytes;
	return TRUE;
}

void
highlight_memo(int on)
{
	pthread_mutex_lock(&memo.lock);
	if (on && memo.t == NULL)
		memo.t = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
		    (GDestroyNotify)g_bytes_unref, memo_free);
	else if (!on && memo.t) {
		g_hash_table_destroy(memo.t);
		memo.t = NULL;
		memo.bytes = 0;
	}
	if (memo.t) {
		memo.gen++;
		g_hash_table_foreach_remove(memo.t, memo_stale, NULL);
	}
	pthread_mutex_unlock(&memo.lock);
}

/* The key: the grammar's index, then the block's bytes. */
static GBytes *
memo_key(const struct grammar *g, const char *code, size_t len)
{
	unsigned char *k = xmalloc(len + 1);

	k[0] = (unsigned char)(g - grammars);
	memcpy(k + 1, code, len);
	return g_bytes_new_take(k, len + 1);
}

int
highlight(const char *lang, const char *code, size_t len,
    struct hl_span **spans, size_t *nspans)
{
	struct grammar *g = find_grammar(lang);
	TSQuery *q;
	GBytes *key = NULL;
	struct memo *m;
	int rc;

	*spans = NULL;
	*nspans = 0;
	if (g == NULL || len == 0 || len > HL_MAX_BYTES ||
	    (q = grammar_query(g)) == NULL)
		return -1;
	pthread_mutex_lock(&memo.lock);
	if (memo.t) {
		key = memo_key(g, code, len);
		if ((m = g_hash_table_lookup(memo.t, key)) != NULL) {
			m->gen = memo.gen;
			*nspans = m->n;
			if (m->n) {
				*spans = xreallocarray(NULL, m->n,
				    sizeof(**spans));
				memcpy(*spans, m->spans, m->n *
				    sizeof(**spans));
			}
			pthread_mutex_unlock(&memo.lock);
			g_bytes_unref(key);
			return 0;
		}
	}
	pthread_mutex_unlock(&memo.lock);
	rc = highlight_fresh(g, q, code, len, spans, nspans);
	if (key == NULL)
		return rc;
	pthread_mutex_lock(&memo.lock);
	if (rc == 0 && memo.t && memo.bytes < MEMO_MAX &&
	    !g_hash_table_contains(memo.t, key)) {
		m = xmalloc(sizeof(*m));
		m->n = *nspans;
		m->spans = NULL;
		if (m->n) {
			m->spans = xreallocarray(NULL, m->n, sizeof(*m->spans));
			memcpy(m->spans, *spans, m->n * sizeof(*m->spans));
		}
		m->bytes = len + 1 + m->n * sizeof(*m->spans) + 64;
		m->gen = memo.gen;
		memo.bytes += m->bytes;
		g_hash_table_insert(memo.t, key, m);
		key = NULL;
	}
	pthread_mutex_unlock(&memo.lock);
	if (key)
		g_bytes_unref(key);
	return rc;
}

/* The language of <code class="language-x">, or NULL. */
static char *
code_lang(xmlNode *code)
{
	xmlChar *cls = xmlGetProp(code, BAD_CAST "class");
	char *lang = NULL, *p;

	if (cls == NULL)
		return NULL;
	for (p = strtok((char *)cls, " \t\n"); p; p = strtok(NULL, " \t\n"))
		if (strncmp(p, "language-", 9) == 0 && p[9] != '\0') {
			lang = xstrdup(p + 9);
			break;
		}
	xmlFree(cls);
	return lang;
}

/* Replaces the text of one <code> by spans, if its language is known
 * and it holds only text. */
static void
highlight_code(xmlNode *code)
{
	struct hl_span *sp;
	size_t nsp, at = 0;
	char *lang = code_lang(code);
	xmlChar *text;
	size_t len;
	xmlNode *k;

	if (lang == NULL || find_grammar(lang) == NULL) {
		free(lang);
		return;
	}
	for (k = code->children; k; k = k->next)
		if (k->type != XML_TEXT_NODE) {
			free(lang);
			return;
		}
	text = xmlNodeGetContent(code);
	len = text ? strlen((char *)text) : 0;
	if (highlight(lang, (char *)text, len, &sp, &nsp) == 0 && nsp > 0) {
		while ((k = code->children) != NULL) {
			xmlUnlinkNode(k);
			xmlFreeNode(k);
		}
		for (size_t i = 0; i < nsp; i++) {
			xmlNode *s;

			if (sp[i].start > at)
				xmlAddChild(code, xmlNewDocTextLen(code->doc,
				    text + at, (int)(sp[i].start - at)));
			s = xmlNewDocNode(code->doc, code->ns,
			    BAD_CAST "span", NULL);
			xmlAddChild(s, xmlNewDocTextLen(code->doc,
			    text + sp[i].start,
			    (int)(sp[i].end - sp[i].start)));
			xmlNewProp(s, BAD_CAST "class", BAD_CAST sp[i].cls);
			xmlAddChild(code, s);
			at = sp[i].end;
		}
		if (at < len)
			xmlAddChild(code, xmlNewDocTextLen(code->doc, text + at,
			    (int)(len - at)));
	}
	free(sp);
	xmlFree(text);
	free(lang);
}

/* Every <pre><code class="language-x"> under root, walked without
 * recursion (the tree's depth is the input's). */
void
highlight_tree(xmlNode *root)
{
	xmlNode *n = root;

	while (n) {
		if (n->type == XML_ELEMENT_NODE && is_el(n, "pre")) {
			for (xmlNode *k = n->children; k; k = k->next)
				if (k->type == XML_ELEMENT_NODE &&
				    is_el(k, "code"))
					highlight_code(k);
		} else if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && n != root && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
}

/* The compiled queries and this thread's parser, at exit (valgrind
 * counts them otherwise). */
void
highlight_cleanup(void)
{
	highlight_memo(0);
	pthread_once(&thread_once, thread_key_make);
	thread_free(pthread_getspecific(thread_key));
	pthread_setspecific(thread_key, NULL);
	for (size_t i = 0; i < sizeof(grammars) / sizeof(grammars[0]); i++) {
		struct grammar *g = &grammars[i];

		for (size_t k = 0; k < g->npreds; k++) {
			pcre2_code_free(g->preds[k].re);
			free(g->preds[k].any);
			free(g->preds[k].anylen);
		}
		free(g->preds);
		free(g->pred_at);
		free(g->classes);
		if (g->query)
			ts_query_delete(g->query);
		g->preds = NULL;
		g->pred_at = NULL;
		g->classes = NULL;
		g->npreds = 0;
		g->query = NULL;
		g->inited = 0;
		g->form = 0;
	}
}
