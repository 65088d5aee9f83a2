x=$(unzip -p "$1"/*.epub '*essay.xhtml')
grep -q "The note’s own text" <<<"$x" || { echo "the note is lost"; exit 1; }
grep -q 'epub:type="footnote"' <<<"$x" || { echo "no footnote aside"; exit 1; }
