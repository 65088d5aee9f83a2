/* Text helpers: UTF-8 checks, XML-safe text, GitHub heading slugs, dates,
 * and SHA-256 (identifiers, de-duplication of images, SHA256SUMS). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <pthread.h>
#include <libdeflate.h>
#include <openssl/evp.h>

#include "base/base.h"

/* Decodes one UTF-8 sequence; returns its length, or 0 if invalid. */
size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static void
utf8_encode(struct buf *b, uint32_t c)
{
	char s[4];

	if (c < 0x80) {
		buf_putc(b, (char)c);
		return;
	}
	if (c < 0x800) {
		s[0] = (char)(0xc0 | (c >> 6));
		s[1] = (char)(0x80 | (c & 0x3f));
		buf_put(b, s, 2);
	} else if (c < 0x10000) {
		s[0] = (char)(0xe0 | (c >> 12));
		s[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		s[2] = (char)(0x80 | (c & 0x3f));
		buf_put(b, s, 3);
	} else {
		s[0] = (char)(0xf0 | (c >> 18));
		s[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		s[3] = (char)(0x80 | (c & 0x3f));
		buf_put(b, s, 4);
	}
}

static int
xml_char_ok(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd ||
	    (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	    (c >= 0x10000 && c <= 0x10ffff);
}

/* The length of s's first part that needs no change to be XML text
 * with LF line ends: tabs, line feeds, printable ASCII and valid UTF-8
 * of characters XML allows.  Eight bytes at a time while they are all
 * printable ASCII. */
size_t
xml_clean_span(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	size_t i = 0, k, stop;
	uint32_t c;

	while (i < n) {
		uint64_t w;

		if (n - i >= 8) {
			memcpy(&w, u + i, 8);
			/* A byte under 0x20 borrows into its high bit. */
			if ((((w - 0x20 * ones) | w) & high) == 0) {
				i += 8;
				continue;
			}
		}
		/* These eight one at a time. */
		for (stop = n - i > 8 ? i + 8 : n; i < stop; i += k) {
			k = 1;
			if ((u[i] >= 0x20 && u[i] < 0x80) || u[i] == '\n' ||
			    u[i] == '\t')
				continue;
			if (u[i] < 0x80 || (k = utf8_decode(u + i, n - i,
			    &c)) == 0 || !xml_char_ok(c))
				return i;
		}
	}
	return i;
}

/* A copy of s in which every byte sequence XML cannot carry (bad UTF-8,
 * control characters, U+FFFE...) is U+FFFD. */
char *
xml_clean(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	struct buf b = { 0 };
	size_t i = 0, k;
	uint32_t c;

	buf_grow(&b, n);
	i = xml_clean_span(s, n);
	buf_put(&b, u, i);
	while (i < n) {
		/* Runs of printable ASCII are copied as they are. */
		size_t run = i;
		while (run < n && ((u[run] >= 0x20 && u[run] < 0x7f) ||
		    u[run] == '\n' || u[run] == '\t' || u[run] == '\r'))
			run++;
		if (run > i) {
			buf_put(&b, u + i, run - i);
			i = run;
			continue;
		}
		if ((k = utf8_decode(u + i, n - i, &c)) == 0) {
			utf8_encode(&b, 0xfffd);
			i++;
			while (i < n && (u[i] & 0xc0) == 0x80)
				i++;
			continue;
		}
		if (xml_char_ok(c))
			buf_put(&b, u + i, k);
		else
			utf8_encode(&b, 0xfffd);
		i += k;
	}
	return buf_take(&b);
}

static locale_t utf8_loc;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void
utf8_locale_init(void)
{
	utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8_loc == (locale_t)0)
		utf8_loc = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
}

/* Made once, whichever thread asks first (essays render in parallel). */
static locale_t
utf8_locale(void)
{
	pthread_once(&utf8_once, utf8_locale_init);
	return utf8_loc;
}

/* GitHub's heading anchors: lowercase, letters of every script, digits,
 * '-', '_' and spaces kept, spaces become '-', everything else dropped.
 * The classification uses C.UTF-8 whatever the user's locale. */
char *
slug_github(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	locale_t loc = utf8_locale();
	struct buf b = { 0 };
	uint32_t c;

	while (i < n) {
		if ((k = utf8_decode(u + i, n - i, &c)) == 0) {
			i++;
			continue;
		}
		i += k;
		if (c == ' ')
			buf_putc(&b, '-');
		else if (c == '-' || c == '_')
			buf_putc(&b, (char)c);
		else if (c < 128) {
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				buf_putc(&b, (char)c);
			else if (c >= 'A' && c <= 'Z')
				buf_putc(&b, (char)(c - 'A' + 'a'));
		} else if (iswalnum_l((wint_t)c, loc))
			utf8_encode(&b, (uint32_t)towlower_l((wint_t)c, loc));
		else if (c >= 0x300 && c <= 0x36f)
			utf8_encode(&b, c);  /* combining marks stay */
	}
	return buf_take(&b);
}

static int
digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
date_valid(const char *s)
{
	size_t n = strlen(s);
	int m, d;

	if (n < 4 || !digits(s, 4))
		return 0;
	if (n == 4)
		return 1;
	if (s[4] != '-' || n < 7 || !digits(s + 5, 2))
		return 0;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	if (m < 1 || m > 12)
		return 0;
	if (n == 7)
		return 1;
	if (n != 10 || s[7] != '-' || !digits(s + 8, 2))
		return 0;
	d = (s[8] - '0') * 10 + (s[9] - '0');
	return d >= 1 && d <= 31;
}

char *
date_human(const char *s)
{
	static const char *const months[] = { "January", "February", "March",
	    "April", "May", "June", "July", "August", "September", "October",
	    "November", "December" };
	size_t n = strlen(s);

	if (!date_valid(s) || n == 4)
		return xstrdup(s);
	if (n == 7)
		return xasprintf("%s %.4s", months[atoi(s + 5) - 1], s);
	return xasprintf("%d %s %.4s", atoi(s + 8), months[atoi(s + 5) - 1],
	    s);
}

/* SHA-256 from OpenSSL's libcrypto, which uses the processor's SHA
 * instructions where it has them.  The digest is fetched once. */
static EVP_MD *sha_md;
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;

static void
sha_fetch(void)
{
	sha_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
sha_get(void)
{
	pthread_once(&sha_once, sha_fetch);
	if (sha_md == NULL)
		abort();
	return sha_md;
}

void
sha256_init(struct sha256 *c)
{
	if ((c->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c->ctx, sha_get(), NULL) != 1)
		abort();
}

void
sha256_update(struct sha256 *c, const void *data, size_t n)
{
	if (EVP_DigestUpdate(c->ctx, data, n) != 1)
		abort();
}

/* Also frees the context. */
void
sha256_final(struct sha256 *c, unsigned char out[32])
{
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(c->ctx, out, &len) != 1 || len != 32)
		abort();
	EVP_MD_CTX_free(c->ctx);
	c->ctx = NULL;
}

void
sha256(const void *data, size_t n, unsigned char out[32])
{
	unsigned int len = 0;

	if (EVP_Digest(data, n, out, &len, sha_get(), NULL) != 1 || len != 32)
		abort();
}

void
sha256_cleanup(void)
{
	EVP_MD_free(sha_md);
	sha_md = NULL;
}

void
sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char h[32];

	sha256(data, n, h);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

char *
base64(const unsigned char *p, size_t n)
{
	char *out = xmalloc((n + 2) / 3 * 4 + 1);
	size_t done = 0;

	/* OpenSSL's encoder, in pieces that an int counts. */
	for (size_t i = 0; i < n; i += 3u << 20) {
		size_t k = n - i < 3u << 20 ? n - i : 3u << 20;

		done += (size_t)EVP_EncodeBlock((unsigned char *)out + done,
		    p + i, (int)k);
	}
	out[done] = '\0';
	return out;
}

char *
uuid_v8(const char *seed)
{
	unsigned char h[32];

	sha256(seed, strlen(seed), h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x80);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	return xasprintf("urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3], h[4],
	    h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
	    h[15]);
}

char *
iso_time(time_t t)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(s);
}

/* Base64 (RFC 4648, as in data: URIs): white space skipped, padding
 * optional; -1 on any other byte. */
int
base64_decode(const char *s, size_t n, unsigned char **out, size_t *len)
{
	unsigned char *o = xmalloc(n / 4 * 3 + 3);
	unsigned v = 0;
	size_t k = 0, m = 0, pad = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned d;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad)
			goto bad;
		if (c >= 'A' && c <= 'Z')
			d = c - 'A';
		else if (c >= 'a' && c <= 'z')
			d = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			d = c - '0' + 52;
		else if (c == '+' || c == '-')
			d = 62;
		else if (c == '/' || c == '_')
			d = 63;
		else
			goto bad;
		v = v << 6 | d;
		if (++k == 4) {
			o[m++] = (unsigned char)(v >> 16);
			o[m++] = (unsigned char)(v >> 8);
			o[m++] = (unsigned char)v;
			v = 0;
			k = 0;
		}
	}
	if (k == 1 || pad > 2)
		goto bad;
	if (k == 2)
		o[m++] = (unsigned char)(v >> 4);
	else if (k == 3) {
		o[m++] = (unsigned char)(v >> 10);
		o[m++] = (unsigned char)(v >> 2);
	}
	*out = o;
	*len = m;
	return 0;
bad:
	free(o);
	return -1;
}

/* Compressors, kept for reuse (one costs a few hundred kilobytes to set
 * up): taken and given back by the threads that deflate essays. */
static struct cached {
	struct libdeflate_compressor *c;
	int level;
} cache[2 * 64];
static size_t ncache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static struct libdeflate_compressor *
compressor_take(int level)
{
	struct libdeflate_compressor *c = NULL;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = ncache; i-- > 0;)
		if (cache[i].level == level) {
			c = cache[i].c;
			cache[i] = cache[--ncache];
			break;
		}
	pthread_mutex_unlock(&cache_lock);
	if (c == NULL && (c = libdeflate_alloc_compressor(level)) == NULL)
		abort();  /* out of memory */
	return c;
}

static void
compressor_give(struct libdeflate_compressor *c, int level)
{
	pthread_mutex_lock(&cache_lock);
	if (ncache < sizeof(cache) / sizeof(*cache)) {
		cache[ncache].c = c;
		cache[ncache++].level = level;
		c = NULL;
	}
	pthread_mutex_unlock(&cache_lock);
	if (c)
		libdeflate_free_compressor(c);
}

void
deflate_cleanup(void)
{
	pthread_mutex_lock(&cache_lock);
	while (ncache > 0)
		libdeflate_free_compressor(cache[--ncache].c);
	pthread_mutex_unlock(&cache_lock);
}

/* Raw deflate (as in zip entries) of n bytes at p, with their CRC-32
 * (taken here unless the caller has it): libdeflate, about twice as fast
 * as zlib for the same size. */
void
deflate_raw(const void *p, size_t n, int level, const uint32_t *crc,
    struct packed *z)
{
	struct libdeflate_compressor *c = compressor_take(level);
	size_t bound = libdeflate_deflate_compress_bound(c, n);

	z->data = xmalloc(bound ? bound : 1);
	z->zlen = libdeflate_deflate_compress(c, p, n, z->data, bound);
	if (z->zlen == 0 && n > 0)
		abort();  /* the output is sized by the bound */
	z->len = n;
	z->crc = crc ? *crc : libdeflate_crc32(0, p, n);
	z->data = xrealloc(z->data, z->zlen ? z->zlen : 1);
	compressor_give(c, level);
}

/* Inflates z into out(arg, bytes, n); -1 if out fails. */
int
inflate_raw(const struct packed *z, int (*out)(void *, const char *, size_t),
    void *arg)
{
	struct libdeflate_decompressor *dc = libdeflate_alloc_decompressor();
	char *plain = xmalloc(z->len ? z->len : 1);
	size_t got = 0;
	int rc;

	if (dc == NULL)
		abort();
	if (libdeflate_deflate_decompress(dc, z->data, z->zlen, plain, z->len,
	    &got) != LIBDEFLATE_SUCCESS || got != z->len)
		abort();  /* our own deflate_raw() output */
	libdeflate_free_decompressor(dc);
	rc = out(arg, plain, z->len);
	free(plain);
	return rc;
}

/* The first n-byte needle in [p, end), or NULL.  Unlike strstr() in a
 * loop, it never looks past the match (AddressSanitizer's strstr()
 * measures the whole haystack on every call: quadratic in a loop). */
const char *
find_bytes(const char *p, const char *end, const char *needle, size_t n)
{
	while (p < end && (p = memchr(p, needle[0], (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= n && memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}
