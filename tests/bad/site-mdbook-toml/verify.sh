o=$(unzip -p "$1"/*.epub '*.opf')
for want in '<dc:title>Le petit "livre"</dc:title>' '>Anne Autrice</dc:creator>' \
    '>Bruno Auteur</dc:creator>' '<dc:language>fr</dc:language>'; do
	grep -qF "$want" <<<"$o" || { echo "opf: missing $want"; exit 1; }
done
n=$(unzip -p "$1"/*.epub '*nav.xhtml')
for want in '>Avant-propos</a>' '>Premiers pas</a>' '>Suite</a>'; do
	grep -qF "$want" <<<"$n" || { echo "nav: missing $want"; exit 1; }
done
grep -q '>Summary<\|>preface<\|>ch1<\|>Preface<\|>Ch1<' <<<"$n" && { echo "a file name as a title"; exit 1; }
c=$(unzip -p "$1"/*.epub '*ch2.xhtml')
grep -q '<h[1-6][^>]*>Suite</h[1-6]>' <<<"$(sed 's/<header.*<\/header>//' <<<"$c")" && { echo "ch2: the heading after an anchor is not its title"; exit 1; }
grep -q 'id="la-suite"' <<<"$c" || { echo "ch2: its anchor is gone"; exit 1; }
exit 0
