#!/usr/bin/env bash
# Images in the outputs: photos (JPEG, PNG) stored in the EPUB as they
# are, not deflated, and SVG deflated; the archive carries each image's
# base64 once per reference; an image changed after it was checked, before
# it is written, fails the build with the earlier outputs kept.
# Usage: images.sh QUIRE PNG SVG
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1") PNG=$2 SVG=$3
B=$TMP/book
mkdir -p "$B/img"
# A photo-like JPEG: a gradient through cjpeg.
{
	printf 'P6\n64 48\n255\n'
	for ((y = 0; y < 48; y++)); do
		for ((x = 0; x < 64; x++)); do
			printf "\\$(printf '%03o' $((x * 4)))\\$(printf '%03o' $((y * 5)))\\$(printf '%03o' $(((x + y) * 2)))"
		done
	done
} >"$TMP/photo.ppm"
cjpeg -quality 90 "$TMP/photo.ppm" >"$B/img/photo.jpg" || { fail "cjpeg"; finish; }
cp "$PNG" "$B/img/pic.png"
cp "$SVG" "$B/img/diagram.svg"
printf -- '---\ntitle: One\n---\n\n![A photo](img/photo.jpg)\n\n![A picture](img/pic.png)\n\n![A diagram](img/diagram.svg)\n' >"$B/a.md"
printf -- '---\ntitle: Two\n---\n\n![The photo again](img/photo.jpg)\n\nText.\n' >"$B/b.md"
SOURCE_DATE_EPOCH=1700000000 "$Q" build "$B" -o "$TMP/dist" -q ||
	{ fail "build"; finish; }
E=$TMP/dist/book.epub H=$TMP/dist/book.html
unzip -v "$E" >"$TMP/list" || fail "unzip -v"
method() { awk -v ext="$1" '$NF ~ ("^EPUB/images/.*\\." ext "$") { print $2 }' "$TMP/list"; }
[ "$(method jpg)" = Stored ] && ok "JPEG stored" || fail "JPEG: '$(method jpg)'"
[ "$(method png)" = Stored ] && ok "PNG stored" || fail "PNG: '$(method png)'"
[ "$(method svg)" = Defl:N ] && ok "SVG deflated" || fail "SVG: '$(method svg)'"
awk '$NF ~ /\.xhtml$/ && $2 != "Defl:N" { bad = 1 } END { exit bad }' "$TMP/list" &&
	ok "XHTML deflated" || fail "an XHTML file not deflated"
unzip -tq "$E" >/dev/null && ok "zip test" || fail "unzip -t"
mkdir "$TMP/x" && (cd "$TMP/x" && unzip -q "$E")
cmp -s "$TMP/x"/EPUB/images/*.jpg "$B/img/photo.jpg" && ok "JPEG bytes as given" ||
	fail "JPEG bytes differ"
cmp -s "$TMP/x"/EPUB/images/*.png "$B/img/pic.png" && ok "PNG bytes as given" ||
	fail "PNG bytes differ"

# The archive: every reference a data: URI with the file's base64, whole.
count() { grep -o "$1" "$H" | wc -l; }
j=$(base64 -w0 "$B/img/photo.jpg") p=$(base64 -w0 "$B/img/pic.png")
[ "$(count "src=\"data:image/jpeg;base64,$j\"")" -eq 2 ] &&
	ok "archive: the JPEG's base64 once per reference (2)" ||
	fail "archive: JPEG references $(count "data:image/jpeg;base64,$j")"
[ "$(count "src=\"data:image/png;base64,$p\"")" -eq 1 ] &&
	ok "archive: the PNG's base64 once" || fail "archive: PNG references"
[ "$(count 'data:image/svg+xml;base64,')" -eq 1 ] &&
	ok "archive: the SVG as a data: URI" || fail "archive: SVG"
[ "$(count 'QuireImageBytes')" -eq 0 ] && ok "archive: no token left" ||
	fail "archive: a token left"
# An essay whose text holds the token itself: still one data: URI.
cp -a "$B" "$TMP/tok"
printf -- '---\ntitle: Three\n---\n\nQuireImageBytes0Q and `data:x;base64,QuireImageBytes0Q`\n\n![Photo](img/photo.jpg)\n' >"$TMP/tok/c.md"
"$Q" build "$TMP/tok" -o "$TMP/tokdist" -q -f html || fail "token build"
[ "$(grep -o "src=\"data:image/jpeg;base64,$j\"" "$TMP/tokdist/tok.html" | wc -l)" -eq 3 ] &&
	grep -q 'QuireImageBytes0Q and' "$TMP/tokdist/tok.html" &&
	ok "archive: text that holds the token kept, images whole" ||
	fail "archive: the token in the text"

# An image changed between the check (rendering) and the writing: the
# debugger stops quire before each writer and changes it there.
snapshot() { (cd "$1" && find . -type f | sort | xargs sha256sum); }
snapshot "$TMP/dist" >"$TMP/before"
# LeakSanitizer cannot run under ptrace (an ASan build): leaks are
# checked by the other tests.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
changed() {  # breakpoint format label
	cp "$B/img/photo.jpg" "$TMP/photo.orig"
	gdb -q -batch -ex "break $1" -ex "run" \
	    -ex "shell printf 'X' | dd of=$B/img/photo.jpg bs=1 seek=200 conv=notrunc status=none" \
	    -ex "continue" -ex "info inferiors" \
	    --args "$Q" build "$B" -o "$TMP/dist" -f "$2" -q >"$TMP/gdb.out" 2>"$TMP/gdb.err"
	grep -q 'exited with code 01' "$TMP/gdb.out" && ok "$3: exit 1" ||
		{ cat "$TMP/gdb.out" "$TMP/gdb.err"; fail "$3: exit status"; }
	grep -q "error: the image changed while the book was being made" \
	    "$TMP/gdb.out" "$TMP/gdb.err" && ok "$3: diagnostic" ||
		fail "$3: no diagnostic"
	snapshot "$TMP/dist" | cmp -s - "$TMP/before" && ok "$3: outputs kept" ||
		fail "$3: outputs changed"
	[ -z "$(find "$TMP/dist" -name '.*.tmp-*')" ] &&
		ok "$3: no temporary file" || fail "$3: a temporary file left"
	cat "$TMP/gdb.err" | grep error: | sed "s/^/    /"
	cp "$TMP/photo.orig" "$B/img/photo.jpg"
}
if ! command -v gdb >/dev/null; then
	fail "gdb is needed (apt-get install gdb)"
else
	changed epub_write epub "changed before the EPUB"
	changed write_outputs html "changed before the archive"
	# The same run with nothing changed succeeds: the breakpoint is not
	# what failed.
	gdb -q -batch -ex "break write_outputs" -ex run -ex continue \
	    --args "$Q" build "$B" -o "$TMP/dist2" -q >"$TMP/gdb.out" 2>&1
	grep -q 'exited normally' "$TMP/gdb.out" && ok "unchanged under gdb: builds" ||
		{ cat "$TMP/gdb.out"; fail "unchanged under gdb"; }
fi
finish
