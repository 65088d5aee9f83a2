n=$(unzip -p "$1"/*.epub '*nav.xhtml' | tr -d '\n')
grep -qE '>Alpha</a></li><li>(<a [^>]*>|<span>)The Guide(</a>|</span>)<ol><li><a href="guide-one.xhtml">One step</a></li></ol></li><li><a href="z.xhtml">Zulu</a>' <<<"$n" ||
	{ echo "not Alpha, The Guide (One step), Zulu:"; grep -o '<ol class="toc">.*</ol></nav><nav' <<<"$n"; exit 1; }
exit 0
