x=$(unzip -p "$1"/*.epub '*a.xhtml')
for want in '<h2 id="a">A</h2>' '<h2 id="b">B</h2>' '<h2 id="c">C</h2>' '<h2 id="d">D</h2>' '<h3 id="e">E</h3>'; do
	grep -qF "$want" <<<"$x" || { echo "missing: $want"; exit 1; }
done
n=$(unzip -p "$1"/*.epub '*nav.xhtml')
grep -qF '<li><a href="a.xhtml#a">A</a></li><li><a href="a.xhtml#b">B</a></li><li><a href="a.xhtml#c">C</a></li><li><a href="a.xhtml#d">D</a><ol><li><a href="a.xhtml#e">E</a></li></ol></li>' <<<"$n" || { echo "A, B, C, D are not siblings in the contents"; exit 1; }
exit 0
