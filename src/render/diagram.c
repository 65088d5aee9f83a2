/* Diagrams: the source of a ```dot fence laid out and drawn to SVG by
 * Graphviz's C library (cgraph reads it, the dot layout places it, the
 * core plugin writes SVG), in this process.  Graphviz keeps its state in
 * globals (the error hook, the lexer, the context's current job), so one
 * lock covers every call into it; essays reach it from several threads.
 * Only the dot layout and the core renderer are loaded, from Graphviz's
 * plugin folder: no configuration read, no fonts asked for (text widths
 * come from Graphviz's own tables), so the same source gives the same
 * bytes on any machine with the same Graphviz.  What the SVG becomes in
 * the book (sanitised, its ids unique) is settled here too. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gvc.h>
#include <cgraph.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "render/render.h"

#ifndef GRAPHVIZ_PLUGINS
#define GRAPHVIZ_PLUGINS "/usr/lib/x86_64-linux-gnu/graphviz"
#endif

static pthread_mutex_t gv_lock = PTHREAD_MUTEX_INITIALIZER;
static GVC_t *gvc;
static void *plugins[2];
static struct buf gv_errors;   /* what Graphviz said, under gv_lock */

static int
gv_error(char *msg)
{
	if (gv_errors.len < 1024)
		buf_puts(&gv_errors, msg);
	return 0;
}

/* The context, made once: the dot layout and core plugins, or, where
 * they cannot be loaded by name, every plugin Graphviz's configuration
 * lists.  Under gv_lock. */
static GVC_t *
context(void)
{
	static const char *const libs[][2] = {
		{ "libgvplugin_dot_layout.so.6", "gvplugin_dot_layout_LTX_library" },
		{ "libgvplugin_core.so.6", "gvplugin_core_LTX_library" },
	};
	void *lib[2] = { NULL, NULL };

	if (gvc)
		return gvc;
	/* Loaded once a process, never unloaded: Graphviz may keep
	 * pointers into them past its context. */
	for (size_t i = 0; i < 2; i++) {
		if (plugins[i] == NULL) {
			char *path = xasprintf("%s/%s", GRAPHVIZ_PLUGINS,
			    libs[i][0]);
			plugins[i] = dlopen(path, RTLD_NOW | RTLD_LOCAL);
			free(path);
		}
		lib[i] = plugins[i] ? dlsym(plugins[i], libs[i][1]) : NULL;
	}
	if (lib[0] && lib[1]) {
		gvc = gvContextPlugins(NULL, 0);
		gvAddLibrary(gvc, lib[0]);
		gvAddLibrary(gvc, lib[1]);
	} else
		gvc = gvContext();
	return gvc;
}

/* Attributes whose value names a file that Graphviz would open. */
static int
names_file(const char *attr)
{
	return strcmp(attr, "image") == 0 || strcmp(attr, "shapefile") == 0 ||
	    strcmp(attr, "imagepath") == 0 || strcmp(attr, "fontpath") == 0 ||
	    strcmp(attr, "stylesheet") == 0;
}

/* Whether s holds "<img", in any case. */
static int
has_img(const char *s)
{
	for (; *s; s++)
		if (*s == '<' && strncasecmp(s + 1, "img", 3) == 0)
			return 1;
	return 0;
}

/* The first attribute of obj that names a file (an HTML-like label with
 * an <IMG> too), or NULL. */
static const char *
file_attr(Agraph_t *g, void *obj, int kind)
{
	for (Agsym_t *s = agnxtattr(g, kind, NULL); s;
	    s = agnxtattr(g, kind, s)) {
		char *v = agxget(obj, s);

		if (v == NULL || *v == '\0')
			continue;
		if (names_file(s->name))
			return s->name;
		if (aghtmlstr(v) && has_img(v))
			return "an HTML-like label's IMG";
	}
	return NULL;
}

static const char *
graph_files(Agraph_t *root, Agraph_t *g)
{
	const char *a;

	if ((a = file_attr(root, g, AGRAPH)) != NULL)
		return a;
	for (Agraph_t *s = agfstsubg(g); s; s = agnxtsubg(s))
		if ((a = graph_files(root, s)) != NULL)
			return a;
	return NULL;
}

static const char *
any_file(Agraph_t *g)
{
	const char *a;

	if ((a = graph_files(g, g)) != NULL)
		return a;
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
		if ((a = file_attr(g, n, AGNODE)) != NULL)
			return a;
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e))
			if ((a = file_attr(g, e, AGEDGE)) != NULL)
				return a;
	}
	return NULL;
}

/* Graphviz's message, one line: "Error: " and the line ends gone. */
static char *
gv_message(const char *fallback)
{
	struct buf b = { 0 };
	const char *p = gv_errors.data ? gv_errors.data : "";

	while (*p == ' ' || *p == '\n')
		p++;
	if (strncmp(p, "Error: ", 7) == 0)
		p += 7;
	for (; *p; p++) {
		/* Graphviz's line numbers count what its lexer read ahead:
		 * the message stands at the fence's line instead. */
		if (strncmp(p, " in line ", 9) == 0 &&
		    p[9] >= '0' && p[9] <= '9') {
			p += 9;
			while (p[1] >= '0' && p[1] <= '9')
				p++;
			continue;
		}
		if (*p == '\n' || *p == '\t') {
			if (b.len && b.data[b.len - 1] != ' ')
				buf_putc(&b, ' ');
		} else
			buf_putc(&b, *p);
	}
	while (b.len && b.data[b.len - 1] == ' ')
		b.len--;
	if (b.len == 0) {
		buf_free(&b);
		return xstrdup(fallback);
	}
	b.data[b.len] = '\0';
	return buf_take(&b);
}

/* Lays out and draws src; 0 and Graphviz's SVG in *svg (*n bytes, freed
 * with free()), or -1 and why not in *why. */
static int
draw(const char *src, char **svg, size_t *n, char **why)
{
	Agraph_t *g;
	char *data = NULL;
	unsigned int len = 0;
	const char *file;
	char *engine;
	int rc = -1;

	*svg = NULL;
	*why = NULL;
	pthread_mutex_lock(&gv_lock);
	gv_errors.len = 0;
	if (gv_errors.data)
		gv_errors.data[0] = '\0';
	agseterrf(gv_error);
	agseterr(AGERR);
	context();
	agsetfile(NULL);  /* line numbers from 1 again, and no file name */
	g = agmemread(src);
	if (g == NULL) {
		*why = gv_message("no graph in it");
		goto out;
	}
	if (agnnodes(g) > DIAGRAM_MAX_NODES || agnedges(g) > DIAGRAM_MAX_EDGES) {
		*why = xasprintf("too big to lay out: %d nodes and %d edges "
		    "(at most %d and %d)", agnnodes(g), agnedges(g),
		    DIAGRAM_MAX_NODES, DIAGRAM_MAX_EDGES);
	} else if ((file = any_file(g)) != NULL) {
		*why = xasprintf("it names a file (%s)", file);
	} else if ((engine = agget(g, "layout")) != NULL && *engine &&
	    strcmp(engine, "dot") != 0) {
		*why = xasprintf("it asks for the %.40s layout; only dot's is "
		    "drawn", engine);
	} else if (gvLayout(gvc, g, "dot") != 0) {
		*why = gv_message("the layout failed");
	} else {
		if (gvRenderData(gvc, g, "svg", &data, &len) != 0 || !data)
			*why = gv_message("no SVG was made");
		else {
			*svg = xstrndup(data, len);
			*n = len;
			rc = 0;
		}
		if (data)
			gvFreeRenderData(data);
		gvFreeLayout(gvc, g);
	}
	agclose(g);
out:
	pthread_mutex_unlock(&gv_lock);
	return rc;
}

/* Prefixes an id reference: "#x" and "url(#x)" point into the diagram. */
static char *
prefixed_refs(const char *v, const char *prefix)
{
	struct buf b = { 0 };
	const char *p = v, *q;

	if (v[0] == '#')
		return xasprintf("#%s%s", prefix, v + 1);
	while ((q = strstr(p, "url(#")) != NULL) {
		buf_put(&b, p, (size_t)(q - p) + 5);
		buf_puts(&b, prefix);
		p = q + 5;
	}
	if (p == v) {
		buf_free(&b);
		return NULL;
	}
	buf_puts(&b, p);
	return buf_take(&b);
}

/* Comments out, the graph's own title out (an anonymous graph's is a
 * counter: "%3"), every id and reference to one prefixed.  Without
 * recursion. */
static void
tidy(xmlNode *root, const char *prefix)
{
	xmlNode *n = root, *next;

	while (n) {
		int remove = n->type == XML_COMMENT_NODE ||
		    n->type == XML_PI_NODE || (n->type == XML_TEXT_NODE &&
		    xmlIsBlankNode(n) && n->parent &&
		    strcmp((const char *)n->parent->name, "text") != 0);

		if (n->type == XML_ELEMENT_NODE) {
			if (strcmp((const char *)n->name, "title") == 0 &&
			    n->parent && n->parent->parent == root &&
			    xmlPreviousElementSibling(n) == NULL)
				remove = 1;
			for (xmlAttr *a = n->properties; a; a = a->next) {
				xmlChar *v = xmlNodeGetContent((xmlNode *)a);
				char *w = NULL;

				if (v == NULL)
					continue;
				if (strcmp((const char *)a->name, "id") == 0)
					w = xasprintf("%s%s", prefix, (char *)v);
				else
					w = prefixed_refs((const char *)v, prefix);
				if (w)
					xmlSetNsProp(n, a->ns, a->name, BAD_CAST w);
				free(w);
				xmlFree(v);
			}
		}
		if (!remove && n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		next = n;
		while (next && next != root && next->next == NULL)
			next = next->parent;
		next = next && next != root ? next->next : NULL;
		if (remove) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
		n = next;
	}
}

int
diagram_svg(const char *src, const char *label, const char *prefix,
    char **out, char **why)
{
	char *svg;
	size_t n;
	xmlDoc *doc;
	xmlNode *root;
	xmlBuffer *xb;

	*out = NULL;
	if (draw(src, &svg, &n, why) < 0)
		return -1;
	/* No DTD loaded, no entity substituted, nothing fetched. */
	doc = n > INT32_MAX ? NULL : xmlReadMemory(svg, (int)n, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(svg);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || strcmp((const char *)root->name, "svg") != 0) {
		xmlFreeDoc(doc);
		*why = xstrdup("Graphviz made no SVG of it");
		return -1;
	}
	tidy(root, prefix);
	xmlSetProp(root, BAD_CAST "role", BAD_CAST "img");
	xmlSetProp(root, BAD_CAST "aria-label", BAD_CAST label);
	/* Its size in points, but never wider than the page. */
	xmlSetProp(root, BAD_CAST "style", BAD_CAST
	    "max-width: 100%; height: auto");
	xb = xmlBufferCreate();
	xmlNodeDump(xb, doc, root, 0, 0);
	*out = xstrdup((const char *)xmlBufferContent(xb));
	xmlBufferFree(xb);
	xmlFreeDoc(doc);
	return 0;
}

void
diagram_cleanup(void)
{
	pthread_mutex_lock(&gv_lock);
	if (gvc)
		gvFreeContext(gvc);
	gvc = NULL;
	buf_free(&gv_errors);
	pthread_mutex_unlock(&gv_lock);
}
