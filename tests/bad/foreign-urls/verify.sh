# No remote or script URL survives in either output; what is allowed
# (a gradient by #fragment, a plain stroke) does.
set -e
epub=$(ls "$1"/*.epub)
html=$(ls "$1"/*.html)
body=$(unzip -p "$epub" '*essay.xhtml')
for bad in 'evil.example' 'javascript' 'alert(' '<set' '<animate' '<iframe' '<foreignObject' '<mglyph' 'annotation-xml' '<image' '<feImage' 'image-set' 'data:image/svg'; do
	if printf '%s' "$body" | grep -qiF "$bad" || grep -qiF "$bad" "$html"; then
		echo "still there: $bad"
		exit 1
	fi
done
for good in 'fill="url(#good)"' 'style="stroke: blue"' '>click<' '<linearGradient id="good">'; do
	printf '%s' "$body" | grep -qF "$good" || { echo "lost: $good"; exit 1; }
done
