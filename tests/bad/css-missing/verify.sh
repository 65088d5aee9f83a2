# What was not found is not named in the EPUB (epubcheck: RSC-007).
set -e
css=$(unzip -p "$1"/*.epub EPUB/style-1.css)
if echo "$css" | grep -q 'missing\|not-a-font\|none\.png'; then
	echo "a missing resource is still named: $css"; exit 1
fi
if unzip -Z1 "$1"/*.epub | grep -q '^EPUB/fonts/'; then
	echo "a font was packed"; exit 1
fi
