# The bad formula as TeX in span.math, the good one as MathML.
x=$(unzip -p "$1"/*.epub EPUB/essay.xhtml)
printf '%s' "$x" | grep -q '<span class="math">\\frac{a}{</span>' &&
printf '%s' "$x" | grep -q '<math xmlns="http://www.w3.org/1998/Math/MathML" alttext="x^2">'
