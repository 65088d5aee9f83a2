#!/usr/bin/env bash
# fetch.sh OUTDIR [N]
#
# Builds a folder of real-world Markdown from the READMEs of the first N
# (default 40) packages listed in packages.txt beside this script.
#
#  - Each package tarball is fetched once with `npm pack` into a cache
#    (${QUIRE_NPM_CACHE:-$HOME/.cache/quire-npm}); later runs need no network.
#  - Only the README at the package root (README.md or readme.markdown, any
#    case) is kept, as OUTDIR/<name, with / replaced by __>.md.
#  - Same list -> same folder: OUTDIR is rebuilt from scratch (it must be
#    absent, empty, or hold only .md files), files get a fixed mtime.
#  - Fails (exit 1) if fewer than 90% of the N packages gave a README.
#
# Environment:
#   QUIRE_NPM_CACHE        tarball cache (default $HOME/.cache/quire-npm)
#   QUIRE_NPM_OFFLINE=1    never call npm; use only what the cache holds
#   QUIRE_REALWORLD_LIST   package list (default: packages.txt beside this)
#   QUIRE_FETCH_JOBS       parallel npm/tar processes (default 8)
#
# Prints, on stdout, one summary line: "<files> files, <bytes> bytes".
# Per-package problems go to stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=fetch.sh

die() { echo "$prog: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $prog OUTDIR [N]"
outdir=$1
n=${2:-40}
case $n in ''|*[!0-9]*) die "N must be a positive integer, got '$n'";; esac
[ "$n" -gt 0 ] || die "N must be a positive integer, got '$n'"

list=${QUIRE_REALWORLD_LIST:-$here/packages.txt}
cache=${QUIRE_NPM_CACHE:-$HOME/.cache/quire-npm}
jobs=${QUIRE_FETCH_JOBS:-8}
offline=${QUIRE_NPM_OFFLINE:-0}
export LC_ALL=C

[ -r "$list" ] || die "cannot read package list $list"
command -v tar >/dev/null || die "tar is required"

# The first N entries (blank lines and # comments ignored).
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' | head -n "$n")
[ "${#pkgs[@]}" -gt 0 ] || die "no packages in $list"
[ "${#pkgs[@]}" -eq "$n" ] || echo "$prog: note: $list has only ${#pkgs[@]} packages (asked for $n)" >&2
n=${#pkgs[@]}

# name@version -> the file name npm pack gives it: @scope/name -> scope-name-VERSION.tgz
tgz_name() {
    local spec=$1 name ver
    name=${spec%@*}; ver=${spec##*@}
    name=${name#@}; name=${name//\//-}
    printf '%s-%s.tgz' "$name" "$ver"
}

mkdir -p "$cache" || die "cannot create cache dir $cache"

# ---- 1. fetch missing tarballs -------------------------------------------
missing=()
for p in "${pkgs[@]}"; do
    case $p in ?*@?*) ;; *) die "bad entry '$p' in $list (want name@version)";; esac
    [ -s "$cache/$(tgz_name "$p")" ] || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$offline" = 1 ]; then
        echo "$prog: QUIRE_NPM_OFFLINE=1: ${#missing[@]} package(s) not in cache $cache, skipped" >&2
    else
        command -v npm >/dev/null || die "npm is required to fetch ${#missing[@]} package(s) not in cache $cache"
        echo "$prog: fetching ${#missing[@]} package(s) into $cache ..." >&2
        stage=$(mktemp -d "$cache/.stage.XXXXXX")
        trap 'rm -rf "$stage"' EXIT
        # Several packages per npm call, several calls at once. npm pack gives
        # up on the whole batch at the first bad spec, so a failed batch is
        # retried one package at a time to find the culprit(s).
        printf '%s\n' "${missing[@]}" |
        xargs -d '\n' -n 8 -P "$jobs" bash -c '
            stage=$1; shift
            d=$(mktemp -d "$stage/b.XXXXXX")
            if ! npm pack --silent --pack-destination "$d" "$@" >/dev/null 2>&1; then
                for p in "$@"; do
                    npm pack --silent --pack-destination "$d" "$p" >/dev/null 2>&1 ||
                        echo "fetch.sh: npm pack $p failed" >&2
                done
            fi
            for f in "$d"/*.tgz; do [ -e "$f" ] && mv -f "$f" "$stage/"; done
            rmdir "$d" 2>/dev/null || true
            exit 0
        ' _ "$stage"
        # Publish into the cache only complete tarballs (atomic rename).
        for f in "$stage"/*.tgz; do
            [ -e "$f" ] || continue
            if gzip -t "$f" 2>/dev/null; then mv -f "$f" "$cache/"; else echo "$prog: corrupt download $(basename "$f") dropped" >&2; fi
        done
        rm -rf "$stage"; trap - EXIT
    fi
fi

# ---- 2. extract READMEs --------------------------------------------------
if [ -e "$outdir" ]; then
    [ -d "$outdir" ] || die "$outdir exists and is not a directory"
    if [ -n "$(find "$outdir" -mindepth 1 \( ! -type f -o ! -name '*.md' \) -print -quit)" ]; then
        die "$outdir holds files other than .md; refusing to replace it"
    fi
fi
parent=$(dirname "$outdir")
mkdir -p "$parent"
tmpout=$(mktemp -d "$parent/.fetch.XXXXXX")
trap 'rm -rf "$tmpout"' EXIT

printf '%s\n' "${pkgs[@]}" |
xargs -d '\n' -n 16 -P "$jobs" bash -c '
    cache=$1 out=$2; shift 2
    for p in "$@"; do
        name=${p%@*}; ver=${p##*@}
        t=${name#@}; t=${t//\//-}; tgz="$cache/$t-$ver.tgz"
        if [ ! -s "$tgz" ]; then echo "fetch.sh: $p: not fetched" >&2; continue; fi
        dest="$out/${name//\//__}.md"
        # Extracted READMEs are cached too (versions are exact, so they never go stale).
        rc="$cache/readme/$t-$ver.md"
        if [ ! -e "$rc" ]; then
            # README at the root of the tarball (its single top folder, usually package/).
            member=$(tar -tzf "$tgz" 2>/dev/null | grep -iE "^[^/]+/readme\.(md|markdown)$" | sort | head -n 1) || true
            mkdir -p "$cache/readme"
            tmp=$(mktemp "$cache/readme/.x.XXXXXX")
            if [ -n "$member" ]; then tar -xzOf "$tgz" "$member" > "$tmp" 2>/dev/null || : > "$tmp"; else : > "$tmp"; fi
            mv -f "$tmp" "$rc"   # empty file = no usable README
        fi
        if [ ! -s "$rc" ]; then echo "fetch.sh: $p: no README.md (or an empty one) at the tarball root" >&2; continue; fi
        cp "$rc" "$dest"; chmod 644 "$dest"
        touch -d "2000-01-01 00:00:00 UTC" "$dest"
    done
    exit 0
' _ "$cache" "$tmpout"

rm -rf "$outdir"
mv "$tmpout" "$outdir"
trap - EXIT
chmod 755 "$outdir"

files=$(find "$outdir" -maxdepth 1 -type f -name '*.md' | wc -l)
bytes=$(find "$outdir" -maxdepth 1 -type f -name '*.md' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "$files files, $bytes bytes"

# at least 90% (ceil(0.9 * n))
need=$(( (n * 9 + 9) / 10 ))
if [ "$files" -lt "$need" ]; then
    die "only $files of $n packages gave a README (need >= $need, 90%); check network access to the npm registry or the cache in $cache"
fi
