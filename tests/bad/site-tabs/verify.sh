x=$(unzip -p "$1"/*.epub '*a.xhtml')
for want in '<strong>Linux</strong>' '<strong>macOS</strong>' '<code>apt install tool</code>' \
    '<code>brew install tool</code>' '<code class="language-yaml">' \
    '<h2 id="after-the-tabs">After the tabs</h2>' '<p>Prose after the list.</p>'; do
	grep -qF "$want" <<<"$x" || { echo "missing: $want"; exit 1; }
done
grep -q 'tabpane\|{{' <<<"$x" && { echo "shortcode text left"; exit 1; }
exit 0
