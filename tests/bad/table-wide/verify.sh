x=$(unzip -p "$1"/*.epub '*essay.xhtml')
[ "$(grep -o '<th[ >]' <<<"$x" | wc -l)" -eq 100 ] || { echo "not 100 columns"; exit 1; }
[ "$(grep -o '<td[ >]' <<<"$x" | wc -l)" -eq 30000 ] || { echo "not 300 rows of 100"; exit 1; }
grep -q 'h99|h100|h101' <<<"$x" || { echo "the header's rest is gone"; exit 1; }
grep -q '<blockquote' <<<"$x" || { echo "no quote"; exit 1; }
