# The contributors are in the package, with the roles that were known.
set -e
opf=$(unzip -p "$1"/*.epub EPUB/package.opf)
echo "$opf" | grep -q '<dc:contributor id="contributor-1">B. Editor</dc:contributor><meta property="role" refines="#contributor-1" scheme="marc:relators">edt</meta>'
echo "$opf" | grep -q '<dc:contributor id="contributor-2">C. Barista</dc:contributor><dc:contributor'
echo "$opf" | grep -q '<meta property="belongs-to-collection" id="series">Essays</meta>'
