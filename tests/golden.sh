#!/usr/bin/env bash
# Golden outputs: the bytes of a book, pinned.  For one content folder,
# builds the EPUB and the archive at a fixed SOURCE_DATE_EPOCH, in UTC and
# the C.UTF-8 locale, and compares with tests/golden/NAME/:
#   SHA256SUMS   every file written: the EPUB, the archive, a release's
#                page and catalog (sha256sum's format)
#   epub.files   every entry of the EPUB: its SHA-256 and name, in zip order
#   status       quire's exit status
#   stderr       its diagnostics, whole
# Any other bytes fail the test.  A change meant to alter outputs or
# messages regenerates the files (`tests/golden.sh --update QUIRE`), and
# the diff shows in review which book, which entry and which message moved.
#
# usage: golden.sh QUIRE NAME          one book (ctest's golden-NAME)
#        golden.sh --update QUIRE      every book, files rewritten
# NAME is content or a folder of tests/fixtures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
[ $# -ge 1 ] || { echo "usage: golden.sh [--update] QUIRE [NAME...]" >&2; exit 2; }
q=$(realpath "$1")
shift
if [ $# -eq 0 ]; then
	[ $update -eq 1 ] || { echo "golden.sh: name a book" >&2; exit 2; }
	set -- $(sed -n 's/^\([a-z0-9-]*\) .*/\1/p' "$here/golden/BOOKS")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/quire-golden.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT

# Every book is built the same way: from the folder holding it, so that
# diagnostics name it as a user would see them, at one instant.
export SOURCE_DATE_EPOCH=1700000000 TZ=UTC LC_ALL=C.UTF-8 NO_COLOR=1
unset QUIRE_TEST_SQUEEZE

entries() {  # entries EPUB: SHA-256 and name of each entry, in zip order
	python3 - "$1" <<'EOF'
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        print(hashlib.sha256(z.read(i)).hexdigest(), i.filename)
EOF
}

status_all=0
for name in "$@"; do
	line=$(grep "^$name " "$here/golden/BOOKS") ||
		{ echo "golden.sh: $name is not in tests/golden/BOOKS" >&2; exit 2; }
	set -- $line
	src=$2
	shift 2
	case $src in
	content) dir=$root base=content ;;
	*) dir=$root/tests/fixtures base=$src ;;
	esac
	out=$tmp/$name
	mkdir -p "$out/got"
	(cd "$dir" && "$q" build "$base" -o "$out/dist" -j 2 "$@" \
		>/dev/null 2>"$out/got/stderr")
	echo $? >"$out/got/status"
	: >"$out/got/SHA256SUMS"
	: >"$out/got/epub.files"
	[ -d "$out/dist" ] && (cd "$out/dist" && find . -type f ! -path './.*' |
		sed 's|^\./||' | LC_ALL=C sort | xargs -r -d '\n' sha256sum) \
		>"$out/got/SHA256SUMS"
	for f in "$out"/dist/*.epub; do
		[ -f "$f" ] && entries "$f" >>"$out/got/epub.files"
	done
	want=$here/golden/$name
	if [ $update -eq 1 ]; then
		mkdir -p "$want"
		cp "$out"/got/* "$want/"
		echo "golden: $name written"
		continue
	fi
	bad=0
	for f in status SHA256SUMS epub.files stderr; do
		if ! diff -u "$want/$f" "$out/got/$f" >"$out/diff" 2>&1; then
			echo "FAIL: $name: $f differs from tests/golden/$name/$f"
			head -40 "$out/diff"
			bad=1
		fi
	done
	if [ $bad -eq 0 ]; then
		echo "ok: $name: outputs and diagnostics as pinned"
	else
		echo "(if the change is meant: tests/golden.sh --update QUIRE, and review the diff)"
		status_all=1
	fi
done
exit $status_all
