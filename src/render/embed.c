/* Embeds and anchors in raw HTML: what a book cannot play or run (a
 * YouTube or Vimeo player, video, audio, objects, the scripts of
 * asciinema, Speaker Deck, gists and tweets) becomes a link to its
 * source, with one warning per kind per essay; an <a> without href
 * becomes an empty anchor instead of a link around what follows it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "render/render.h"

enum kind { K_IFRAME = 1, K_VIDEO = 2, K_AUDIO = 4, K_OBJECT = 8,
    K_EMBED = 16, K_SCRIPT = 32, K_TWEET = 64 };

static const char *
attr(const GumboElement *g, const char *name)
{
	const GumboAttribute *a = gumbo_get_attribute(&g->attributes, name);

	return a && *a->value ? a->value : NULL;
}

static int
is_remote(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 ||
	    strncasecmp(u, "https://", 8) == 0 || strncmp(u, "//", 2) == 0;
}

/* The host of a remote URL, lowercased, without "www.". */
static char *
host_of(const char *u)
{
	const char *h = strstr(u, "//"), *end;
	char *s;

	if (h == NULL)
		return xstrdup("");
	h += 2;
	end = h + strcspn(h, "/?#:");
	if ((size_t)(end - h) > 4 && strncasecmp(h, "www.", 4) == 0)
		h += 4;
	s = xstrndup(h, (size_t)(end - h));
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* The page a reader can open for the player at u (an embed URL), and
 * what to call it when the element has no title. */
static char *
page_for(const char *u, const char **what)
{
	char *host = host_of(u), *url = NULL;
	const char *path = strstr(u, "//") ? strchr(strstr(u, "//") + 2, '/') :
	    NULL;
	size_t n;

	*what = NULL;
	if (path && (!strcmp(host, "youtube.com") ||
	    !strcmp(host, "youtube-nocookie.com") ||
	    !strcmp(host, "m.youtube.com")) &&
	    strncmp(path, "/embed/", 7) == 0) {
		n = strcspn(path + 7, "/?#&");
		if (n)
			url = xasprintf("https://www.youtube.com/watch?v=%.*s",
			    (int)n, path + 7);
		*what = "Video on YouTube";
	} else if (path && !strcmp(host, "player.vimeo.com") &&
	    strncmp(path, "/video/", 7) == 0) {
		n = strcspn(path + 7, "/?#&");
		if (n)
			url = xasprintf("https://vimeo.com/%.*s", (int)n,
			    path + 7);
		*what = "Video on Vimeo";
	} else if (!strcmp(host, "asciinema.org")) {
		*what = "Terminal recording on asciinema";
	} else if (!strcmp(host, "speakerdeck.com")) {
		*what = "Slides on Speaker Deck";
	} else if (!strcmp(host, "gist.github.com")) {
		*what = "Gist on GitHub";
	} else if (!strcmp(host, "codepen.io")) {
		*what = "Pen on CodePen";
	}
	if (url == NULL) {
		url = strncmp(u, "//", 2) == 0 ? xasprintf("https:%s", u) :
		    xstrdup(u);
		/* asciinema's and gists' scripts sit beside their page. */
		if ((!strcmp(host, "asciinema.org") ||
		    !strcmp(host, "gist.github.com")) &&
		    path_has_ext(url, ".js"))
			url[strlen(url) - 3] = '\0';
	}
	free(host);
	return url;
}

/* The first <source src> of a video or audio element. */
static const char *
first_source(const GumboElement *g)
{
	for (unsigned i = 0; i < g->children.length; i++) {
		const GumboNode *k = g->children.data[i];
		const char *s;

		if (k->type == GUMBO_NODE_ELEMENT &&
		    k->v.element.tag == GUMBO_TAG_SOURCE &&
		    (s = attr(&k->v.element, "src")) != NULL)
			return s;
	}
	return NULL;
}

static int
block_parent(const xmlNode *p)
{
	static const char *const flow[] = { "body", "div", "section",
	    "article", "aside", "figure", "li", "td", "th", "blockquote",
	    "details", "header", "footer", "dd", "nav", NULL };

	if (p == NULL || p->type != XML_ELEMENT_NODE)
		return 1;
	for (size_t i = 0; flow[i]; i++)
		if (strcmp((const char *)p->name, flow[i]) == 0)
			return 1;
	return 0;
}

static int
inside_a(const xmlNode *p)
{
	for (; p && p->type == XML_ELEMENT_NODE; p = p->parent)
		if (strcmp((const char *)p->name, "a") == 0)
			return 1;
	return 0;
}

/* The line of the source where needle (an attribute as written) is
 * first met: raw HTML blocks carry no position of their own. */
static int
line_of(const struct essay *e, const char *needle, int fallback)
{
	const char *t, *hit;
	int line = e->body_line;

	if (needle == NULL || *needle == '\0' || e->text == NULL)
		return fallback;
	hit = find_bytes(e->text + e->body, e->text + e->len, needle,
	    strlen(needle));
	if (hit == NULL)
		return fallback;
	for (t = e->text + e->body; t < hit; t++)
		line += *t == '\n';
	return line;
}

static void
warn_once(struct essay *e, struct quire_diag *d, struct embed_state *st,
    unsigned kind, const char *name, const char *src, const char *url)
{
	struct loc l = { e->path, 0, 0 };

	if (st->warned & kind)
		return;
	st->warned |= kind;
	l.line = line_of(e, src, st->line);
	if (kind == K_TWEET)
		diag_warn(d, &l, "%s does not run in a book: the quoted tweet "
		    "is shown as text", name);
	else if (url)
		diag_warn(d, &l, "%s cannot be embedded in a book: shown as a "
		    "link to %.200s", name, url);
	else
		diag_warn(d, &l, "%s cannot be embedded in a book: shown as "
		    "its title", name);
}

/* The link (or, for a local file, the text) that stands for an embed. */
static void
stand_in(xmlNode *parent, const char *url, const char *text)
{
	xmlNode *box = parent, *n;

	if (block_parent(parent)) {
		box = el(parent, "p");
		set_attr(box, "class", "embed");
	}
	if (url && !inside_a(parent)) {
		n = el_text(box, "a", text);
		set_attr(n, "href", url);
	} else
		n = el_text(box, "span", text);
	if (box == parent)
		set_attr(n, "class", "embed");
}

static char *
clean_text(const char *s)
{
	char *t = xml_clean(s, strlen(s));

	for (char *p = t; *p; p++)
		if (isspace((unsigned char)*p))
			*p = ' ';
	return t;
}

/* An <a> without href: an empty anchor with its id, once (the tree
 * builder reopens an unclosed <a> in every block after it, each time
 * with the same attributes); what it held goes to its parent. */
static int
anchor(struct essay *e, struct embed_state *st, const GumboElement *g,
    xmlNode *parent)
{
	const char *id = attr(g, "id") ? attr(g, "id") : attr(g, "name");

	(void)e;
	if (id) {
		char *v = clean_text(id);

		for (char *p = v; *p; p++)
			if (*p == ' ')
				*p = '-';
		if (idset_add(&st->anchors, v)) {
			xmlNode *s = el(parent, "span");
			set_attr(s, "id", v);
		}
		free(v);
	}
	return 2;
}

int
embed_convert(struct essay *e, struct quire_diag *d, struct embed_state *st,
    const GumboNode *gn, xmlNode *parent)
{
	const GumboElement *g;
	const char *src = NULL, *title, *what = NULL, *name;
	unsigned kind;
	char *url = NULL, *text;

	if (gn->type != GUMBO_NODE_ELEMENT ||
	    gn->v.element.tag_namespace != GUMBO_NAMESPACE_HTML)
		return 0;
	g = &gn->v.element;
	switch (g->tag) {
	case GUMBO_TAG_A:
		if (attr(g, "href") || gumbo_get_attribute(&g->attributes,
		    "href"))
			return 0;
		return anchor(e, st, g, parent);
	case GUMBO_TAG_IFRAME:
		kind = K_IFRAME;
		name = "an <iframe>";
		if ((src = attr(g, "src")) == NULL)
			src = attr(g, "data-src");
		break;
	case GUMBO_TAG_VIDEO:
		kind = K_VIDEO;
		name = "a <video>";
		if ((src = attr(g, "src")) == NULL)
			src = first_source(g);
		what = "Video";
		break;
	case GUMBO_TAG_AUDIO:
		kind = K_AUDIO;
		name = "an <audio>";
		if ((src = attr(g, "src")) == NULL)
			src = first_source(g);
		what = "Audio";
		break;
	case GUMBO_TAG_OBJECT:
		kind = K_OBJECT;
		name = "an <object>";
		src = attr(g, "data");
		break;
	case GUMBO_TAG_EMBED:
		kind = K_EMBED;
		name = "an <embed>";
		src = attr(g, "src");
		break;
	case GUMBO_TAG_SCRIPT: {
		/* Only the scripts that stand for content. */
		const char *s = attr(g, "src");
		char *host;
		int known;

		if (s == NULL || !is_remote(s))
			return 0;
		host = host_of(s);
		if (!strcmp(host, "platform.twitter.com") ||
		    !strcmp(host, "platform.x.com")) {
			/* The tweet's text and link are in the blockquote
			 * before it, which stays. */
			free(host);
			warn_once(e, d, st, K_TWEET, "a tweet's script", s, NULL);
			return 1;
		}
		known = !strcmp(host, "asciinema.org") ||
		    !strcmp(host, "gist.github.com") ||
		    !strcmp(host, "speakerdeck.com");
		free(host);
		if (!known)
			return 0;
		kind = K_SCRIPT;
		name = "an embed script";
		src = s;
		if (attr(g, "data-id") && strstr(s, "speakerdeck.com")) {
			url = xasprintf("https://speakerdeck.com/player/%s",
			    attr(g, "data-id"));
			what = "Slides on Speaker Deck";
		}
		break;
	}
	default:
		return 0;
	}
	if ((title = attr(g, "title")) == NULL)
		title = attr(g, "aria-label");
	if (url == NULL && src && is_remote(src)) {
		const char *w;
		url = page_for(src, &w);
		if (w)
			what = w;
	}
	if (title)
		text = clean_text(title);
	else if (what && src && (kind == K_VIDEO || kind == K_AUDIO) &&
	    (!strcmp(what, "Video") || !strcmp(what, "Audio"))) {
		char *file = xstrndup(path_basename(src),
		    strcspn(path_basename(src), "?#"));
		text = clean_text(*file ? file : src);
		free(file);
		file = xasprintf("%s: %s", what, text);
		free(text);
		text = file;
	}
	else if (what)
		text = xstrdup(what);
	else if (url) {
		char *h = host_of(url);
		text = xasprintf("Embedded content from %s", h);
		free(h);
	} else
		text = xstrdup("Embedded content");
	if (src == NULL && url == NULL) {
		/* Nothing to link to: only its title, if any. */
		if (title)
			stand_in(parent, NULL, text);
		warn_once(e, d, st, kind, name, src, NULL);
	} else {
		char *u = url ? url : NULL;
		stand_in(parent, u, text);
		warn_once(e, d, st, kind, name, src, u);
	}
	free(text);
	free(url);
	return 1;
}
