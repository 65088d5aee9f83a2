# Neither output names a remote resource in the author's stylesheet, and
# the archive's <style> cannot be closed from inside the CSS.
set -e
css=$(unzip -p "$1"/*.epub EPUB/style-1.css)
if echo "$css" | grep -v 'in-a-comment\|in-a-string' | grep -q 'example\.com'; then
	echo "remote URL kept in style-1.css"; exit 1
fi
echo "$css" | grep -q 'data:image/gif'
html=$(cat "$1"/*.html)
if echo "$html" | grep -v 'in-a-comment\|in-a-string' | grep -q 'example\.com'; then
	echo "remote URL kept in the archive"; exit 1
fi
if echo "$html" | grep -q '</style><script>'; then
	echo "the stylesheet closed its <style>"; exit 1
fi
echo "$html" | grep -qF '\3c /style\3e '
