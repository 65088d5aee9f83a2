set -e
e=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
nav=$(unzip -p "$1"/*.epub EPUB/nav.xhtml)
h=$(cat "$1"/*.html)
for doc in "$e" "$nav" "$h"; do
	! grep -q 'mc2E=mc' <<<"$doc" || { echo "formula text twice"; exit 1; }
	! grep -q 'alt="[^"]*&lt;' <<<"$doc" || { echo "markup in alt="; exit 1; }
	! grep -q '&lt;math\|&lt;semantics\|&lt;mi&gt;' <<<"$doc" || { echo "MathML source as text"; exit 1; }
done
grep -q '<title>Energy E=mc^2</title>' <<<"$e" || { echo "title"; exit 1; }
grep -q '>Energy E=mc^2</a>' <<<"$nav" || { echo "contents entry"; exit 1; }
grep -q '>Why a&lt;b &amp; more</a>' <<<"$nav" || { echo "section in contents"; exit 1; }
grep -q 'alt="an image of E=mc^2"' <<<"$e" || { echo "alt"; exit 1; }
grep -q 'alt="Figure \\alpha here"' <<<"$e" || { echo "figure alt"; exit 1; }
# The essay's heading and a section heading keep their MathML; the
# header keeps the heading's id.
grep -q '<header id="energy-emc2"><h1 id="essay-title">Energy <math[^>]*alttext="E=mc^2"' <<<"$e" || { echo "title heading lost its MathML"; exit 1; }
grep -q '<h2[^>]*>Why <math[^>]*alttext="a&lt;b"' <<<"$e" || { echo "heading lost its MathML"; exit 1; }
