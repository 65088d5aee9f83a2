/* The raster cover: the generated SVG cover, or the book's own SVG one,
 * drawn as a PNG by librsvg for readers, converters and catalogs that
 * take no SVG (calibre's cover look-up, Kindle, OPDS thumbnails). */
#include "book/book.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <librsvg/rsvg.h>
#include <png.h>
#include <zlib.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>

/* The fonts a cover is drawn with, and no others: fontconfig's system
 * configuration differs between machines, and the bytes must not.  DejaVu
 * (fonts-dejavu-core) has Latin, Greek, Cyrillic, Hebrew and Arabic. */
static const char *const cover_fonts[] = {
	"/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
	"/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
	NULL
};

/* The long side of a drawn cover, in pixels: the stores' 1600 x 2560. */
#define COVER_LONG 2560

static void
png_out(png_structp p, png_bytep data, png_size_t len)
{
	buf_put(png_get_io_ptr(p), (const char *)data, len);
}

static void
png_flush(png_structp p)
{
	(void)p;
}

/* The drawing is made a band of BAND rows at a time, each band drawn
 * whole by librsvg into one small surface (cairo's RGB24: a 32-bit word a
 * pixel, x R G B from the high byte) and read before the next: a cover
 * never sits in memory as 16 MB of pixels (1600 x 2560 x 4), only as a
 * byte a pixel while its palette is made.  Each band lays the text out
 * again: content/'s cover, three colours of text, costs some 18 M
 * instructions a band, so no band is drawn twice (see png_encode). */
#define BAND 320

struct drawing {
	RsvgHandle *h;
	cairo_surface_t *s;      /* BAND rows of the drawing */
	int w, hgt, stride;
	uint32_t *above;         /* the row above the band's first */
	int drawn;               /* the first row of the band drawn, or -1 */
};

/* Rows y0 to y0 + BAND of the drawing into its surface; names the cause
 * in *why on failure (to be freed). */
static int
draw_band(struct drawing *d, int y0, char **why)
{
	GError *err = NULL;
	cairo_t *cr = cairo_create(d->s);
	int ok;

	/* White under a cover with no background of its own. */
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_translate(cr, 0, -(double)y0);
	ok = rsvg_handle_render_document(d->h, cr,
	    &(RsvgRectangle){ 0, 0, d->w, d->hgt }, &err);
	cairo_destroy(cr);
	if (!ok) {
		*why = xstrdup(err ? err->message : "cannot draw it");
		if (err)
			g_error_free(err);
		return -1;
	}
	cairo_surface_flush(d->s);
	return 0;
}

/* Calls row(arg, y, its pixels, the row above's or NULL) for every row
 * of the drawing from row from down, drawn a band at a time (from's band
 * not again when it is the one drawn last); the row above the band's
 * first is kept in d->above.  Returns what a row() that stopped the walk
 * returned (not 0), or 0; -1 (why set) if a band cannot be drawn. */
static int
each_row(struct drawing *d, int from, int (*row)(void *, int,
    const uint32_t *, const uint32_t *), void *arg, char **why)
{
	const unsigned char *px = cairo_image_surface_get_data(d->s);

	for (int y0 = from / BAND * BAND; y0 < d->hgt; y0 += BAND) {
		int nr = d->hgt - y0 < BAND ? d->hgt - y0 : BAND, rc;

		if (y0 != d->drawn && draw_band(d, y0, why) < 0)
			return -1;
		d->drawn = y0;
		for (int r = y0 < from ? from - y0 : 0; r < nr; r++) {
			const uint32_t *p = (const uint32_t *)(const void *)
			    (px + (size_t)r * (size_t)d->stride);

			if ((rc = row(arg, y0 + r, p, y0 + r == 0 ? NULL :
			    r > 0 ? p - d->stride / 4 : d->above)) != 0)
				return rc;
		}
		memcpy(d->above, px + (size_t)(nr - 1) * (size_t)d->stride,
		    (size_t)d->w * 4);
	}
	return 0;
}

/* A palette as it is made: the colours in the order first met, found
 * by a small open-addressed table; each pixel's index into idx. */
struct pal {
	uint32_t key[512];
	short slot[512];
	uint32_t last;
	int n, at, w;
	int stop;                /* the row of the 257th colour */
	png_color *c;
	unsigned char *idx;
};

/* One row's indexes; 1 (stop) at a 257th colour.  A row like the one
 * above (most of a cover) is the same indexes again; along a row the
 * pixel before is asked first. */
static int
pal_row(void *arg, int y, const uint32_t *row, const uint32_t *above)
{
	struct pal *p = arg;
	unsigned char *out = p->idx + (size_t)y * (size_t)p->w;

	if (above && memcmp(row, above, (size_t)p->w * 4) == 0) {
		memcpy(out, out - p->w, (size_t)p->w);
		return 0;
	}
	for (int x = 0; x < p->w; x++) {
		uint32_t c = row[x] & 0xffffff;
		if (c != p->last || p->at < 0) {
			uint32_t k = (c * 2654435761u) >> 23;
			while (p->slot[k] >= 0 && p->key[k] != c)
				k = (k + 1) & 511;
			if (p->slot[k] < 0) {
				if (p->n == 256) {
					p->stop = y;
					return 1;
				}
				p->key[k] = c;
				p->slot[k] = (short)p->n;
				p->c[p->n].red = (png_byte)(c >> 16);
				p->c[p->n].green = (png_byte)(c >> 8);
				p->c[p->n].blue = (png_byte)c;
				p->n++;
			}
			p->last = c;
			p->at = p->slot[k];
		}
		out[x] = (unsigned char)p->at;
	}
	return 0;
}

/* The colours of the drawing as a palette, and each pixel as its index
 * in it, w bytes a row; 0 when it has more than 256 colours (the rows
 * above *stop indexed, by the 256 colours met first), -1 (why set) when
 * it cannot be drawn. */
static int
palette(struct drawing *d, png_color *pal, unsigned char *idx, int *stop,
    char **why)
{
	struct pal p;
	int rc;

	memset(p.slot, -1, sizeof(p.slot));
	p.last = 0;
	p.n = 0;
	p.at = -1;
	p.w = d->w;
	p.stop = 0;
	p.c = pal;
	p.idx = idx;
	*stop = d->hgt;
	if ((rc = each_row(d, 0, pal_row, &p, why)) != 0) {
		*stop = p.stop;
		return rc < 0 ? -1 : 0;
	}
	return p.n;
}

/* An RGB row for libpng: R G B bytes, made again only when it differs
 * from the one above. */
struct rgb_rows {
	png_structp p;
	unsigned char *rgb;
	int w;
};

static int
rgb_row(void *arg, int y, const uint32_t *row, const uint32_t *above)
{
	struct rgb_rows *o = arg;
	unsigned char *q = o->rgb;

	(void)y;
	if (above == NULL || memcmp(row, above, (size_t)o->w * 4) != 0)
		for (int x = 0; x < o->w; x++) {
			*q++ = (unsigned char)(row[x] >> 16);
			*q++ = (unsigned char)(row[x] >> 8);
			*q++ = (unsigned char)row[x];
		}
	png_write_row(o->p, o->rgb);
	return 0;
}

/* Writes the drawing by libpng: with n colours, as a palette image of
 * them (pal) by their indexes (*idx), each row as it is; else as RGB, each
 * row as its difference from the one above, rgb a row's room: the rows
 * above stop from their indexes (*idx freed after them), the others
 * drawn, from the band the palette's walk stopped in. */
static int
png_write(struct drawing *d, unsigned char **idx, const png_color *pal,
    int n, int stop, unsigned char *rgb, struct buf *out, char **why)
{
	png_structp p;
	png_infop info = NULL;
	int w = d->w, h = d->hgt;

	p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (p == NULL || (info = png_create_info_struct(p)) == NULL) {
		png_destroy_write_struct(&p, &info);
		return -1;
	}
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, &info);
		return -1;
	}
	png_set_write_fn(p, out, png_out, png_flush);
	png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, 8,
	    n ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_RGB,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	if (n)
		png_set_PLTE(p, info, pal, n);
	png_set_filter(p, PNG_FILTER_TYPE_BASE,
	    n ? PNG_FILTER_NONE : PNG_FILTER_UP);
	png_set_compression_strategy(p, Z_RLE);
	png_write_info(p, info);
	if (n) {
		for (int y = 0; y < h; y++)
			png_write_row(p, *idx + (size_t)y * (size_t)w);
	} else {
		struct rgb_rows o = { p, rgb, w };

		for (int y = 0; y < stop; y++) {
			const unsigned char *ix = *idx + (size_t)y * (size_t)w;

			if (y == 0 || memcmp(ix, ix - w, (size_t)w) != 0)
				for (int x = 0; x < w; x++) {
					rgb[3 * x] = pal[ix[x]].red;
					rgb[3 * x + 1] = pal[ix[x]].green;
					rgb[3 * x + 2] = pal[ix[x]].blue;
				}
			png_write_row(p, rgb);
		}
		free(*idx);
		*idx = NULL;
		if (each_row(d, stop, rgb_row, &o, why) < 0) {
			png_destroy_write_struct(&p, &info);
			return -1;
		}
	}
	png_write_end(p, info);
	png_destroy_write_struct(&p, &info);
	return 0;
}

/* The drawing as a PNG, cheap to make first and small second: a cover is
 * flat colour with antialiased text, and zlib's time goes by the bytes it
 * is given.  A drawing of at most 256 colours (the bench book's generated
 * cover: 255, a short title in one colour) is a palette image, a byte a
 * pixel, each row as it is: a flat row is one run, which zlib's Z_RLE
 * (matches one byte back, no hashing) packs tighter than its level-1
 * matcher for the same time.  A drawing of more colours (content/'s: 732,
 * text in three colours; a longer title in one colour passes 256 where
 * glyphs overlap) is RGB, each row its difference from the one above: RGB
 * is a 3-byte period along a row, which Z_RLE cannot see, and the
 * difference makes a flat row zeros.  The pixels are the same either way.
 * Encoding the bench book's cover (callgrind, bench/README.md): as RGB at
 * zlib level 3, 414 M instructions and 78,474 bytes; as a palette image
 * with Z_RLE, 122 M and 25,777 bytes (5 M of it finding the colours); so
 * with each row's difference from the one above, 145 M and 16,395 bytes;
 * at level 1 with zlib's default strategy, 122 M and 42,494 bytes.
 * content/'s, as RGB: at level 3, 427 M and 170,585 bytes; with Z_RLE,
 * 426 M and 167,958; with the rows made R G B here, a row like the one
 * above not made again, rather than by libpng's transformations, 365 M.
 * The palette's walk stops at the 257th colour (content/'s: in the fourth
 * band of eight); the rows above it are written from its indexes, and
 * the bands from there on drawn once: the whole cover 602 M to 527 M. */
static int
png_encode(struct drawing *d, struct buf *out, char **why)
{
	unsigned char *idx, *rgb = NULL;
	png_color pal[256];
	int n, rc, stop;

	idx = xmalloc((size_t)d->w * (size_t)d->hgt);
	d->above = xmalloc((size_t)d->w * 4);
	if ((n = palette(d, pal, idx, &stop, why)) < 0) {
		rc = -1;
		goto done;
	}
	if (n == 0)
		rgb = xmalloc((size_t)d->w * 3);
	rc = png_write(d, &idx, pal, n, stop, rgb, out, why);
	if (rc < 0 && *why == NULL)
		*why = xstrdup("cannot encode the PNG");
done:
	free(idx);
	free(rgb);
	free(d->above);
	d->above = NULL;
	return rc;
}

/* A warm process (quire watch) keeps the last cover drawn: most rebuilds
 * draw the same one. */
static struct {
	pthread_mutex_t lock;
	int on;
	char *svg, *png;
	size_t nsvg, npng;
} memo = { PTHREAD_MUTEX_INITIALIZER, 0, NULL, NULL, 0, 0 };

void
cover_memo(int on)
{
	pthread_mutex_lock(&memo.lock);
	memo.on = on;
	if (!on) {
		free(memo.svg);
		free(memo.png);
		memo.svg = memo.png = NULL;
		memo.nsvg = memo.npng = 0;
	}
	pthread_mutex_unlock(&memo.lock);
}

static int draw_fresh(const char *, size_t, struct buf *, char **);

/* Draws svg (len bytes) as a PNG into out; names the cause in *why on
 * failure (to be freed). */
static int
draw(const char *svg, size_t len, struct buf *out, char **why)
{
	int rc;

	pthread_mutex_lock(&memo.lock);
	if (memo.on && memo.svg && memo.nsvg == len &&
	    memcmp(memo.svg, svg, len) == 0) {
		buf_put(out, memo.png, memo.npng);
		pthread_mutex_unlock(&memo.lock);
		return 0;
	}
	pthread_mutex_unlock(&memo.lock);
	if ((rc = draw_fresh(svg, len, out, why)) < 0)
		return rc;
	pthread_mutex_lock(&memo.lock);
	if (memo.on) {
		free(memo.svg);
		free(memo.png);
		memo.svg = xmalloc(len + 1);
		memcpy(memo.svg, svg, len);
		memo.nsvg = len;
		memo.png = xmalloc(out->len + 1);
		memcpy(memo.png, out->data, out->len);
		memo.npng = out->len;
	}
	pthread_mutex_unlock(&memo.lock);
	return 0;
}

static int
draw_fresh(const char *svg, size_t len, struct buf *out, char **why)
{
	FcConfig *fc = FcConfigCreate();
	PangoFontMap *fm;
	RsvgHandle *h;
	GError *err = NULL;
	cairo_surface_t *s = NULL;
	struct drawing d = { 0 };
	double w = 0, hgt = 0, scale;
	int rc = -1;

	for (size_t i = 0; cover_fonts[i]; i++)
		FcConfigAppFontAddFile(fc, (const FcChar8 *)cover_fonts[i]);
	/* librsvg lays text out with pango's default font map, one per
	 * thread: this thread's, for this drawing only. */
	fm = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
	pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), fc);
	FcConfigDestroy(fc);
	pango_cairo_font_map_set_default(PANGO_CAIRO_FONT_MAP(fm));

	h = rsvg_handle_new_from_data((const guint8 *)svg, len, &err);
	if (h == NULL) {
		*why = xstrdup(err ? err->message : "not an SVG image");
		goto done;
	}
	if (!rsvg_handle_get_intrinsic_size_in_pixels(h, &w, &hgt) ||
	    w <= 0 || hgt <= 0) {
		RsvgRectangle ink, logical;
		if (rsvg_handle_get_geometry_for_layer(h, NULL,
		    &(RsvgRectangle){ 0, 0, 1600, 2560 }, &ink, &logical,
		    NULL)) {
			w = logical.width;
			hgt = logical.height;
		}
		if (w <= 0 || hgt <= 0)
			w = 1600, hgt = 2560;
	}
	scale = COVER_LONG / (w > hgt ? w : hgt);
	w = w * scale + 0.5;
	hgt = hgt * scale + 0.5;
	if (w < 1)
		w = 1;
	if (hgt < 1)
		hgt = 1;
	d.h = h;
	d.drawn = -1;
	d.w = (int)w;
	d.hgt = (int)hgt;
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, d.w,
	    d.hgt < BAND ? d.hgt : BAND);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		*why = xstrdup("cannot draw it");
		goto done;
	}
	d.s = s;
	d.stride = cairo_image_surface_get_stride(s);
	rc = png_encode(&d, out, why);
done:
	if (err)
		g_error_free(err);
	if (s)
		cairo_surface_destroy(s);
	if (h)
		g_object_unref(h);
	/* The font map lets its fonts and its configuration go now: a
	 * thread's default map is otherwise kept until the thread ends. */
	pango_cairo_font_map_set_default(NULL);
	pango_fc_font_map_shutdown(PANGO_FC_FONT_MAP(fm));
	pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), NULL);
	g_object_unref(fm);
	return rc;
}

/* The book's cover as PNG into out; 0 (out empty: a raster cover, not
 * drawn), -1 naming why in *why, or Q_CHANGED if its file changed. */
static int
cover_draw(const struct book *b, struct buf *out, char **why)
{
	const struct resource *r = b->cover_res;
	char *svg;
	size_t n;
	int rc;

	if (r && strcmp(r->mime, "image/svg+xml") != 0)
		return 0;
	if (r) {
		unsigned char *bytes = r->data ? NULL : resource_bytes(r);

		if (!r->data && bytes == NULL)
			return Q_CHANGED;
		svg = bytes ? (char *)bytes : (char *)r->data;
		n = r->len;
		rc = draw(svg, n, out, why);
		free(bytes);
	} else {
		svg = cover_svg(b, &n);
		rc = draw(svg, n, out, why);
		free(svg);
	}
	return rc;
}

/* The book's cover, drawn once a build: cover_keep(b) says which book
 * is being built; cover_ahead() draws it while the essays render (by
 * the thread that starts the others, before it renders essays too: it
 * needs only what the book was loaded with, and would otherwise be the
 * EPUB writer's first step while the other cores have nothing left to
 * do); cover_raster() gives that drawing to the EPUB writer and to a
 * release's cover file alike, drawing it first if no one has; and
 * cover_stop() lets it go when the build ends. */
static struct {
	const struct book *b;
	int drawn;
	int rc;
	struct buf out;
	char *why;
} early;

void
cover_keep(const struct book *b)
{
	cover_stop();
	early.b = b;
}

void
cover_ahead(const struct book *b)
{
	if (early.b != b)
		cover_keep(b);
	early.rc = cover_draw(b, &early.out, &early.why);
	early.drawn = 1;
}

void
cover_stop(void)
{
	early.b = NULL;
	early.drawn = 0;
	buf_free(&early.out);
	free(early.why);
	early.why = NULL;
}

int
cover_raster(const struct book *b, struct quire_diag *d, char **png,
    size_t *len)
{
	const struct resource *r = b->cover_res;
	struct buf out = { 0 };
	struct loc l = { r ? (r->file ? r->file : r->src) : b->root, 0, 0 };
	char *why = NULL;
	int rc;

	*png = NULL;
	*len = 0;
	if (early.b == b) {
		if (!early.drawn)
			cover_ahead(b);
		rc = early.rc;
		if (early.out.len)
			buf_put(&out, early.out.data, early.out.len);
		why = early.why ? xstrdup(early.why) : NULL;
	} else
		rc = cover_draw(b, &out, &why);
	if (rc == Q_CHANGED)
		return diag_error(d, &l, "the image changed while the "
		    "book was being made; nothing was written");
	if (rc < 0) {
		rc = diag_error(d, &l, "cannot draw the cover as PNG: %s", why);
		free(why);
		buf_free(&out);
		return rc;
	}
	if (out.len == 0) {
		buf_free(&out);
		return 0;
	}
	*len = out.len;
	*png = buf_take(&out);
	return 0;
}
