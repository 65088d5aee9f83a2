x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
[ "$(grep -o '<svg [^>]*role="img"' <<<"$x" | wc -l)" -eq 3 ] || { echo "not three drawings"; exit 1; }
grep -q 'aria-label="\\pair{a}{b}"' <<<"$x" || { echo "pair not named"; exit 1; }
