set -e
opf=$(unzip -p "$1"/*.epub EPUB/package.opf)
printf '%s' "$opf" | grep -q '<dc:title>title-blank</dc:title>' || { echo "dc:title: $(printf '%s' "$opf" | grep -o '<dc:title>[^<]*')"; exit 1; }
if printf '%s' "$opf" | grep -q '<dc:creator>  *</dc:creator>'; then echo "blank creator"; exit 1; fi
