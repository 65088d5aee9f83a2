x=$(unzip -p "$1"/*.epub '*a.xhtml')
for want in '<p>Prose after Hugo' '<p>Prose after Jekyll' 'example.com/tool@v1.4.2' \
    "'{{&lt; param version &gt;}}'</span>" '<code>tool-1.4.2.tar.gz</code>' \
    '<code>{{ site.title }}</code>' 'x = {{1, 1}}' '<h2 id="setup">Install</h2>' \
    '<a href="#setup">the setup</a>' 'id="para"' '<a href="#para">that paragraph</a>'; do
	grep -qF "$want" <<<"$x" || { echo "missing: $want"; exit 1; }
done
grep -qF '{% highlight ruby %}
puts 2
{% endhighlight %}
</code></pre>' <<<"$x" || { echo "a highlight inside raw inside a highlight"; exit 1; }
grep -qF '<p>After the nested highlight.</p>' <<<"$x" || { echo "the nested highlight ran over"; exit 1; }
grep -q 'raw %}\|/highlight\|{: #' <<<"$x" && { echo "tags left in"; exit 1; }
[ "$(grep -c 'endhighlight' <<<"$x")" -eq 1 ] || { echo "an endhighlight left in"; exit 1; }
exit 0
