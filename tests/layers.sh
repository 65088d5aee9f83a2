#!/usr/bin/env bash
# The house's rules (docs/ARCHITECTURE.md), checked on the sources:
#  - a file includes the header of its own layer or of a layer below,
#    never one above (with -Werror=implicit-function-declaration a file
#    then cannot call up a layer: what it can call is what it can see);
#  - a folder's private.h is included by the files of that folder only;
#  - no header is over 300 lines.
# usage: layers.sh SRC_DIR
. "$(dirname "$0")/lib.sh"
SRC=$1
python3 - "$SRC" >"$TMP/out" <<'EOF'
import os, re, sys
src = sys.argv[1]
order = ['base', 'book', 'read', 'render', 'write', 'publish']
rank = {l: i for i, l in enumerate(order)}
top = len(order)          # build.c, main.c, build.h
bad = 0
for dirpath, _, names in os.walk(src):
    for name in sorted(names):
        if not name.endswith(('.c', '.h')):
            continue
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, src)
        folder = os.path.dirname(rel)
        if folder and folder not in rank:
            print(f'FAIL: {rel}: folder {folder} is not a layer')
            bad = 1
            continue
        mine = rank[folder] if folder else top
        text = open(path, encoding='utf-8').read()
        if name.endswith('.h') and text.count('\n') > 300:
            print(f'FAIL: {rel}: {text.count(chr(10))} lines, over 300')
            bad = 1
        for m in re.finditer(r'^#include "([^"]+)"', text, re.M):
            inc = m.group(1)
            if inc == 'quire.h':
                continue
            if inc == 'private.h':
                if not folder:
                    print(f'FAIL: {rel}: includes a private.h from the top')
                    bad = 1
                continue
            if inc == 'build.h':
                if folder:
                    print(f'FAIL: {rel}: includes build.h from a layer')
                    bad = 1
                continue
            parts = inc.split('/')
            if len(parts) != 2 or parts[0] not in rank:
                print(f'FAIL: {rel}: includes "{inc}", not a layer header')
                bad = 1
                continue
            if parts[1] != parts[0] + '.h':
                print(f'FAIL: {rel}: includes {inc}, private to {parts[0]}/')
                bad = 1
            elif rank[parts[0]] > mine:
                print(f'FAIL: {rel}: includes {inc}, a layer above its own')
                bad = 1
            else:
                print(f'ok: {rel}: {inc}')
sys.exit(bad)
EOF
status=$?
grep -v '^ok:' "$TMP/out"
echo "$(grep -c '^ok:' "$TMP/out") includes down or sideways"
[ $status -eq 0 ] && ok "no include up a layer, no private header abroad, headers under 300 lines" ||
	fail "the layers' rules"
# The rule can fail: a base file including a header above it is caught.
[ -n "${LAYERS_INNER:-}" ] && finish
mkdir -p "$TMP/src/base" "$TMP/src/book"
printf '#include "book/book.h"\n' >"$TMP/src/base/x.c"
LAYERS_INNER=1 bash "$0" "$TMP/src" >/dev/null 2>&1 && fail "an include up a layer passed" ||
	ok "an include up a layer is refused"
finish
