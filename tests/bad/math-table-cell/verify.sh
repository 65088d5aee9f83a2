for f in EPUB/essay.xhtml; do
	x=$(unzip -p "$1"/*.epub $f)
	n=$(grep -o '<td[^>]*><math ' <<<"$x" | wc -l)
	[ "$n" -eq 4 ] || { echo "$n cells start with MathML, not 4"; exit 1; }
	grep -q '<td[^>]*>a <math[^>]*alttext="y^2"' <<<"$x" || { echo "mixed cell"; exit 1; }
	grep -q '<mo>+</mo>' <<<"$x" || { echo "no +"; exit 1; }
	grep -q '<td></td>' <<<"$x" && { echo "an empty cell"; exit 1; }
done
h=$(cat "$1"/*.html)
[ "$(grep -o '<td[^>]*><math ' <<<"$h" | wc -l)" -eq 4 ] || { echo "archive cells"; exit 1; }
exit 0
