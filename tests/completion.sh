#!/usr/bin/env bash
# `quire completion bash|zsh|fish` prints the scripts of assets/completion/
# (the ones packages install): each parses in its shell, bash's registers
# for quire and completes commands, options and their values; fish's too.
# zsh and fish are checked when installed.  Usage: completion.sh QUIRE ASSETS
. "$(dirname "$0")/lib.sh"
Q=$1 A=$2
for sh in bash zsh fish; do
	"$Q" completion "$sh" >"$TMP/$sh" 2>"$TMP/err" ||
		fail "completion $sh: exit $? ($(head -c 200 "$TMP/err"))"
done
cmp -s "$TMP/bash" "$A/quire.bash" && cmp -s "$TMP/zsh" "$A/_quire" &&
	cmp -s "$TMP/fish" "$A/quire.fish" &&
	ok "prints the installed scripts" || fail "printed scripts differ from assets/completion"
"$Q" completion tcsh >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && ok "an unknown shell is a usage error" || fail "completion tcsh did not exit 2"

bash -n "$TMP/bash" && ok "bash -n" || fail "bash -n"
# In a shell of its own: what complete -p says, then what _quire offers.
out=$(bash --norc -c '
	. "$1"
	complete -p quire
	c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _quire
	      echo "${COMPREPLY[*]}"; }
	c quire bu
	c quire build --dia
	c quire check --diagnostics=s
	c quire build -f e
	c quire completion f
	c quire check --st' _ "$TMP/bash" 2>&1)
want='complete -F _quire quire
build
--diagnostics=
--diagnostics=sarif
epub
fish
--strict'
[ "$out" = "$want" ] && ok "bash: complete -p and completions" ||
	fail "bash completions: $(printf '%s' "$out" | tr '\n' '|')"

if command -v zsh >/dev/null; then
	zsh -n "$TMP/zsh" && ok "zsh -n" || fail "zsh -n"
	head -1 "$TMP/zsh" | grep -qx '#compdef quire' && ok "zsh: #compdef" ||
		fail "zsh: no #compdef line"
else
	echo "skip: zsh not installed"
fi
if command -v fish >/dev/null; then
	fish -n "$TMP/fish" && ok "fish -n" || fail "fish -n"
	out=$(fish --no-config -c "source $TMP/fish
		complete -C 'quire wa' | cut -f1
		complete -C 'quire build --diag' | cut -f1
		complete -C 'quire build -f ' | cut -f1 | sort" 2>&1)
	want='watch
--diagnostics
all
epub
html'
	[ "$out" = "$want" ] && ok "fish completions" ||
		fail "fish completions: $(printf '%s' "$out" | tr '\n' '|')"
else
	echo "skip: fish not installed"
fi
finish
