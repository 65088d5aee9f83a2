x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
grep -q '{% raw %}' <<<"$x" && { echo "raw tag kept"; exit 1; }
[ "$(grep -o '<th[ >]' <<<"$x" | wc -l)" -eq 100 ] || { echo "not 100 columns"; exit 1; }
exit 0
