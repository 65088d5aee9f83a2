#!/usr/bin/env bash
# The Debian package on a fresh Debian 12: debootstrap makes a minimal
# bookworm root (minbase: no node, none of quire's libraries), apt installs
# the .deb there, pulling in what its Depends name, and the installed quire
# makes a starter book with a display formula into MathML, without a
# warning.  Needs root, debootstrap and Debian's mirror; takes a few
# minutes, so it is a script of its own rather than part of the suite.
# Usage: deb-chroot.sh BUILDDIR [MIRROR]   (77 without debootstrap or root)
. "$(dirname "$0")/lib.sh"
B=$(realpath "$1") MIRROR=${2:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] && command -v debootstrap >/dev/null ||
	{ echo "skip: needs root and debootstrap"; exit 77; }
(cd "$TMP" && cpack -G DEB --config "$B/CPackConfig.cmake" -B "$TMP/pkg") \
	>"$TMP/cpack.log" 2>&1 || { cat "$TMP/cpack.log"; fail "cpack"; finish; }
deb=$(ls "$TMP"/pkg/quire_*.deb | head -1)
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"
debootstrap --variant=minbase bookworm "$TMP/root" "$MIRROR" >"$TMP/debootstrap.log" 2>&1 ||
	{ tail -5 "$TMP/debootstrap.log"; fail "debootstrap"; finish; }
cp "$deb" "$TMP/root/tmp/quire.deb"
cp /etc/resolv.conf "$TMP/root/etc/resolv.conf"
cat >"$TMP/root/tmp/run.sh" <<'SH'
set -e
export DEBIAN_FRONTEND=noninteractive
command -v node && exit 10   # not fresh: node already there
apt-get update -qq
apt-get install -y -qq /tmp/quire.deb >/tmp/apt.log 2>&1 || { tail -20 /tmp/apt.log; exit 11; }
command -v node >/dev/null || exit 12
cd /tmp && quire init book >/dev/null 2>&1
printf '# Formulas\n\n$$\n\\frac{1}{3}\n$$\n' >book/03-formulas.md
SOURCE_DATE_EPOCH=1767225600 quire build book -o out >/dev/null 2>/tmp/err
[ ! -s /tmp/err ] || { cat /tmp/err; exit 13; }
grep -q 'display="block"' out/*.html || exit 14
ls /usr/share/man/man1/quire.1* >/dev/null || exit 15
SH
unshare -m sh -c 'mount -t proc proc "$1/proc" && chroot "$1" sh /tmp/run.sh' _ "$TMP/root" \
	>"$TMP/chroot.log" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "installed by apt on a fresh bookworm, binds a book with math" ||
	fail "in the chroot: exit $rc: $(tail -5 "$TMP/chroot.log")"
finish
