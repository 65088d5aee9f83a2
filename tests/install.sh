#!/usr/bin/env bash
# An installed quire renders math: `cmake --install` into a fresh prefix,
# then, with the source and build trees hidden (a mount namespace lays an
# empty folder over each) and QUIRE_MATH unset, the installed binary binds a
# book with formulas: its EPUB and archive carry MathML and no warning says
# the converter is missing.  QUIRE_MATH still overrides what was installed.
# Usage: install.sh BUILDDIR SOURCEDIR   (skipped, 77, where no mount
# namespace can be made: not root, or no unshare)
. "$(dirname "$0")/lib.sh"
B=$(realpath "$1") S=$(realpath "$2")
unshare -m true 2>/dev/null || { echo "skip: unshare -m not allowed"; exit 77; }

cmake --install "$B" --prefix "$TMP/p" >"$TMP/install.log" 2>&1 ||
	{ cat "$TMP/install.log"; fail "cmake --install"; finish; }
for f in bin/quire share/quire/math/quire-math.js \
    share/quire/math/node_modules/katex/package.json share/man/man1/quire.1 \
    share/bash-completion/completions/quire share/zsh/vendor-completions/_quire \
    share/fish/vendor_completions.d/quire.fish; do
	[ -f "$TMP/p/$f" ] || fail "not installed: $f"
done
[ -L "$TMP/p/share/quire/math/node_modules" ] &&
	fail "node_modules installed as a link into the source tree"
# Moved after installing: nothing may point back at where it was made.
mv "$TMP/p" "$TMP/moved"

mkdir -p "$TMP/book"
cat >"$TMP/book/collection.yaml" <<'YAML'
title: Formulas
author: A. Writer
language: en
YAML
cat >"$TMP/book/one.md" <<'MD'
# One

Energy is $E = mc^2$, and

$$
\int_0^1 x^2 \, dx = \frac{1}{3}
$$
MD

# hidden Q ARGS...: runs the installed quire where the trees are not.
hidden() {
	unshare -m bash -c '
		S=$1 B=$2; shift 2
		mount -t tmpfs none "$S" || exit 90
		case $B in "$S"/*) ;; *) mount -t tmpfs none "$B" || exit 90 ;; esac
		[ -e "$S/tools/math/quire-math.js" ] && exit 91
		exec "$@"' _ "$S" "$B" "$@"
}
(unset QUIRE_MATH; hidden "$TMP/moved/bin/quire" build "$TMP/book" \
	-o "$TMP/out" >"$TMP/o" 2>"$TMP/e")
rc=$?
[ $rc -eq 0 ] && ok "installed quire builds with the trees hidden" ||
	fail "exit $rc: $(head -c 400 "$TMP/e")"
grep -q 'converter' "$TMP/e" && fail "math converter not found: $(cat "$TMP/e")"
grep -q '<math' "$TMP/out"/*.html && ok "archive has MathML" || fail "no MathML in the archive"
unzip -o -q "$TMP"/out/*.epub -d "$TMP/ep" &&
	grep -rlq '<math' "$TMP/ep" &&
	ok "EPUB has MathML" || fail "no MathML in the EPUB"

# QUIRE_MATH overrides the installed converter.
QUIRE_MATH=$TMP/none.js hidden "$TMP/moved/bin/quire" build "$TMP/book" \
	-o "$TMP/out2" >"$TMP/o" 2>"$TMP/e"
grep -q 'no TeX to MathML converter' "$TMP/e" && ok "QUIRE_MATH overrides" ||
	fail "QUIRE_MATH=none did not count: $(head -c 300 "$TMP/e")"
finish
