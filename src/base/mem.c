/* Allocation that aborts on exhaustion, growable byte buffers and string
 * vectors: the only place in quire that checks for NULL from malloc. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

static void (*volatile on_exhaust)(void);

void
mem_on_exhaust(void (*fn)(void))
{
	on_exhaust = fn;
}

/* Out of memory: what the layers above asked for done (no temporary
 * output left behind), the system status. */
static void
oom(void)
{
	static const char msg[] = "quire: error: out of memory\n";
	void (*fn)(void) = on_exhaust;

	if (fn)
		fn();
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(QUIRE_ESYSTEM);
	_exit(QUIRE_ESYSTEM);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		oom();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Whether fmt has no conversions but %s, %d, %zu and %%. */
static int
simple_fmt(const char *fmt)
{
	for (const char *p = fmt; (p = strchr(p, '%')) != NULL; p++) {
		p++;
		if (*p == 's' || *p == 'd' || *p == '%')
			continue;
		if (p[0] == 'z' && p[1] == 'u') {
			p++;
			continue;
		}
		return 0;
	}
	return 1;
}

/* The decimal digits of v, ending at end; where they start. */
static char *
udigits(char *end, unsigned long long v)
{
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

char *
dec_digits(char *end, long long v)
{
	if (v >= 0)
		return udigits(end, (unsigned long long)v);
	end = udigits(end, 0ULL - (unsigned long long)v);
	*--end = '-';
	return end;
}

/* fmt (simple_fmt()) written to out, or only measured when out is NULL;
 * its length. */
static size_t
simple_put(char *out, const char *fmt, va_list ap)
{
	size_t n = 0;

	for (const char *p = fmt; *p; p++) {
		char num[24], *d = NULL;
		const char *s;
		size_t k;

		if (*p != '%' || p[1] == '%') {
			if (out)
				out[n] = *p;
			n++;
			p += *p == '%';
			continue;
		}
		p++;
		if (*p == 's') {
			if ((s = va_arg(ap, const char *)) == NULL)
				s = "(null)";
		} else if (*p == 'd') {
			s = d = dec_digits(num + sizeof(num), va_arg(ap, int));
		} else {
			p++;  /* %zu */
			s = d = udigits(num + sizeof(num), va_arg(ap, size_t));
		}
		k = d ? (size_t)(num + sizeof(num) - d) : strlen(s);
		if (out)
			memcpy(out + n, s, k);
		n += k;
	}
	if (out)
		out[n] = '\0';
	return n;
}

/* A format of only %s, %d and %zu is joined here, measured then
 * written; any other formatted once into a buffer on the stack, which
 * most strings fit (formatting is the cost), and a second time only
 * when it did not. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p, small[256];
	int n;

	if (simple_fmt(fmt)) {
		va_list aq;
		size_t len;

		va_start(ap, fmt);
		va_copy(aq, ap);
		len = simple_put(NULL, fmt, ap);
		p = xmalloc(len + 1);
		simple_put(p, fmt, aq);
		va_end(aq);
		va_end(ap);
		return p;
	}
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	p = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof(small)) {
		memcpy(p, small, (size_t)n + 1);
		return p;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
buf_grow(struct buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;

	if (want <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < want)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
	b->data[b->len] = '\0';
}

void
buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Straight into the room the buffer has, if enough; else again
	 * once it has grown. */
	buf_grow(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* Hands the bytes to the caller (never NULL) and empties the buffer. */
char *
buf_take(struct buf *b)
{
	char *p;

	if (b->data == NULL)
		return xstrdup("");
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
strv_push(struct strv *v, char *s)
{
	GROW(v->v, v->n);
	v->v[v->n++] = s;
}

void
strv_free(struct strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}
