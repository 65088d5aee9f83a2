/* The raster cover: the generated SVG cover, or the book's own SVG one,
 * drawn as a PNG by librsvg for readers, converters and catalogs that
 * take no SVG (calibre's cover look-up, Kindle, OPDS thumbnails). */
#include "book/book.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <librsvg/rsvg.h>
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

static cairo_status_t
png_out(void *closure, const unsigned char *data, unsigned int len)
{
	buf_put(closure, (const char *)data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* Draws svg (len bytes) as a PNG into out; names the cause in *why on
 * failure (to be freed). */
static int
draw(const char *svg, size_t len, struct buf *out, char **why)
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
	if (cairo_surface_write_to_png_stream(s, png_out, out) !=
	    CAIRO_STATUS_SUCCESS) {
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
