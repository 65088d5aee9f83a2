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

/* The colours of a drawing (cairo's RGB24: a 32-bit word a pixel, x R G B
 * from the high byte) as a palette, in the order first met, and each
 * pixel as its index in it, w bytes a row; 0 when it has more than 256
 * colours.  A row like the one above (most of a cover) is the same
 * indexes again; along a row the pixel before is asked first. */
static int
palette(const unsigned char *data, int w, int h, int stride,
    png_color *pal, unsigned char *idx)
{
	uint32_t key[512];
	short slot[512];
	uint32_t last = 0;
	int n = 0, at = -1;

	memset(slot, -1, sizeof(slot));
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)
		    (data + (size_t)y * (size_t)stride);
		unsigned char *out = idx + (size_t)y * (size_t)w;

		if (y > 0 && memcmp(row, data + (size_t)(y - 1) *
		    (size_t)stride, (size_t)w * 4) == 0) {
			memcpy(out, out - w, (size_t)w);
			continue;
		}
		for (int x = 0; x < w; x++) {
			uint32_t c = row[x] & 0xffffff;
			if (c != last || at < 0) {
				uint32_t k = (c * 2654435761u) >> 23;
				while (slot[k] >= 0 && key[k] != c)
					k = (k + 1) & 511;
				if (slot[k] < 0) {
					if (n == 256)
						return 0;
					key[k] = c;
					slot[k] = (short)n;
					pal[n].red = (png_byte)(c >> 16);
					pal[n].green = (png_byte)(c >> 8);
					pal[n].blue = (png_byte)c;
					n++;
				}
				last = c;
				at = slot[k];
			}
			out[x] = (unsigned char)at;
		}
	}
	return n;
}

/* Writes the drawing by libpng: with idx, as a palette image of n colours
 * from pal, each row as it is; else as RGB, each row as its difference
 * from the one above, rgb a row's room. */
static int
png_write(const unsigned char *data, int w, int h, int stride,
    const unsigned char *idx, const png_color *pal, int n,
    unsigned char *rgb, struct buf *out)
{
	png_structp p;
	png_infop info = NULL;

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
	    idx ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_RGB,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	if (idx)
		png_set_PLTE(p, info, pal, n);
	png_set_filter(p, PNG_FILTER_TYPE_BASE,
	    idx ? PNG_FILTER_NONE : PNG_FILTER_UP);
	png_set_compression_strategy(p, Z_RLE);
	png_write_info(p, info);
	if (idx) {
		for (int y = 0; y < h; y++)
			png_write_row(p, idx + (size_t)y * (size_t)w);
	} else {
		/* A row as R G B bytes: made again only when it differs
		 * from the one above. */
		for (int y = 0; y < h; y++) {
			const uint32_t *row = (const uint32_t *)(const void *)
			    (data + (size_t)y * (size_t)stride);
			unsigned char *o = rgb;
			if (y == 0 || memcmp(row, data + (size_t)(y - 1) *
			    (size_t)stride, (size_t)w * 4) != 0)
				for (int x = 0; x < w; x++) {
					*o++ = (unsigned char)(row[x] >> 16);
					*o++ = (unsigned char)(row[x] >> 8);
					*o++ = (unsigned char)row[x];
				}
			png_write_row(p, rgb);
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
 * above not made again, rather than by libpng's transformations, 365 M. */
static int
png_encode(cairo_surface_t *s, struct buf *out)
{
	int w = cairo_image_surface_get_width(s);
	int h = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	unsigned char *data, *idx, *rgb = NULL;
	png_color pal[256];
	int n, rc;

	cairo_surface_flush(s);
	if ((data = cairo_image_surface_get_data(s)) == NULL)
		return -1;
	idx = xmalloc((size_t)w * (size_t)h);
	if ((n = palette(data, w, h, stride, pal, idx)) == 0)
		rgb = xmalloc((size_t)w * 3);
	rc = png_write(data, w, h, stride, n ? idx : NULL, pal, n, rgb, out);
	free(idx);
	free(rgb);
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
	cairo_t *cr;
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
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)hgt);
	cr = cairo_create(s);
	/* White under a cover with no background of its own. */
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	if (!rsvg_handle_render_document(h, cr,
	    &(RsvgRectangle){ 0, 0, (int)w, (int)hgt }, &err)) {
		*why = xstrdup(err ? err->message : "cannot draw it");
		cairo_destroy(cr);
		goto done;
	}
	cairo_destroy(cr);
	if (png_encode(s, out) < 0) {
		*why = xstrdup("cannot encode the PNG");
		goto done;
	}
	rc = 0;
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

int
cover_raster(const struct book *b, struct quire_diag *d, char **png,
    size_t *len)
{
	const struct resource *r = b->cover_res;
	struct buf out = { 0 };
	struct loc l = { r ? (r->file ? r->file : r->src) : b->root, 0, 0 };
	char *svg, *why = NULL;
	size_t n;
	int rc;

	*png = NULL;
	*len = 0;
	if (r && strcmp(r->mime, "image/svg+xml") != 0)
		return 0;
	if (r) {
		unsigned char *bytes = r->data ? NULL : resource_bytes(r);
		if (!r->data && bytes == NULL)
			return diag_error(d, &l, "the image changed while the "
			    "book was being made; nothing was written");
		svg = bytes ? (char *)bytes : (char *)r->data;
		n = r->len;
		rc = draw(svg, n, &out, &why);
		free(bytes);
	} else {
		svg = cover_svg(b, &n);
		rc = draw(svg, n, &out, &why);
		free(svg);
	}
	if (rc < 0) {
		rc = diag_error(d, &l, "cannot draw the cover as PNG: %s", why);
		free(why);
		buf_free(&out);
		return rc;
	}
	*len = out.len;
	*png = buf_take(&out);
	return 0;
}
