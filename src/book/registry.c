/* The book's resources: every local image (and data: URI, cover, font)
 * packed once whatever the number of references, its bytes checked (type
 * sniffed, raster bytes decoded far enough, SVG sanitised) and hashed
 * outside the book's lock. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book/book.h"


static const char *
mime_ext(const char *mime)
{
	if (strcmp(mime, "image/png") == 0)
		return ".png";
	if (strcmp(mime, "image/jpeg") == 0)
		return ".jpg";
	if (strcmp(mime, "image/gif") == 0)
		return ".gif";
	return ".svg";
}

#define MAX_IMAGE (64u << 20)  /* as any file read (load.c) */

/* An image's bytes checked as every image is, before they are packed:
 * its type sniffed, raster bytes decoded far enough, an SVG document
 * sanitised; and their SHA-256.  Done outside the book's lock, so that
 * threads check their images at once. */
struct checked {
	char *data;
	size_t len;
	const char *mime;
	unsigned char hash[32];
};

/* Checks data (taken) found at src, shown in messages as shown; -1
 * after a warning. */
static int
image_check(char *data, size_t len, const char *shown, const struct loc *l,
    struct quire_diag *d, struct checked *c)
{
	const char *mime;

	mime = sniff_mime((unsigned char *)data, len);
	if (mime == NULL || strcmp(mime, "image/webp") == 0) {
		diag_warn(d, l, "%s: %s; its alt text is shown instead", shown,
		    mime == NULL ? "not a PNG, JPEG, GIF or SVG image" :
		    "WebP is not an EPUB 3 core media type");
		free(data);
		return -1;
	}
	if (strcmp(mime, "image/svg+xml") == 0) {
		char *clean, *why;
		size_t clen;

		if (san_svg_file((unsigned char *)data, len, &clean, &clen,
		    &why) != 0) {
			diag_warn(d, l, "%s: %s; its alt text is shown instead",
			    shown, why);
			free(why);
			free(data);
			return -1;
		}
		if (why)
			diag_warn(d, l, "%s: %s", shown, why);
		free(why);
		free(data);
		data = clean;
		len = clen;
	} else if (!san_image_ok(mime, (unsigned char *)data, len)) {
		diag_warn(d, l, "%s: a truncated or corrupt %s image; its alt "
		    "text is shown instead", shown, mime + 6);
		free(data);
		return -1;
	}
	c->data = data;
	c->len = len;
	c->mime = mime;
	sha256(data, len, c->hash);
	return 0;
}

static struct resource *pack_hashed(struct book *, const char *, char *,
    size_t, const unsigned char[32], const char *, const char *,
    const char *, const char *);

static struct resource *find_src(struct book *, const char *);

/* The resource for the checked image c (its data taken), found at src (a
 * path relative to the root, or a data: URI's key), under the book's
 * lock: the one another thread packed for src meanwhile, if any.  Its
 * name and id come from its bytes, so they do not depend on which
 * essay, on which thread, met it first. */
static struct resource *
image_pack(struct book *b, const char *src, const char *file,
    const struct stamp *stamp, struct checked *c)
{
	struct resource *r;

	if ((r = find_src(b, src)) != NULL) {
		free(c->data);
		return r;
	}
	r = pack_hashed(b, src, c->data, c->len, c->hash, c->mime, "images",
	    mime_ext(c->mime), "img");
	/* A raster image from a file is read again when it is written:
	 * its bytes are not held until then. */
	if (file && r->data && r->file == NULL &&
	    strcmp(c->mime, "image/svg+xml") != 0) {
		r->file = xstrdup(file);
		free(r->data);
		r->data = NULL;
		if (stamp) {
			r->stamp = *stamp;
			r->stamped = 1;
		}
	}
	return r;
}

/* The indexes of b->res: by src (the first resource of each), by name
 * and by SHA-256 (the resources that are not the same as another),
 * each a resource's address as an idset's number. */
enum { IX_SRC, IX_NAME, IX_HASH };

static struct resource *
ix_get(const struct book *b, int ix, const char *key)
{
	size_t *v = idset_val(&b->res_ix[ix], key);

	return v ? (struct resource *)(uintptr_t)*v : NULL;
}

static void
ix_put(struct book *b, int ix, const char *key, struct resource *r)
{
	if (idset_add(&b->res_ix[ix], key))
		*idset_val(&b->res_ix[ix], key) = (size_t)(uintptr_t)r;
}

static void
hash_key(const unsigned char hash[32], char key[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(key + 2 * i, 3, "%02x", hash[i]);
}

/* Packs data (owned from here on), whose SHA-256 is hash, as the
 * resource for src, named after that hash in folder dir: once per
 * content, so that an earlier resource with the same bytes is what src
 * gets.  ext starts with a dot. */
static struct resource *
pack_hashed(struct book *b, const char *src, char *data, size_t len,
    const unsigned char hash[32], const char *mime, const char *dir,
    const char *ext, const char *idpfx)
{
	struct resource *r;
	char hex[17];

	char key[65];

	r = xcalloc(1, sizeof(*r));
	r->src = xstrdup(src);
	GROW(b->res, b->nres);
	b->res[b->nres++] = r;
	ix_put(b, IX_SRC, src, r);
	hash_key(hash, key);
	if ((r->same = ix_get(b, IX_HASH, key)) != NULL) {
		free(data);
		return r->same;
	}
	ix_put(b, IX_HASH, key, r);
	r->mime = mime;
	r->data = (unsigned char *)data;
	r->len = len;
	memcpy(r->hash, hash, 32);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	r->name = xasprintf("%s/%s%s", dir, hex, ext);
	r->id = xasprintf("%s-%s", idpfx, hex);
	ix_put(b, IX_NAME, r->name, r);
	return r;
}

struct resource *
resource_pack(struct book *b, const char *src, char *data, size_t len,
    const char *mime, const char *dir, const char *ext, const char *idpfx)
{
	unsigned char hash[32];

	sha256(data, len, hash);
	return pack_hashed(b, src, data, len, hash, mime, dir, ext, idpfx);
}

static struct resource *
find_src(struct book *b, const char *src)
{
	struct resource *r = ix_get(b, IX_SRC, src);

	return r && r->same ? r->same : r;
}


/* The resource for an image given as a base64 data: URI, checked as a
 * file is; NULL after a warning. */
struct resource *
resource_add_data(struct book *b, const char *uri, const struct loc *l,
    struct quire_diag *d)
{
	struct resource *r;
	struct checked c;
	unsigned char *bytes;
	char hex[65], *key, *mime, shown[96];
	size_t len;

	clip_url(uri, shown);
	if (data_uri_decode(uri, &bytes, &len, &mime) != 0) {
		diag_warn(d, l, "%s: not a base64 data: URI; its alt text is "
		    "shown instead", shown);
		return NULL;
	}
	if (strncmp(mime, "image/", 6) != 0) {
		diag_warn(d, l, "%s: not an image; its alt text is shown "
		    "instead", shown);
		free(mime);
		free(bytes);
		return NULL;
	}
	free(mime);
	if (len > MAX_IMAGE) {
		diag_warn(d, l, "%s: an image larger than %u MiB; its alt text "
		    "is shown instead", shown, MAX_IMAGE >> 20);
		free(bytes);
		return NULL;
	}
	sha256_hex(uri, strlen(uri), hex);
	key = xasprintf("data:%s", hex);
	pthread_mutex_lock(&b->lock);
	r = find_src(b, key);
	pthread_mutex_unlock(&b->lock);
	if (r == NULL && image_check((char *)bytes, len, shown, l, d,
	    &c) == 0) {
		pthread_mutex_lock(&b->lock);
		r = image_pack(b, key, NULL, NULL, &c);
		pthread_mutex_unlock(&b->lock);
	} else if (r != NULL)
		free(bytes);
	free(key);
	return r;
}

/* The resolved path of full, a file read_inside() found inside the
 * root: a photo book's images share a few folders, whose resolved paths
 * are kept (one per thread, the last) instead of every image's path
 * resolved a link at a time again. */
static char *
image_real(const char *full)
{
	static _Thread_local char dir[4096], real[4096];
	const char *base = strrchr(full, '/');
	size_t dn = base ? (size_t)(base - full) : 0;
	struct stat st;
	char *r, *rb;

	if (base == NULL || strcmp(base, "/.") == 0 ||
	    strcmp(base, "/..") == 0 || base[1] == '\0')
		return realpath(full, NULL);
	/* A name that is not a link, in a folder met before. */
	if (*dir && strlen(dir) == dn && strncmp(dir, full, dn) == 0 &&
	    lstat(full, &st) == 0 && S_ISREG(st.st_mode))
		return xasprintf("%s%s", real, base);
	if ((r = realpath(full, NULL)) == NULL)
		return NULL;
	if ((rb = strrchr(r, '/')) != NULL && strcmp(rb, base) == 0 &&
	    dn < sizeof(dir) && (size_t)(rb - r) < sizeof(real) &&
	    lstat(full, &st) == 0 && S_ISREG(st.st_mode)) {
		memcpy(dir, full, dn);
		dir[dn] = '\0';
		memcpy(real, r, (size_t)(rb - r));
		real[rb - r] = '\0';
	}
	return r;
}

/* The resource for the image at rel (relative to the root), packed once
 * per content; NULL after a diagnostic (or, when missing, a warning).
 * The file is read and checked without the book's lock. */
struct resource *
resource_add(struct book *b, const char *rel, const struct loc *l,
    struct quire_diag *d)
{
	struct resource *r;
	struct checked c;
	struct stamp before, after;
	char *data, *full, *real;
	size_t len;
	int rc, stamped;

	pthread_mutex_lock(&b->lock);
	r = find_src(b, rel);
	pthread_mutex_unlock(&b->lock);
	if (r != NULL)
		return r;
	full = path_join(b->root, rel);
	/* Stamped the same before and after it was read: the bytes read
	 * are the ones the stamp stands for. */
	stamped = stamp_path(full, &before) == 0;
	rc = read_inside(b, rel, l, d, &data, &len, NULL);
	if (rc == Q_ABSENT)
		diag_warn(d, l, "image not found: %s", rel);
	if (rc < 0 || image_check(data, len, rel, l, d, &c) != 0) {
		free(full);
		return NULL;
	}
	stamped = stamped && stamp_path(full, &after) == 0 &&
	    memcmp(&before, &after, sizeof(before)) == 0;
	/* read_inside() found it inside the root; what is read again
	 * later must have the bytes checked now. */
	real = image_real(full);
	pthread_mutex_lock(&b->lock);
	r = image_pack(b, rel, real, stamped ? &after : NULL, &c);
	pthread_mutex_unlock(&b->lock);
	free(real);
	free(full);
	return r;
}

/* The data: URI of the image packed as name, made once; NULL if none. */
const char *
resource_uri(struct book *b, const char *name)
{
	const char *uri = NULL;

	pthread_mutex_lock(&b->lock);
	for (struct resource *r = ix_get(b, IX_NAME, name); r; r = NULL) {
		if (r->uri == NULL) {
			unsigned char *bytes = r->data ? r->data :
			    resource_bytes(r);
			char *b64;

			if (bytes == NULL)
				break;
			b64 = base64(bytes, r->len);
			r->uri = xasprintf("data:%s;base64,%s", r->mime, b64);
			free(b64);
			if (bytes != r->data)
				free(bytes);
		}
		uri = r->uri;
		break;
	}
	pthread_mutex_unlock(&b->lock);
	return uri;
}

struct resource *
resource_find(struct book *b, const char *name)
{
	struct resource *r = NULL;

	pthread_mutex_lock(&b->lock);
	r = ix_get(b, IX_NAME, name);
	pthread_mutex_unlock(&b->lock);
	return r;
}
