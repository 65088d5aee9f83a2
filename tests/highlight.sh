#!/usr/bin/env bash
# Code highlighting in both outputs: in every language of the fixture,
# tokens its language defines as keywords, strings and comments, and the
# functions called, carry the matching class; other languages and plain blocks stay plain, silently;
# both stylesheets tell the classes apart by weight or style, not only
# colour.  Usage: highlight.sh QUIRE FIXTURE
. "$(dirname "$0")/lib.sh"
Q=$1 DIR=$2
"$Q" build "$DIR" -o "$TMP/out" >"$TMP/paths" 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "build"; finish; }
grep -q 'warning\|error' "$TMP/err" &&
	fail "unknown or missing languages must not warn: $(cat "$TMP/err")" ||
	ok "no diagnostics for unknown or missing languages"
epub=$(grep '\.epub$' "$TMP/paths") html=$(grep '\.html$' "$TMP/paths")
mkdir "$TMP/x" && (cd "$TMP/x" && unzip -q "$epub") || { fail "unzip"; finish; }
xhtml=$(ls "$TMP"/x/EPUB/*languages*.xhtml)

# LANGUAGE CLASS TOKEN: the token, as the language's own definition
# classes it (a reserved word, a string literal, a comment, the function
# of a call), inside the block of that info string, escaped as in XHTML.
expect=$(cat <<'EOF'
ts hl-kw const
ts hl-kw async
ts hl-com // ts: a line comment
ts hl-str "hello"
ts hl-type string
ts hl-fn send
typescript hl-kw interface
typescript hl-com /* typescript: a block comment */
js hl-kw import
js hl-str "node:fs/promises"
js hl-com // js: a line comment
javascript hl-kw class
javascript hl-kw extends
javascript hl-str 'x'
jsx hl-kw return
jsx hl-str "ok"
json hl-str "quire"
json hl-num 1
json hl-num true
sql hl-kw SELECT
sql hl-kw WHERE
sql hl-str 'open'
sql hl-com -- sql: a line comment
sql hl-num 3
yaml hl-com # yaml: a comment
yaml hl-str "Code"
yaml hl-prop title
yml hl-str 'b'
sh hl-kw if
sh hl-kw fi
sh hl-str "found"
sh hl-com # sh: a comment
bash hl-kw for
bash hl-kw done
shell hl-kw export
shell hl-com # shell
console hl-str "quire"
html hl-com &lt;!-- html: a comment --&gt;
html hl-tag p
html hl-attr class
css hl-com /* css: a comment */
css hl-kw @media
css hl-str "x"
c hl-kw return
c hl-type int
c hl-str "hi\n"
c hl-com /* c: a comment */
c hl-fn printf
python hl-kw def
python hl-kw return
python hl-str "hello "
python hl-com # python: a comment
py hl-kw import
go hl-kw func
go hl-kw package
go hl-str "hi"
go hl-com // go: a comment
rust hl-kw fn
rust hl-kw let
rust hl-str "hi"
rust hl-com // rust: a comment
rs hl-kw struct
java hl-kw public
java hl-kw static
java hl-str "hi"
java hl-com // java: a comment
EOF
)
for f in "$xhtml" "$html"; do
	python3 - "$f" "$expect" >"$TMP/res" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = {}
for m in re.finditer(r'<pre><code class="language-([^"]+)">(.*?)</code></pre>', text, re.S):
    blocks.setdefault(m.group(1), m.group(2))
bad = 0
for line in sys.argv[2].splitlines():
    lang, cls, tok = line.split(" ", 2)
    want = '<span class="%s">%s</span>' % (cls, tok)
    if lang not in blocks:
        print("no %s block" % lang); bad = 1
    elif want not in blocks[lang]:
        print("%s: want %s in %s" % (lang, want, blocks[lang][:400])); bad = 1
if "unknownlang" not in blocks or "<span" in blocks["unknownlang"]:
    print("unknownlang: must be present and plain"); bad = 1
# diff has no grammar: each line is classed by its first characters.
kinds = re.findall(r'<span class="line ?([^"]*)">', blocks.get("diff", ""))
if kinds != ["diff-file", "diff-file", "diff-del", "diff-add"]:
    print("diff: lines classed %s" % kinds); bad = 1
plain = re.search(r'<pre><code>no language at all', text)
if not plain:
    print("the block without a language is not plain"); bad = 1
if re.search(r'<span[^>]*style=', text):
    print("inline style on a span"); bad = 1
print("checked %d tokens" % len(sys.argv[2].splitlines()))
sys.exit(bad)
PY
	st=$?
	cat "$TMP/res"
	[ $st -eq 0 ] && ok "$(basename "$f"): every token has its class" ||
		fail "$(basename "$f"): tokens without their class"
done

# Grey e-ink: keywords bold, comments italic, strings shaded, in each
# stylesheet the output carries.
for css in "$TMP/x/EPUB/book.css" "$html"; do
	python3 - "$css" <<'PY' && ok "$(basename "$css"): classes differ without colour" || fail "$(basename "$css"): a class differs by colour only"
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
rule = lambda c: " ".join(re.findall(r'pre \.%s \{([^}]*)\}' % c, css))
ok = ("font-weight: bold" in rule("hl-kw") and "font-style: italic" in rule("hl-com")
      and "background" in rule("hl-str"))
sys.exit(0 if ok else 1)
PY
done
finish
