# Both essays are in the book, in files whose names differ in more than
# case (a zip on a case-folding system must not merge them).
set -e
epub=$(ls "$1"/*.epub)
unzip -p "$epub" '*.xhtml' | grep -q 'Upper intro'
unzip -p "$epub" '*.xhtml' | grep -q 'Lower intro'
grep -q 'Upper intro' "$1"/*.html
grep -q 'Lower intro' "$1"/*.html
names=$(unzip -Z1 "$epub" | grep -i 'intro[^/]*\.xhtml$')
[ "$(echo "$names" | wc -l)" -eq 2 ] || { echo "essay files: $names"; exit 1; }
[ "$(echo "$names" | tr A-Z a-z | sort -u | wc -l)" -eq 2 ] || { echo "names differ only in case: $names"; exit 1; }
