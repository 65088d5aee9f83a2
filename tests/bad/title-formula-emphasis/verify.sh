# The header's title holds the emphasis and the formula, both in their
# own namespaces as written, no prefix made up for them.
x=$(unzip -p "$1"/*.epub EPUB/01-law.xhtml)
echo "$x" | grep -q '<h1 id="essay-title">The <em><math xmlns="http://www.w3.org/1998/Math/MathML" alttext="E=mc^2"><mrow><mi>E</mi>' ||
	{ echo "the title's emphasis and formula are not as written"; echo "$x"; exit 1; }
! echo "$x" | grep -q 'default:' || { echo "a namespace prefix was made up"; exit 1; }
