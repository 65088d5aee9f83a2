set -e
epub=$(ls "$1"/*.epub)
n=$(unzip -l "$epub" | grep -c 'EPUB/images/[0-9a-f]*\.\(png\|svg\)$')
[ "$n" -eq 2 ] || { echo "$n images packed, not 2"; exit 1; }
body=$(unzip -p "$epub" '*essay.xhtml')
printf '%s' "$body" | grep -q '<img src="images/[0-9a-f]*\.png" alt="markdown png"' || { echo "markdown png lost"; exit 1; }
printf '%s' "$body" | grep -q '<img [^>]*src="images/[0-9a-f]*\.svg"' || { echo "raw svg lost"; exit 1; }
if unzip -p "$epub" '*.svg' | grep -q script; then echo "script packed"; exit 1; fi
if printf '%s' "$body" | grep -q 'data:'; then echo "data: URI left in the EPUB"; exit 1; fi
