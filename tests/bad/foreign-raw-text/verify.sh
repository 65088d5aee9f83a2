# Nothing the input smuggled is an element of the archive: the archive is
# parsed back by a real HTML parser (Chromium's, when installed) and by a
# plain scan; the EPUB keeps no style or script either.
set -e
epub=$(ls "$1"/*.epub)
html=$(ls "$1"/*.html)
body=$(unzip -p "$epub" '*essay.xhtml')
for bad in '<style' '<script' '127.0.0.1'; do
	if printf '%s' "$body" | grep -qiF "$bad"; then
		echo "EPUB still has: $bad"
		exit 1
	fi
done
if grep -qiF '127.0.0.1' "$html"; then
	echo "archive still has the smuggled markup"
	exit 1
fi
for good in 'kept' 'Title kept'; do
	printf '%s' "$body" | grep -qF "$good" || { echo "lost: $good"; exit 1; }
done
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$chrome" ]; then
	dom=$(timeout 50 "$chrome" --headless --no-sandbox --disable-gpu \
	    --disable-background-networking \
	    --user-data-dir="$PWD/chrome-profile" --dump-dom "file://$html" 2>/dev/null) ||
	    { echo "chromium could not read the archive"; exit 1; }
	printf '%s' "$dom" | grep -q 'Raw text in foreign content' ||
	    { echo "chromium did not show the archive"; exit 1; }
	# The one meta with http-equiv is the archive's own CSP.
	n=$(printf '%s' "$dom" | grep -oi '<meta[^>]*http-equiv' | wc -l)
	[ "$n" -eq 1 ] || { echo "archive DOM has $n meta http-equiv"; exit 1; }
	if printf '%s' "$dom" | grep -qi '<iframe\|<script\|refresh'; then
		echo "archive DOM holds smuggled elements"
		exit 1
	fi
fi
