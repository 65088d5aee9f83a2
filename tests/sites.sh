#!/usr/bin/env bash
# Static sites bound as they are: a mini Hugo site, a mini Jekyll blog and
# a mini mdBook (tests/fixtures/site-{hugo,jekyll,mdbook}).  Each must give
# exactly the diagnostics written below, by hand, and the EPUB must hold
# what the site shows: shortcodes and Liquid tags understood, links by
# site URL resolved, embeds as links, anchors empty, titles from the
# first heading.  Usage: sites.sh QUIRE FIXTURES
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") FIX=$(realpath "$2")

# build NAME: builds FIX/NAME from TMP (so paths read NAME/...), unpacks
# the EPUB into TMP/NAME.x, keeps the diagnostics in TMP/NAME.err.
build() {
	rm -rf "$TMP/$1" "$TMP/$1.out" "$TMP/$1.x"
	cp -a "$FIX/site-$1" "$TMP/$1"
	(cd "$TMP" && "$Q" build "$1" -o "$1.out" -q 2>"$1.err") ||
		fail "$1: build failed: $(cat "$TMP/$1.err")"
	mkdir "$TMP/$1.x"
	(cd "$TMP/$1.x" && unzip -q ../"$1".out/*.epub) || fail "$1: no EPUB"
}
# diags NAME <<EOF ... EOF: the diagnostics, exactly (closing count aside).
diags() {
	grep -v '^[0-9]* errors*, ' "$TMP/$1.err" >"$TMP/$1.got"
	cat >"$TMP/$1.want"
	if diff -u "$TMP/$1.want" "$TMP/$1.got" >"$TMP/$1.diff"; then
		ok "$1: the expected diagnostics"
	else
		fail "$1: diagnostics differ"
		cat "$TMP/$1.diff"
	fi
}
# has NAME FILE TEXT WHAT / hasnt ...: a fixed string in an XHTML file.
has() {
	grep -qF -- "$3" "$TMP/$1.x/EPUB/$2" && ok "$1: $4" ||
		fail "$1: $4: no '$3' in $2"
}
hasnt() {
	grep -qF -- "$3" "$TMP/$1.x/EPUB/$2" && fail "$1: $4: '$3' in $2" ||
		ok "$1: $4"
}

# ---- Hugo ----
build hugo
diags hugo <<'EOF'
hugo/content/about/index.md:19:50: warning: link target is not an essay of this book: /no/such/page/
hugo/content/about/index.md:23:1: warning: {{< param nosuchkey >}}: no such key in the front matter or collection.yaml; shown as text
hugo/content/functions/strings/Trim.md:26:1: warning: Hugo shortcode 'note' is not supported: shown as text
hugo/content/posts/first-post.md:12:1: warning: an <iframe> cannot be embedded in a book: shown as a link to https://www.youtube.com/watch?v=dQw4w9WgXcQ
hugo/content/posts/first-post.md:16:38: warning: link target is not an essay of this book: /missing/page/
EOF
T=content-functions-strings-trim.xhtml
has hugo $T '<h1 id="essay-title">strings.Trim: “cut” what you don’t need</h1>' \
	"front-matter title with typographic quotes"
has hugo $T '<title>strings.Trim: “cut” what you don’t need</title>' "same in <title>"
has hugo $T 'The signature is func Trim(s, cutset string) string.' "{{< param >}} from front matter"
has hugo $T '<code class="language-go">s := strings.' "{{< highlight go >}} is a code block"
has hugo $T '{{&lt; ref "nowhere.md" &gt;}} stays' "shortcodes inside highlight stay"
has hugo $T '{{&lt; youtube abc &gt;}} stays as it is here' "shortcodes inside a fence stay"
has hugo $T '<code>{{&lt; figure src="x.png" &gt;}}</code>' "shortcodes inside a code span stay"
has hugo $T 'escaped form {{&lt; figure src=' "{{</* */>}} shows the shortcode"
has hugo $T '<a href="content-functions-strings-trimspace.xhtml">TrimSpace</a>' "{{< relref >}} by file name"
has hugo $T '<a href="content-about-index.xhtml" title="About">about page</a>' "pretty URL to an index.md bundle"
has hugo $T '<a href="content-about-index.xhtml#the-team">in any case</a>' "pretty URL, any case, with a fragment"
has hugo $T '<p>{{&lt; note &gt;}}' "unknown shortcode shown as text"
T=content-functions-strings-trimspace.xhtml
has hugo $T 'Since Hugo 0.110' "cascade: params from functions/_index.md"
has hugo $T 'alt="Logo"' "../../../images/logo.png from the page's URL is static/images/logo.png"
has hugo $T '<strong>Linux</strong>' "a Docsy tab's label"
has hugo $T '<code>snap install hugo</code>' "a tab's content, in a list"
has hugo $T 'or later) and read the manual.' "{{ .Site.Params.docs }} from collection.yaml"
has hugo $T '<h2 id="after-the-tabs">After the tabs</h2>' "the heading after the tabs is a heading"
has hugo $T 'strings.<span class="hl-fn">TrimSpace</span>(<span class="hl-str">" x "</span>)' "{{< /highlight >}} at the end of the code's last line"
has hugo $T 'example.org/m@v0.110' "{{< param >}} inside a fence, as Hugo expands it"
hasnt hugo $T 'highlight' "no highlight shortcode left"
has hugo nav.xhtml 'Functions' "functions/_index.md: a part"
has hugo $T '<a href="content-functions-strings-trim.xhtml">Trim</a>' "../trim/ relative to the page's URL"
has hugo $T '<a href="content-posts-first-post.xhtml#a-video">the first post</a>' "/posts/first-post/#a-video"
T=content-about-index.xhtml
has hugo $T '<figcaption>The team, "in person"</figcaption>' "{{< figure >}} with its caption"
has hugo $T 'alt="The team, &quot;in person&quot;"' "the caption is the alt text when there is none"
has hugo $T 'alt="The logo"' "{{< figure >}} from static/"
has hugo $T 'enlarge: <img src="images/' "a link to an image in the book is unwrapped"
has hugo $T '<a href="content-functions-strings-trimspace.xhtml">TrimSpace</a> and' "an alias from the front matter"
has hugo $T '<a href="content-functions-strings-trimspace.xhtml">by its slug</a>' "a slug from the front matter"
has hugo $T '<p>functions/strings/Trim.md' "{{% ref %}} as text"
hasnt hugo $T '{{/*' "template comments go"
T=content-posts-first-post.xhtml
has hugo $T '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">The talk</a>' "{{< youtube >}} as a link"
has hugo $T '<a href="https://vimeo.com/146022717">Video on Vimeo</a>' "{{< vimeo >}} as a link"
has hugo $T '<p class="embed"><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">Another talk</a></p>' \
	"a YouTube iframe: a link to the watch page, with its title"
has hugo $T '<a href="https://vimeo.com/76979871">Video on Vimeo</a></p>' "a Vimeo iframe: a link"

# ---- Jekyll ----
build jekyll
diags jekyll <<'EOF'
jekyll/_posts/2010-07-21-hello-world.md:22:1: warning: Liquid tag 'include' is not supported: shown as text
jekyll/_posts/2011/2011-01-01-second.md:15:1: warning: a tweet's script does not run in a book: the quoted tweet is shown as text
jekyll/_posts/2011/2011-01-01-second.md:17:42: warning: template expression 'page.author' is not supported: shown as text
EOF
T=posts-2010-07-21-hello-world.xhtml
has jekyll $T '<h1 id="essay-title">Hello, “world” – it’s here</h1>' "title: quotes and dashes"
hasnt jekyll $T 'TOC' "* TOC / {:toc} go: the book has its contents"
hasnt jekyll $T '{:' "kramdown attribute lines go"
has jekyll $T '<code class="language-ruby">def hello = puts "{{ not a template }}"' \
	"{% highlight ruby %}: a code block, its text untouched"
has jekyll $T '<a href="posts-2011-2011-01-01-second.xhtml">the second post</a>' "{% post_url %} in a subfolder of _posts"
has jekyll $T '<a href="about.xhtml">about</a>' "{{ site.baseurl }}/about/ by permalink"
has jekyll $T '<a href="about.xhtml">the same</a>' "{% link about.md %}"
has jekyll $T 'alt="A chart"/>' "relative_url image"
has jekyll $T '<p>{% include newsletter.html %}</p>' "an unknown tag shown as text"
T=posts-2011-2011-01-01-second.xhtml
has jekyll $T '<a href="posts-2010-07-21-hello-world.xhtml#ruby">hello</a>' "{% post_url %}#fragment"
has jekyll $T '<a href="posts-2010-07-21-hello-world.xhtml">the first post by its URL</a>' "/2010/07/21/name.html"
has jekyll $T 'Liquid shown as is: {{ page.title }} and {% if x %}.' "{% raw %} keeps its text"
has jekyll $T '<code>{% post_url in-code %}</code>' "tags in code spans stay"
has jekyll $T '<span id="tweet"></span>' "<a name> becomes an empty anchor"
has jekyll $T '<a href="#tweet">the quote</a>' "a link to it"
has jekyll $T 'A tweet, quoted.' "the tweet's text stays"
hasnt jekyll $T 'widgets.js' "the tweet's script goes"

T=tutorials-setup.xhtml
has jekyll $T '<img src="images/' "../../img/shot.png from /tutorials/setup/"
has jekyll $T '<a href="https://github.com/example/notebook/edit/main/setup.md">the source</a>' \
	"{{ site.repository }} from collection.yaml's site:"
has jekyll $T '<h2 id="install-steps">Install</h2>' "{: #id} after a heading: its id"
has jekyll $T '<a href="#install-steps">the steps</a>' "a link to it"
has jekyll $T '<p>After the highlight' "{% endhighlight %} at the end of a line ends the code"
has jekyll $T '<code class="language-liquid">{{ page.title }}' "{% raw %} tags go from code"
has jekyll $T 'matrix = {{1, 1}, {2, 2}}' "braces in indented code stay, unwarned"
has jekyll nav.xhtml '>Posts<' "_posts: the part title Posts"

# ---- mdBook ----
build mdbook
diags mdbook <<'EOF'
mdbook/src/ch01-what-is-ownership.md:15:1: warning: an <iframe> cannot be embedded in a book: shown as a link to https://www.youtube.com/watch?v=abc123
mdbook/src/ch01-what-is-ownership.md:17:1: warning: a <video> cannot be embedded in a book: shown as its title
mdbook/src/ch01-what-is-ownership.md:19:1: warning: an embed script cannot be embedded in a book: shown as a link to https://asciinema.org/a/14
mdbook/src/ch02-references.md:5:1: warning: an <audio> cannot be embedded in a book: shown as a link to https://example.org/podcast.mp3
mdbook/src/ch02-references.md:7:1: warning: an <object> cannot be embedded in a book: shown as a link to https://example.org/diagram.swf
mdbook/src/ch02-references.md:8:1: warning: an <embed> cannot be embedded in a book: shown as a link to https://example.org/widget.swf
EOF
T=src-ch01-what-is-ownership.xhtml
has mdbook $T '<h1 id="essay-title">What Is Ownership?</h1>' "## heading that opens the file is the title"
has mdbook $T '<h2 id="the-stack-and-the-heap">The Stack and the Heap</h2>' "### under it moves up a level"
has mdbook $T '<span id="rules"></span>' '<a name="rules"/>: an empty anchor'
has mdbook $T '<p>Ownership is a set of rules.' "the paragraph after it is not in a link"
hasnt mdbook $T '<a id=' "no <a> without href"
hasnt mdbook $T 'duplicate id' "no duplicate ids"
has mdbook $T '<p><span id="heap"></span>The heap' '<a id="heap"></a>: an empty anchor'
has mdbook $T '<a href="#rules">the rules</a>' "a link to the anchor"
has mdbook $T '<a href="src-ch02-references.xhtml#mutable-references">references</a>' "chapter.html#id"
has mdbook $T '<a href="src-ch02-references.xhtml">the next chapter</a>' "./chapter.html"
has mdbook $T '<a href="src-index.xhtml">the start</a>' "index.html is index.md"
has mdbook $T '<a href="https://www.youtube.com/watch?v=abc123">Ownership, the talk</a>' "iframe: link with its title"
has mdbook $T '<span class="embed">Borrowing, animated</span>' "a local video: its title"
has mdbook $T '<a href="https://asciinema.org/a/14">Terminal recording on asciinema</a>' "asciinema's script: a link"
T=src-ch02-references.xhtml
has mdbook $T '<a href="https://example.org/podcast.mp3" class="embed">Audio: podcast.mp3</a>' "<audio><source>: a link"
hasnt mdbook $T 'cannot play' "the fallback text of <audio> goes"
has mdbook $T '<a href="https://example.org/diagram.swf" class="embed">A diagram</a>' "<object>: a link"
has mdbook $T 'class="embed">Embedded content from example.org</a>' "<embed>: a link"
has mdbook $T '<a href="src-ch01-what-is-ownership.xhtml#the-stack-and-the-heap">ownership</a>' \
	"a link to a heading that moved up a level"
has mdbook $T '<h3 id="dangling">Dangling References</h3>' "{#id .class} after a heading: its id"
has mdbook $T '<a href="#dangling">above</a>' "a link to that id"
has mdbook nav.xhtml 'What Is Ownership?' "the contents show the chapter's title"
has mdbook nav.xhtml '>Slices, Briefly</a>' "a chapter with no heading: its label in SUMMARY.md"
has mdbook src-ch03-slices.xhtml '<title>Slices, Briefly</title>' "the same in its <title>"
has mdbook src-ch03-slices.xhtml '<span id="slices"></span>' "its anchor kept"
has mdbook package.opf '<dc:title>The Little Book of Ownership</dc:title>' "book.toml: the title"
has mdbook package.opf '>B. Ferris</dc:creator>' "book.toml: the authors"
hasnt mdbook nav.xhtml '>Summary<' "SUMMARY.md is not a chapter"
finish
