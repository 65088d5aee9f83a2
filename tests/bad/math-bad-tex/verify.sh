# The bad formulas as TeX in span.math, the good one as MathML, nothing
# of the refused commands rendered.
x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
printf '%s' "$x" | grep -q '<span class="math">\\frac{a}{</span>' || exit 1
printf '%s' "$x" | grep -q '<span class="math">\\href{javascript:alert(1)}{x}</span>' || exit 1
printf '%s' "$x" | grep -q '<math xmlns="http://www.w3.org/1998/Math/MathML" alttext="x^2">' || exit 1
! printf '%s' "$x" | grep -q '<mstyle mathcolor="#cc0000">'
