# The bombs stay TeX: the essay is small; the last formula is MathML.
x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
[ "${#x}" -lt 20000 ] || { echo "essay.xhtml is ${#x} bytes"; exit 1; }
grep -q 'alttext="x^2"' <<<"$x" || { echo "x^2 not converted"; exit 1; }
s=$(stat -c %s "$1"/*.html)
[ "$s" -lt 200000 ] || { echo "archive is $s bytes"; exit 1; }
