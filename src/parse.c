/* Parse stage: one cmark-gfm document per essay, with the GitHub
 * extensions and footnotes, kept in the essay until rendering is done. */
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "internal.h"

/* Declared in a private cmark-gfm header only. */
void cmark_release_plugins(void);

static const char *const extensions[] = { "table", "strikethrough",
    "autolink", "tasklist" };

/* Whether cmark-gfm's HTML for the document is well-formed XML (but for
 * its valueless footnote attributes) that an HTML5 tree builder would
 * take as it stands: no raw HTML, and no link inside a link (which the
 * tree builder splits). */
static int
plain(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	int links = 0, ok = 1;

	while (ok && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);

		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
			ok = 0;
			break;
		case CMARK_NODE_LINK:
			if (ev == CMARK_EVENT_ENTER && links++)
				ok = 0;
			else if (ev == CMARK_EVENT_EXIT)
				links--;
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	return ok;
}

int
parse_essay(struct essay *e, struct quire_diag *d)
{
	int opts = CMARK_OPT_FOOTNOTES | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_SMART |
	    CMARK_OPT_SOURCEPOS;
	cmark_parser *p;

	(void)d;
	cmark_gfm_core_extensions_ensure_registered();
	p = cmark_parser_new(opts);
	for (size_t i = 0; i < sizeof(extensions) / sizeof(*extensions); i++) {
		cmark_syntax_extension *x =
		    cmark_find_syntax_extension(extensions[i]);
		if (x)
			cmark_parser_attach_syntax_extension(p, x);
	}
	cmark_parser_feed(p, e->text + e->body, e->len - e->body);
	e->doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	e->plain = plain(e->doc);
	return 0;
}

/* The HTML of the essay, for the HTML5 tree builder; caller frees. */
char *
parse_render_html(struct essay *e)
{
	int opts = CMARK_OPT_UNSAFE | CMARK_OPT_FOOTNOTES |
	    CMARK_OPT_SOURCEPOS | CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES;
	cmark_llist *exts = NULL;
	cmark_mem *mem = cmark_get_default_mem_allocator();
	char *html;

	for (size_t i = 0; i < sizeof(extensions) / sizeof(*extensions); i++) {
		cmark_syntax_extension *x =
		    cmark_find_syntax_extension(extensions[i]);
		if (x)
			exts = cmark_llist_append(mem, exts, x);
	}
	html = cmark_render_html(e->doc, opts, exts);
	cmark_llist_free(mem, exts);
	return html;
}

void
essay_free_parse(struct essay *e)
{
	if (e->doc)
		cmark_node_free(e->doc);
	e->doc = NULL;
}

/* Registers the extensions once, before any thread parses. */
void
cmark_init(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

void
parse_cleanup(void)
{
	cmark_release_plugins();
}
