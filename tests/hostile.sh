#!/usr/bin/env bash
# Hostile input against the output folder, the author's stylesheet,
# releases, signing and verify: a build never removes anything it did not
# make (a link in .quire/ is not followed); no author CSS closes <style>
# or fetches anything; a tampered release is not signed; ssh-keygen takes
# no path as an option; verify refuses what is not a regular file; an
# essay swapped for a link between the check and the open is not read.
# Usage: hostile.sh QUIRE
. "$(dirname "$0")/lib.sh"
Q=$(realpath "$1")
export SOURCE_DATE_EPOCH=1760000000

book() {  # book DIR: a small book of two essays
	mkdir -p "$1"
	printf 'title: Hostile\nauthor: A. Author\nlanguage: en\n' >"$1/collection.yaml"
	printf -- '---\ntitle: One\n---\n\nThe first essay.\n' >"$1/one.md"
	printf -- '---\ntitle: Two\n---\n\nThe second essay.\n' >"$1/two.md"
}

# ---- 1. the clean-up of .quire/ follows no link ----
book "$TMP/c1"
mkdir -p "$TMP/victim/sub" "$TMP/o1/.quire"
for f in a b c; do echo "$f" >"$TMP/victim/$f"; done
echo deep >"$TMP/victim/sub/d"
ln -s "$TMP/victim" "$TMP/o1/.quire/g-x"
ln -s "$TMP/victim" "$TMP/o1/.quire/current.y"
ln -s "$TMP/victim/a" "$TMP/o1/.quire/g-file"
mkdir "$TMP/o1/.quire/g-real"
ln -s "$TMP/victim" "$TMP/o1/.quire/g-real/inner"
ln -s "$TMP/victim/b" "$TMP/o1/.quire/g-real/SHA256SUMS"
"$Q" build "$TMP/c1" -o "$TMP/o1" -q 2>"$TMP/err" || { cat "$TMP/err"; fail "build with links in .quire/"; }
n=$(find "$TMP/victim" -type f | wc -l)
[ "$n" = 4 ] && ok "clean-up: a linked folder in .quire/ keeps its files" ||
	fail "clean-up removed files outside the output folder ($n of 4 left)"
[ -d "$TMP/victim/sub" ] || fail "clean-up removed a folder outside the output folder"
"$Q" build "$TMP/c1" -o "$TMP/o1" --release 1.0 -q 2>"$TMP/err" || { cat "$TMP/err"; fail "release with links in .quire/"; }
n=$(find "$TMP/victim" -type f | wc -l)
[ "$n" = 4 ] && ok "clean-up: a release keeps them too" ||
	fail "a release removed files outside the output folder ($n of 4 left)"

# .quire itself a link to a folder holding what looks like a generation.
mkdir -p "$TMP/victim2/g-abc123" "$TMP/o9"
echo keep >"$TMP/victim2/g-abc123/releases.xml"
ln -s "$TMP/victim2" "$TMP/o9/.quire"
"$Q" build "$TMP/c1" -o "$TMP/o9" -q 2>/dev/null
[ -f "$TMP/victim2/g-abc123/releases.xml" ] && ok "clean-up: a linked .quire is not entered" ||
	fail "clean-up removed a file through a linked .quire"

# ---- 2. the author's stylesheet cannot close <style> or fetch ----
book "$TMP/c2"
mkdir -p "$TMP/c2/style"
printf 'stylesheet: style/book.css\n' >>"$TMP/c2/collection.yaml"
cat >"$TMP/c2/style/book.css" <<'EOF'
p { color: black }
@font-feature-values Font One { @styleset { nice-style: 12; } }
<@import "x.css";/style><meta http-equiv="refresh" content="0;url=http://evil.example/one"><style>
@media print { </style><meta http-equiv="refresh" content="0;url=http://evil.example/two"><style> }
@unknown-rule </style><meta http-equiv="refresh" content="0;url=http://evil.example/three"> { a: b }
h1 { filter: url(#a\29 \3c /style\3e \3c meta\20 http-equiv\3d refresh\20 content\3d 0\3burl\3d http\3a //evil.example/four\3e ); }
h2 { background-image: image-set("http://evil.example/five.png" 1x); }
h3 { background: -webkit-image-set("http://evil.example/six.png" 1x); }
h4 { content: "<\/style><!-- \3c /style>"; }
h5 { cursor: url(http\3a //evil.example/seven.cur), auto; }
h6::after { content: "\3c !--"; }
/* </style><meta http-equiv="refresh" content="0;url=http://evil.example/eight"> */
EOF
"$Q" build "$TMP/c2" -o "$TMP/o2" 2>"$TMP/err"
[ $? -le 1 ] || { cat "$TMP/err"; fail "css: build crashed"; }
html=$(ls "$TMP"/o2/*.html 2>/dev/null | head -1)
epub=$(ls "$TMP"/o2/*.epub 2>/dev/null | head -1)
if [ -z "$html" ] || [ -z "$epub" ]; then
	cat "$TMP/err"; fail "css: no outputs"
else
	python3 - "$html" "$epub" <<'EOF' && ok "css: nothing closes <style>, nothing fetches, in either output" || fail "css: the author's stylesheet escapes"
import re, sys, zipfile
html = open(sys.argv[1], encoding='utf-8', errors='replace').read()
low = html.lower()
bad = []
if 'refresh' in low: bad.append('archive: a <meta http-equiv=refresh>')
if 'evil.example' in low: bad.append('archive: a remote address')
# Every <style> element holds no "</" and no "<!--" before its end.
for m in re.finditer(r'<style[^>]*>', low):
    end = low.find('</style', m.end())
    body = low[m.end():end]
    if '<!--' in body or '<' in body: bad.append('archive: "<" inside <style>: %r' % body[max(0, body.find('<') - 20):body.find('<') + 40])
if low.count('<style') != low.count('</style'): bad.append('archive: %d <style> against %d </style' % (low.count('<style'), low.count('</style')))
z = zipfile.ZipFile(sys.argv[2])
for n in z.namelist():
    if not n.endswith('.css'): continue
    css = z.read(n).decode('utf-8', 'replace').lower()
    for s in ('</', '<!--', 'evil.example', 'http:', 'http\\', 'image-set('):
        if s in css: bad.append('epub %s: %r' % (n, s))
    # No escape in an output url(): written back quoted, plain.
    for u in re.findall(r'url\(([^)]*)\)', css):
        if '\\' in u: bad.append('epub %s: an escape in url(%s)' % (n, u))
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF
fi
grep -q 'book\.css:[0-9]*:[0-9]*: warning' "$TMP/err" && ok "css: what was dropped is said, at its line" ||
	{ cat "$TMP/err"; fail "css: no warning at a line of the stylesheet"; }

# ---- 3. signing: a tampered release is not signed; no path is an option ----
book "$TMP/c3"
ssh-keygen -q -t ed25519 -N '' -C author@example.org -f "$TMP/key" >/dev/null
echo "author@example.org $(cut -d' ' -f1,2 "$TMP/key.pub")" >"$TMP/allowed"
D=$TMP/o3
"$Q" build "$TMP/c3" -o "$D" --release 1.0 --sign "$TMP/key" -q 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "sign: release 1.0"; }
# Swap the book, and put the new digest in the ledger (only there).
book1=$(ls "$D"/*-1.0.epub | head -1)
real=$(readlink -f "$book1")
cp "$(ls "$D"/*-1.0.html | head -1)" "$TMP/evil"
old=$(sha256sum <"$real" | cut -d' ' -f1) osize=$(stat -c %s "$real")
new=$(sha256sum <"$TMP/evil" | cut -d' ' -f1) nsize=$(stat -c %s "$TMP/evil")
cp "$TMP/evil" "$real"
lreal=$(readlink -f "$D/releases.xml")
sed -i "s/size=\"$osize\" sha256=\"$old\"/size=\"$nsize\" sha256=\"$new\"/; s/$old/$new/" "$lreal"
printf '\nMore.\n' >>"$TMP/c3/two.md"
"$Q" build "$TMP/c3" -o "$D" --release 2.0 --sign "$TMP/key" -q 2>"$TMP/err"
st=$?
if [ $st -eq 1 ] && grep -q 'error' "$TMP/err"; then
	ok "sign: a book changed since the last signature is refused"
else
	cat "$TMP/err"; fail "sign: signed a tampered release (exit $st)"
fi
grep -q -- '-2.0\.' "$D/SHA256SUMS" 2>/dev/null &&
	fail "sign: the refused release was published" || ok "sign: nothing of 2.0 published"

# ssh-keygen: paths that read as options (an output folder "-nfoo"
# makes "-nfoo/..." the namespace; a key named "-nkey").
book "$TMP/c4"
mkdir -p "$TMP/w" && cd "$TMP/w" || exit 3
cp "$TMP/key" ./-nkey && chmod 600 ./-nkey
for run in "-nfoo $TMP/key" "-nbar -nkey"; do
	set -- $run
	"$Q" build "$TMP/c4" -o "$1" --release 1.0 --sign "$2" -q 2>"$TMP/err"
	st=$?
	if [ $st -eq 0 ]; then
		(cd "./$1" && ssh-keygen -Y verify -f "$TMP/allowed" -I author@example.org -n file \
			-s SHA256SUMS.sig <SHA256SUMS >/dev/null 2>&1) &&
			ok "sign: folder $1, key $2: a signature that verifies" ||
			fail "sign: folder $1, key $2: exit 0 with a signature that does not verify"
	else
		[ ! -e "./$1/SHA256SUMS.sig" ] && [ ! -L "./$1/SHA256SUMS.sig" ] &&
			ok "sign: folder $1, key $2: refused (exit $st), no signature left" ||
			fail "sign: folder $1, key $2: exit $st with a SHA256SUMS.sig left"
	fi
done
# A key ssh-keygen cannot use: an error, no signature.
echo "not a key" >"$TMP/badkey"
book "$TMP/c5"
"$Q" build "$TMP/c5" -o "$TMP/o5" --release 1.0 --sign "$TMP/badkey" -q 2>"$TMP/err"
st=$?
[ $st -ne 0 ] && [ ! -s "$TMP/o5/SHA256SUMS.sig" ] && ok "sign: an unusable key fails, no signature" ||
	fail "sign: an unusable key: exit $st"
cd "$TMP" || exit 3

# ---- 4. verify refuses what is not a regular file, without waiting ----
book "$TMP/c6"
"$Q" build "$TMP/c6" -o "$TMP/o6" --release 1.0 -q 2>/dev/null || fail "verify: release"
for kind in fifo zero; do
	rm -rf "$TMP/o7" && cp -a "$TMP/o6" "$TMP/o7"
	f=$(readlink -f "$(ls "$TMP"/o7/*-1.0.epub | head -1)")
	rm -f "$f"
	case $kind in
	fifo) mkfifo "$f" ;;
	zero) ln -s /dev/zero "$f" ;;
	esac
	timeout -k 2 20 "$Q" verify "$TMP/o7" -q 2>"$TMP/err"
	st=$?
	if [ $st -eq 1 ] && grep -q 'not a regular file' "$TMP/err"; then
		ok "verify: a $kind in place of a book is refused"
	else
		cat "$TMP/err"; fail "verify: a $kind: exit $st"
	fi
done

# ---- 5. an essay swapped for a link between the check and the open ----
# A shim renames a link to an outside file over race.md just before the
# file is opened (open, openat, or openat2 through syscall), after every
# check by name: what is opened must be checked, not the name.
if command -v cc >/dev/null 2>&1; then
	cat >"$TMP/swap.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static int done;
static void
swap(const char *path)
{
	const char *b;
	char tmp[PATH_MAX], dst[PATH_MAX];
	if (done || path == NULL)
		return;
	b = strrchr(path, '/');
	if (strcmp(b ? b + 1 : path, "race.md") != 0)
		return;
	done = 1;
	snprintf(tmp, sizeof(tmp), "%s/race.md.lnk", getenv("SWAP_DIR"));
	snprintf(dst, sizeof(dst), "%s/race.md", getenv("SWAP_DIR"));
	unlink(tmp);
	if (symlink(getenv("SWAP_TARGET"), tmp) == 0)
		rename(tmp, dst);
}
#define REAL(name, ret, args) static ret (*real_##name) args; \
	if (!real_##name) real_##name = (ret (*) args)dlsym(RTLD_NEXT, #name)
int
open(const char *path, int flags, ...)
{
	va_list ap; mode_t m;
	REAL(open, int, (const char *, int, ...));
	va_start(ap, flags); m = va_arg(ap, mode_t); va_end(ap);
	swap(path);
	return real_open(path, flags, m);
}
int
open64(const char *path, int flags, ...)
{
	va_list ap; mode_t m;
	REAL(open64, int, (const char *, int, ...));
	va_start(ap, flags); m = va_arg(ap, mode_t); va_end(ap);
	swap(path);
	return real_open64(path, flags, m);
}
int
openat(int fd, const char *path, int flags, ...)
{
	va_list ap; mode_t m;
	REAL(openat, int, (int, const char *, int, ...));
	va_start(ap, flags); m = va_arg(ap, mode_t); va_end(ap);
	swap(path);
	return real_openat(fd, path, flags, m);
}
int
openat64(int fd, const char *path, int flags, ...)
{
	va_list ap; mode_t m;
	REAL(openat64, int, (int, const char *, int, ...));
	va_start(ap, flags); m = va_arg(ap, mode_t); va_end(ap);
	swap(path);
	return real_openat64(fd, path, flags, m);
}
long
syscall(long n, ...)
{
	va_list ap; long a[6];
	REAL(syscall, long, (long, ...));
	va_start(ap, n);
	for (int i = 0; i < 6; i++) a[i] = va_arg(ap, long);
	va_end(ap);
#ifdef SYS_openat2
	if (n == SYS_openat2)
		swap((const char *)a[1]);
#endif
	return real_syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
EOF
	if cc -shared -fPIC -o "$TMP/swap.so" "$TMP/swap.c" -ldl 2>"$TMP/err"; then
		book "$TMP/c8"
		printf -- '---\ntitle: Race\n---\n\nHarmless words.\n' >"$TMP/c8/race.md"
		echo "SECRET-OUTSIDE-THE-FOLDER" >"$TMP/secret.md"
		SWAP_DIR=$TMP/c8 SWAP_TARGET=$TMP/secret.md LD_PRELOAD=$TMP/swap.so \
			"$Q" build "$TMP/c8" -o "$TMP/o8" -q 2>"$TMP/err"
		if [ ! -L "$TMP/c8/race.md" ] && [ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then
			# A sanitizer's runtime intercepts open() before the shim.
			echo "skip: race: the shim sees no open under a sanitizer"
		elif [ ! -L "$TMP/c8/race.md" ]; then
			fail "race: the shim never swapped race.md (no open of it seen)"
		elif grep -rqa SECRET-OUTSIDE "$TMP/o8" 2>/dev/null ||
			(cd "$TMP/o8" 2>/dev/null && for e in *.epub; do unzip -p "$e"; done | grep -qa SECRET-OUTSIDE); then
			fail "race: an outside file read through a link swapped in"
		else
			ok "race: a link swapped in after the check is not followed"
		fi
	else
		cat "$TMP/err"; fail "race: the shim does not compile"
	fi
fi
finish
