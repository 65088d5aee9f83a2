/* A small reader over libyaml for front matter and collection.yaml: a
 * mapping of keys to scalars, lists and mappings, each value with its
 * place, and the checks of a value's type. */
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

/* ---- YAML ---- */



struct fm_rec *
rec_new(struct fm_value *v, int line, int col)
{
	struct fm_rec *r;

	GROW(v->recs, v->nrecs);
	r = &v->recs[v->nrecs++];
	memset(r, 0, sizeof(*r));
	r->line = line;
	r->col = col;
	return r;
}

void
rec_push(struct fm_rec *r, const char *s, int line, int col)
{
	r->at = xreallocarray(r->at, 2 * (r->kv.n + 1), sizeof(*r->at));
	r->at[2 * r->kv.n] = line;
	r->at[2 * r->kv.n + 1] = col;
	strv_push(&r->kv, xstrdup(s));
}

static void
value_clear(struct fm_value *v)
{
	free(v->scalar);
	strv_free(&v->list);
	for (size_t i = 0; i < v->nrecs; i++) {
		strv_free(&v->recs[i].kv);
		free(v->recs[i].at);
	}
	free(v->recs);
	memset(v, 0, sizeof(*v));
}

static int
yaml_is_null(const yaml_event_t *e)
{
	const char *v = (const char *)e->data.scalar.value;

	return e->data.scalar.plain_implicit && (e->data.scalar.length == 0 ||
	    strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0);
}

/* Reads a mapping of keys to scalars, lists of scalars, mappings of
 * scalars or lists of such mappings from the YAML text src, whose first
 * line is line first_line of path.  Aliases are refused rather than
 * expanded, so no input can make it blow up. */
int
yaml_map(struct quire_diag *d, const char *path, int first_line,
    const char *src, size_t len, fm_key_fn fn, void *arg)
{
	yaml_parser_t p;
	yaml_event_t e;
	char *key = NULL;
	int state = 0, depth = 0, rc = 0, done = 0, seq = 0;
	int kline = 0, kcol = 0;
	char *prefix = NULL;  /* the key of a mapping in a mapping value */
	size_t inner = 0;     /* scalars read in that mapping */
	struct fm_value v = { 0 };
	struct loc l = { path, 0, 0 };

	/* state 0: before the mapping; 1: want a key; 2: want its value;
	 * 3: inside a list or mapping value, depth levels down (seq: the
	 * value is a list); 4: after the mapping. */
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)src, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &e)) {
			/* At the end of the input, where the unfinished
			 * construct began says more than where it ended. */
			yaml_mark_t m = p.context && p.problem &&
			    strstr(p.problem, "end of stream") ?
			    p.context_mark : p.problem_mark;
			l.line = first_line + (int)m.line;
			l.col = (int)m.column + 1;
			rc = diag_error(d, &l, "YAML: %s%s%s",
			    p.problem ? p.problem : "syntax error",
			    p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		l.line = first_line + (int)e.start_mark.line;
		l.col = (int)e.start_mark.column + 1;
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_ALIAS_EVENT:
			rc = diag_error(d, &l, "YAML aliases (*%s) are not "
			    "supported", (char *)e.data.alias.anchor);
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (state == 0 && e.type == YAML_MAPPING_START_EVENT)
				state = 1;
			else if (state == 2) {
				seq = e.type == YAML_SEQUENCE_START_EVENT;
				v.kind = seq ? V_LIST : V_MAP;
				v.line = l.line;
				v.col = l.col;
				if (!seq)
					rec_new(&v, l.line, l.col);
				depth = 1;
				state = 3;
			} else if (state == 3) {
				if (depth == 1 && seq && v.kind != V_OTHER &&
				    e.type == YAML_MAPPING_START_EVENT) {
					v.kind = V_RECS;
					rec_new(&v, l.line, l.col);
				} else if (depth == 1 && !seq && v.kind == V_MAP &&
				    e.type == YAML_MAPPING_START_EVENT &&
				    v.recs[0].kv.n % 2 == 1) {
					/* One level more, as dotted keys:
					 * cascade: {params: {x: 1}} has
					 * params.x. */
					struct fm_rec *r = &v.recs[0];
					prefix = r->kv.v[--r->kv.n];
					inner = 0;
				} else
					v.kind = V_OTHER;  /* too deep */
				depth++;
			} else {
				rc = diag_error(d, &l, state == 1 ? "a key must "
				    "be a plain value" : "expected a mapping of "
				    "keys to values");
				done = 1;
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (state == 1) {
				state = 4;
				break;
			}
			if (state != 3 || --depth > 0) {
				if (state == 3 && depth == 1 && prefix) {
					free(prefix);
					prefix = NULL;
				}
				break;
			}
			{
				struct loc vl = { path, v.line, v.col };
				v.kline = kline;
				v.kcol = kcol;
				if (fn(arg, key, &v, &vl) < 0)
					rc = -1;
			}
			free(key);
			key = NULL;
			value_clear(&v);
			state = 1;
			break;
		case YAML_SCALAR_EVENT:
			if (state == 0) {
				if (!yaml_is_null(&e)) {
					rc = diag_error(d, &l, "expected a "
					    "mapping of keys to values, not a "
					    "single value");
					done = 1;
				}
				state = 4;
			} else if (state == 1) {
				key = xstrdup((char *)e.data.scalar.value);
				kline = l.line;
				kcol = l.col;
				state = 2;
			} else if (state == 2) {
				struct loc vl = { path, l.line, l.col };

				v.line = l.line;
				v.col = l.col;
				v.kline = kline;
				v.kcol = kcol;
				if (yaml_is_null(&e))
					v.kind = V_NULL;
				else {
					v.kind = V_SCALAR;
					v.scalar = xstrdup(
					    (char *)e.data.scalar.value);
				}
				if (fn(arg, key, &v, &vl) < 0)
					rc = -1;
				value_clear(&v);
				free(key);
				key = NULL;
				state = 1;
			} else if (state == 3 && v.kind != V_OTHER) {
				const char *s = yaml_is_null(&e) ? "" :
				    (char *)e.data.scalar.value;

				if (depth == 1 && seq) {
					struct fm_rec *r = rec_new(&v, l.line,
					    l.col);
					rec_push(r, "", l.line, l.col);
					rec_push(r, s, l.line, l.col);
					strv_push(&v.list, xstrdup(s));
				} else if (prefix && depth == 2 && inner++ % 2 ==
				    0) {
					char *k = xasprintf("%s.%s", prefix, s);
					rec_push(&v.recs[0], k, l.line, l.col);
					free(k);
				} else if (v.nrecs)
					rec_push(&v.recs[v.nrecs - 1], s, l.line,
					    l.col);
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
	}
	free(key);
	free(prefix);
	value_clear(&v);
	yaml_parser_delete(&p);
	return rc;
}

int
want_string(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, char **dst)
{
	if (v->kind == V_NULL)
		return 0;
	if (v->kind != V_SCALAR)
		return diag_error(d, l, "'%s' must be a single value, not %s",
		    key, v->kind == V_LIST || v->kind == V_RECS ? "a list" :
		    "a mapping");
	free(*dst);
	*dst = xml_clean(v->scalar, strlen(v->scalar));
	/* Only white space: as good as missing (an empty dc:title or
	 * <title> is invalid). */
	if ((*dst)[strspn(*dst, " \t\n\r")] == '\0') {
		free(*dst);
		*dst = NULL;
	}
	return 0;
}

int
want_list(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, struct strv *dst)
{
	if (v->kind == V_NULL)
		return 0;
	if (v->kind == V_OTHER || v->kind == V_MAP || v->kind == V_RECS)
		return diag_error(d, l, "'%s' must be a value or a list of "
		    "values", key);
	strv_free(dst);
	for (size_t i = 0; i < (v->kind == V_SCALAR ? 1 : v->list.n); i++) {
		const char *s = v->kind == V_SCALAR ? v->scalar : v->list.v[i];

		/* Only white space: left out, as in want_string(). */
		if (s[strspn(s, " \t\n\r")] != '\0')
			strv_push(dst, xml_clean(s, strlen(s)));
	}
	return 0;
}

int
want_lang(struct quire_diag *d, const char *key, struct fm_value *v,
    struct loc *l, char **dst)
{
	const char *s;
	int n = 0;

	if (want_string(d, key, v, l, dst) < 0 || *dst == NULL)
		return -1 + (*dst == NULL && v->kind == V_NULL);
	/* BCP 47 shape: letters, then -subtags of letters and digits. */
	for (s = *dst; *s; s++) {
		if (*s == '-') {
			if (n == 0)
				break;
			n = 0;
		} else if (((*s | 32) >= 'a' && (*s | 32) <= 'z') ||
		    (s != *dst && *s >= '0' && *s <= '9'))
			n++;
		else
			break;
		if (n > 8)
			break;
	}
	if (*s || n == 0) {
		free(*dst);
		*dst = NULL;
		return diag_error(d, l, "'%s' is not a language tag such as "
		    "'en' or 'pt-BR'", key);
	}
	return 0;
}
