set -e
epub=$(ls "$1"/*.epub)
body=$(unzip -p "$epub" '*essay.xhtml')
for good in '<mtext>cell text</mtext>' '<mtext>see the link</mtext>' '<title>A spanned title</title>' '<desc>bold description</desc>' 'After the index.'; do
	printf '%s' "$body" | grep -qF "$good" || { echo "lost: $good"; exit 1; }
done
for bad in 'Search prompt' 'searchable index' '<hr' '<table' '<span'; do
	if printf '%s' "$body" | grep -qF "$bad"; then
		echo "still there: $bad"
		exit 1
	fi
done
