/* The raster cover: the generated SVG cover, or the book's own SVG one,
 * drawn as a PNG by librsvg for readers, converters and catalogs that
 * take no SVG (calibre's cover look-up, Kindle, OPDS thumbnails). */
#include "book/book.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <librsvg/rsvg.h>
#include <png.h>
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

/* The drawing as an RGB PNG, by libpng with each row filtered as the
 * difference from the one above: a cover is mostly flat colour, and that
 * one filter takes half the time of trying all five for each row (what
 * cairo's own writer does) for the same size. */
static int
png_encode(cairo_surface_t *s, struct buf *out)
{
	int w = cairo_image_surface_get_width(s);
	int h = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	unsigned char *data;
	png_structp p;
	png_infop info = NULL;

	cairo_surface_flush(s);
	data = cairo_image_surface_get_data(s);
	p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (p == NULL || data == NULL ||
	    (info = png_create_info_struct(p)) == NULL) {
		png_destroy_write_struct(&p, &info);
		return -1;
	}
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, &info);
		return -1;
	}
	png_set_write_fn(p, out, png_out, png_flush);
	png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, 8,
	    PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_filter(p, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
	/* zlib's fast matcher (levels 1-3): content/'s cover costs 0.34 G
	 * instructions less to encode than at the default level 6, for 32 %
	 * more bytes (170,585 against 129,470); level 9 would save 2 KB
	 * more for 0.66 G more. */
	png_set_compression_level(p, 3);
	png_write_info(p, info);
	/* cairo's RGB24: a 32-bit word a pixel, x R G B from the high byte,
	 * in the machine's byte order. */
	png_set_filler(p, 0, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ?
	    PNG_FILLER_AFTER : PNG_FILLER_BEFORE);
	if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
		png_set_bgr(p);
	for (int y = 0; y < h; y++)
		png_write_row(p, data + (size_t)y * (size_t)stride);
	png_write_end(p, info);
	png_destroy_write_struct(&p, &info);
	return 0;
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
