# The title came from the front matter: no "---" rule or "title:" text,
# and no byte order mark left anywhere in the outputs.
set -e
grep -q 'Behind the BOM' "$1"/*.html
if grep -q 'title: Behind' "$1"/*.html; then
	echo "the front matter was read as text"
	exit 1
fi
unzip -p "$1"/*.epub '*.xhtml' | grep -q '<h1[^>]*>Behind the BOM</h1>'
if unzip -p "$1"/*.epub | LC_ALL=C grep -q $'\xef\xbb\xbf'; then
	echo "a BOM is left in the EPUB"
	exit 1
fi
