x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
grep -q '<math [^>]*alttext="p_q + 1"' <<<"$x" || { echo "\\\\( inline"; exit 1; }
grep -q '<math [^>]*alttext="x^2"' <<<"$x" || { echo "second inline"; exit 1; }
grep -q '<math [^>]*alttext="a\\_b"' <<<"$x" || { echo "\$a\\_b\$ changed"; exit 1; }
grep -q '<math [^>]*display="block" alttext="\\frac{1}{2} \\\\ x_1"' <<<"$x" || { echo "\\\\[ block"; exit 1; }
grep -q '<td><math [^>]*alttext="y"' <<<"$x" || { echo "in a cell"; exit 1; }
grep -q 'Not math: \\( alone, (parens) and (single)\.' <<<"$x" || { echo "not-math line"; exit 1; }
exit 0
