x=$(unzip -p "$1"/*.epub '*essay.xhtml')
grep -q 'id="kept"' <<<"$x" || { echo "the first attribute is gone"; exit 1; }
grep -q 'late' <<<"$x" && { echo "an attribute past the limit is kept"; exit 1; }
grep -q '<rect[^>]*/><circle' <<<"$x" || { echo "the rect is not closed before the circle"; exit 1; }
exit 0
