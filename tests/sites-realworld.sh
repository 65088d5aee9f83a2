#!/usr/bin/env bash
# Real static sites as their authors wrote them, from npm: the Hugo
# content of the Doks theme (@hyas/doks 0.5.0, content/en: _index.md,
# page bundles, {{< relref >}}, theme shortcodes) and GitBook's own
# documentation (gitbook 3.2.3, docs/: a SUMMARY.md book, chapter links
# with {#id} headings, Liquid-like templating shown as examples).  Each
# EPUB passes epubcheck and Ace, check_epub.py resolves every link, the
# archive fetches nothing; and quire leaves no dead link that the site
# resolves: the only ones it reports are those the site has dead too.
# Usage: sites-realworld.sh QUIRE
. "$(dirname "$0")/lib.sh"
Q=$1 T=$(dirname "$0")
cache=${QUIRE_NPM_CACHE:-$HOME/.cache/quire-npm}
mkdir -p "$cache"

# fetch NAME@VERSION FOLDER DEST: the package's FOLDER as DEST.
fetch() {
	local name=${1%@*} ver=${1##*@} t
	t=${name#@}; t=${t//\//-}
	if [ ! -s "$cache/$t-$ver.tgz" ]; then
		[ "${QUIRE_NPM_OFFLINE:-0}" = 1 ] && { fail "$1 not in $cache"; return 1; }
		(cd "$TMP" && npm pack --silent "$1" >/dev/null 2>&1 &&
			mv -f "$t-$ver.tgz" "$cache/") || { fail "npm pack $1"; return 1; }
	fi
	mkdir -p "$TMP/x-$t"
	tar -xzf "$cache/$t-$ver.tgz" -C "$TMP/x-$t" || { fail "unpack $1"; return 1; }
	mv "$TMP/x-$t/package/$2" "$TMP/$3"
}

# bind NAME ESSAYS: builds TMP/NAME, judges both outputs.
bind() {
	"$Q" build "$TMP/$1" -o "$TMP/$1.out" -q 2>"$TMP/$1.err" ||
		{ fail "$1: build: $(tail -3 "$TMP/$1.err")"; return; }
	ok "$1: builds ($(tail -1 "$TMP/$1.err"))"
	epubcheck --failonwarnings "$TMP/$1.out"/*.epub >"$TMP/$1.ec" 2>&1
	grep -E '^(ERROR|WARNING|FATAL)' "$TMP/$1.ec" | head -10
	grep -q 'Messages: 0 fatals / 0 errors / 0 warnings' "$TMP/$1.ec" &&
		ok "$1: epubcheck 0 errors, 0 warnings" || fail "$1: epubcheck"
	python3 "$T/check_epub.py" "$TMP/$1.out"/*.epub --essays "$2" ||
		fail "$1: check_epub.py"
	node "$T/js/archive-check.mjs" "$TMP/$1.out"/*.html || fail "$1: archive-check"
	bash "$T/js/ace-check.sh" "$TMP/$1.out"/*.epub "$TMP/$1.ace" >"$TMP/$1.acelog"
	[ $? -eq 0 ] && ok "$1: Ace: $(tail -1 "$TMP/$1.acelog")" ||
		{ cat "$TMP/$1.acelog"; fail "$1: Ace"; }
}

# links NAME <<EOF: the link warnings, exactly: those dead on the site too.
links() {
	grep -E 'link target is not an essay|link to a missing section' \
		"$TMP/$1.err" | sed "s|^$TMP/||" >"$TMP/$1.got"
	cat >"$TMP/$1.want"
	diff -u "$TMP/$1.want" "$TMP/$1.got" && ok "$1: no dead link the site resolves" ||
		fail "$1: link warnings differ"
}

fetch @hyas/doks@0.5.0 content/en hugo && {
	# 9 pages, of which two are _index.md pages with a body: the pages of
	# their parts (epub:type part), not essays.
	bind hugo 7
	links hugo </dev/null
	grep -q "content-docs-prologue-quick-start\|docs-prologue-quick-start" "$TMP/hugo.out"/*.html &&
		ok "hugo: relref by name resolved" || fail "hugo: quick-start not linked"
}
fetch gitbook@3.2.3 docs mdbook && {
	# Every file of docs/ but SUMMARY.md itself (which gives the order).
	bind mdbook 24
	# asciidoc.md, ./templating.md, ./languages.md and ./lexicon.md are
	# written relative to the wrong folder: GitBook's site has them dead.
	links mdbook <<'EOF'
mdbook/pages.md:72:282: warning: link target is not an essay of this book: asciidoc.md
mdbook/plugins/hooks.md:17:40: warning: link target is not an essay of this book: ./templating.md
mdbook/syntax/asciidoc.md:35:23: warning: link target is not an essay of this book: ./languages.md
mdbook/syntax/asciidoc.md:48:63: warning: link target is not an essay of this book: ./lexicon.md
EOF
}
finish
