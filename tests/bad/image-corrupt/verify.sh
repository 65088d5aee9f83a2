set -e
epub=$(ls "$1"/*.epub)
n=$(unzip -l "$epub" | grep -c 'EPUB/images/')
[ "$n" -eq 3 ] || { echo "$n images packed, not 3"; exit 1; }
body=$(unzip -p "$epub" '*essay.xhtml')
for alt in 'short png' 'crc png' 'polyglot gif' 'short jpeg'; do
	printf '%s' "$body" | grep -q "<span class=\"image-missing\">$alt" || { echo "no alt text for: $alt"; exit 1; }
done
