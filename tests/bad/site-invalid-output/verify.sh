x=$(unzip -p "$1"/*.epub '*a.xhtml')
for want in 'href="https://example.com/50%25off?q=100%25"' 'href="https://example.com/a%20b"' \
    '<a href="https://example.com/raw">https://example.com/raw</a> once' \
    '<a href="https://example.com/empty">https://example.com/empty</a>'; do
	grep -qF "$want" <<<"$x" || { echo "missing: $want"; exit 1; }
done
grep -q '<a [^>]*></a>' <<<"$x" && { echo "an empty link"; exit 1; }
grep -q '<h[1-6][^>]*></h[1-6]>' <<<"$x" && { echo "an empty heading"; exit 1; }
s=$(unzip -p "$1"/*.epub 'EPUB/images/*.svg')
grep -q '<stop [^>]*offset="0"' <<<"$s" || { echo "a stop without offset: $s"; exit 1; }
grep -q '<feComposite[^>]*in2=' <<<"$s" || { echo "an feComposite without in2: $s"; exit 1; }
if [ -f /usr/share/java/epubcheck.jar ]; then
	java -jar /usr/share/java/epubcheck.jar "$1"/*.epub >epubcheck.log 2>&1 ||
		{ grep -E 'ERROR|WARNING' epubcheck.log | head; exit 1; }
fi
exit 0
