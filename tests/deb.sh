#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` from the build tree makes a .deb whose
# Depends name nodejs and the libraries dpkg-shlibdeps found; it holds the
# binary, the man page, the math converter with KaTeX and the completion
# scripts; unpacked (dpkg -x) into a root of its own, with the source and
# build trees hidden, its quire binds a book with a formula into MathML.
# tests/deb-chroot.sh installs it with apt on a fresh Debian 12 instead.
# Usage: deb.sh BUILDDIR SOURCEDIR   (77 without unshare or dpkg-shlibdeps)
. "$(dirname "$0")/lib.sh"
B=$(realpath "$1") S=$(realpath "$2")
unshare -m true 2>/dev/null || { echo "skip: unshare -m not allowed"; exit 77; }
command -v dpkg-shlibdeps >/dev/null || { echo "skip: no dpkg-shlibdeps (dpkg-dev)"; exit 77; }

(cd "$TMP" && cpack -G DEB --config "$B/CPackConfig.cmake" -B "$TMP/pkg") \
	>"$TMP/cpack.log" 2>&1 || { cat "$TMP/cpack.log"; fail "cpack"; finish; }
deb=$(ls "$TMP"/pkg/quire_*.deb 2>/dev/null | head -1)
[ -f "$deb" ] && ok "cpack made $(basename "$deb") ($(stat -c %s "$deb") bytes)" ||
	{ fail "no .deb"; finish; }
depends=$(dpkg-deb -f "$deb" Depends)
for lib in nodejs libc6 libxml2 libzip4 libcmark-gfm0 libyaml-0-2 libgumbo1 \
    libtree-sitter0 libicu libglib2.0-0 libssl3; do
	case ", $depends" in
	*", $lib"*) ;;
	*) fail "Depends lacks $lib: $depends" ;;
	esac
done
ok "Depends: $depends"
dpkg-deb -c "$deb" | awk '{print $6}' >"$TMP/list"
for f in ./usr/bin/quire ./usr/share/man/man1/quire.1 \
    ./usr/share/quire/math/quire-math.js \
    ./usr/share/quire/math/node_modules/katex/package.json \
    ./usr/share/quire/math/node_modules/katex/dist/katex.js \
    ./usr/share/bash-completion/completions/quire \
    ./usr/share/zsh/vendor-completions/_quire \
    ./usr/share/fish/vendor_completions.d/quire.fish; do
	grep -qx -- "$f" "$TMP/list" || fail "the package lacks $f"
done
grep -q "^$S\|/work/" "$TMP/list" && fail "the package names a build machine path"

dpkg -x "$deb" "$TMP/root"
mkdir -p "$TMP/book"
printf 'title: Formulas\nauthor: A. Writer\nlanguage: en\n' >"$TMP/book/collection.yaml"
printf '# One\n\nEnergy is $E = mc^2$.\n\n$$\n\\frac{1}{3}\n$$\n' >"$TMP/book/one.md"
# Formulas whose glyphs MathJax loads on demand (double-struck, fraktur,
# script, arrows, big operators): the package must hold what they load.
cat >"$TMP/book/two.md" <<'MD'
# Two

$\mathbb{R}^n$, $\mathfrak{g}$, $\mathcal{L}$, $\mathscr{H}$, $\aleph_0$,
$x \mapsto \overrightarrow{AB}$, $\oint_C \omega$, $\bigotimes_i V_i$,
$\sqrt[3]{\alpha\beta}$, $\begin{pmatrix} a & b \\ c & d \end{pmatrix}$,
$\hbar \nabla \cdot \vec{E} \Rightarrow \partial_t \rho$, $\text{déjà}$.
MD
# packaged ARGS...: the packaged quire, with the source and build trees
# hidden (tmpfs over them).
packaged() {
	(unset QUIRE_MATH QUIRE_CITE; unshare -m bash -c '
	S=$1 B=$2; shift 2
	mount -t tmpfs none "$S" || exit 90
	case $B in "$S"/*) ;; *) mount -t tmpfs none "$B" || exit 90 ;; esac
	exec "$@"' _ "$S" "$B" "$TMP/root/usr/bin/quire" "$@")
}
export SOURCE_DATE_EPOCH=1700000000
packaged build "$TMP/book" -o "$TMP/out" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ $rc -eq 0 ] && ok "the packaged quire builds" || fail "exit $rc: $(head -c 300 "$TMP/e")"
[ -s "$TMP/e" ] && fail "the packaged quire warned: $(head -c 300 "$TMP/e")"
grep -q '<math' "$TMP"/out/*.html && ok "the packaged quire makes MathML" ||
	fail "no MathML from the packaged quire"
# Both math modes give the same bytes as the build tree's quire, with its
# whole node_modules: nothing the converters load was left out.
"$B/quire" build "$TMP/book" -o "$TMP/ref" >/dev/null 2>&1
"$B/quire" build "$TMP/book" -o "$TMP/ref-svg" --math svg >/dev/null 2>&1
packaged build "$TMP/book" -o "$TMP/out-svg" --math svg >/dev/null 2>"$TMP/e2" ||
	fail "the packaged quire, --math svg: $(head -c 300 "$TMP/e2")"
cmp -s "$TMP"/ref/*.epub "$TMP"/out/*.epub && ok "MathML: the same EPUB as the build tree's" ||
	fail "MathML: the packaged quire's EPUB differs from the build tree's"
cmp -s "$TMP"/ref-svg/*.epub "$TMP"/out-svg/*.epub && grep -q '<svg' "$TMP"/out-svg/*.html &&
	ok "SVG: the same EPUB as the build tree's" ||
	fail "SVG: the packaged quire's EPUB differs from the build tree's: $(head -c 300 "$TMP/e2")"
# Citations: the package holds citeproc-js, Citation.js and the default
# style (rehype-citation's Chicago author-date, the rest of it left out).
mkdir -p "$TMP/cbook"
printf 'title: Cited\nauthor: A. Writer\nlanguage: en\nbibliography: refs.bib\n' >"$TMP/cbook/collection.yaml"
printf '@book{doe, author = {Doe, Jane}, title = {Stone}, publisher = {P}, year = {2020}}\n' >"$TMP/cbook/refs.bib"
printf '# One\n\nAs shown [@doe, p. 3].\n' >"$TMP/cbook/one.md"
"$B/quire" build "$TMP/cbook" -o "$TMP/cref" >/dev/null 2>&1
packaged build "$TMP/cbook" -o "$TMP/cout" >/dev/null 2>"$TMP/e3" ||
	fail "the packaged quire, citations: $(head -c 300 "$TMP/e3")"
grep -q '(Doe 2020, 3)' "$TMP"/cout/*.html && cmp -s "$TMP"/cref/*.epub "$TMP"/cout/*.epub &&
	ok "citations: rendered, the same EPUB as the build tree's" ||
	fail "citations: the packaged quire's differ: $(head -c 300 "$TMP/e3")"
finish
