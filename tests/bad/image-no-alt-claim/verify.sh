set -e
opf=$(unzip -p "$1"/*.epub EPUB/package.opf)
if echo "$opf" | grep -q 'conformsTo'; then echo "claims conformance"; exit 1; fi
echo "$opf" | grep -q 'does not meet WCAG 2.1 Level A: 1 of its 1 images have no text alternative'
