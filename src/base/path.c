/* Paths relative to the content root: joining, resolving "." and "..",
 * refusing anything that would leave the root, and safe file names. */
#include <sys/stat.h>

#include <errno.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

char *
path_join(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (*b == '\0')
		return xstrdup(n ? a : ".");
	if (n == 0 || strcmp(a, ".") == 0)
		return xstrdup(b);
	return xasprintf("%s%s%s", a, a[n - 1] == '/' ? "" : "/", b);
}

char *
path_dirname(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? xstrndup(p, (size_t)(s - p)) : xstrdup("");
}

const char *
path_basename(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int
path_has_ext(const char *p, const char *ext)
{
	size_t n = strlen(p), e = strlen(ext);

	return n > e && strcasecmp(p + n - e, ext) == 0;
}

char *
path_resolve(const char *base, const char *rel)
{
	struct strv parts = { 0 };
	struct buf out = { 0 };
	char *dir, *all, *tok, *save = NULL;

	if (rel[0] == '/')
		return NULL;
	dir = path_dirname(base);
	all = path_join(dir, rel);
	free(dir);
	for (tok = strtok_r(all, "/", &save); tok;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (parts.n == 0) {
				strv_free(&parts);
				free(all);
				return NULL;
			}
			free(parts.v[--parts.n]);
			continue;
		}
		strv_push(&parts, xstrdup(tok));
	}
	for (size_t i = 0; i < parts.n; i++) {
		if (i)
			buf_putc(&out, '/');
		buf_puts(&out, parts.v[i]);
	}
	strv_free(&parts);
	free(all);
	return buf_take(&out);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
url_decode(const char *s, size_t n)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			i += 2;
		}
		if (c == 0) {
			buf_free(&b);
			return NULL;
		}
		buf_putc(&b, (char)c);
	}
	return buf_take(&b);
}

char *
safe_name(const char *s, const char *fallback)
{
	struct buf b = { 0 };
	int dash = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) && c < 128) {
			buf_putc(&b, (char)tolower(c));
			dash = 0;
		} else if ((c == '_' || c == '.') && b.len) {
			buf_putc(&b, (char)c);
			dash = 0;
		} else if (!dash && b.len) {
			buf_putc(&b, '-');
			dash = 1;
		}
	}
	while (b.len && (b.data[b.len - 1] == '-' ||
	    b.data[b.len - 1] == '.'))
		b.data[--b.len] = '\0';
	if (b.len == 0) {
		buf_free(&b);
		return xstrdup(fallback);
	}
	return buf_take(&b);
}

/* Whether s starts with a URL scheme (http:, data:...) or is
 * protocol-relative (//host/...): not a path in the content folder. */
int
url_is_remote(const char *s)
{
	const char *p = s;

	if (p[0] == '/' && p[1] == '/')
		return 1;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.')
		p++;
	return *p == ':';
}

int
mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0777) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}
