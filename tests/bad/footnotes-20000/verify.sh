# Every note is in the book, with its link back.
set -e
n=$(unzip -p "$1"/*.epub '*essay.xhtml' | grep -o '<aside id="fn-[0-9]*"' | sort -u | wc -l)
[ "$n" -eq 20000 ] || { echo "$n notes in the EPUB, not 20000"; exit 1; }
