# Sourced by a tests/bad case's verify.sh: the time quire takes must grow
# with its input, not with the input's square.
#
#   . "$QUIRE_TESTS/ratio.sh"; ratio GEN SMALL BIG
#
# GEN N DIR writes a content folder of size N into DIR; `quire check` is
# timed on SMALL and on BIG (BIG = 10 x SMALL); it fails when BIG takes
# more than 15 times as long as SMALL (SMALL counted as at least 0.2 s, the
# best of two runs, so start-up and noise do not decide) or more than 60 s.
ratio() {
	local gen=$1 small=$2 big=$3 d t ts tb
	d=$(mktemp -d "${TMPDIR:-/tmp}/quire-ratio.XXXXXX") || return 3
	mkdir "$d/small" "$d/big"
	"$gen" "$small" "$d/small" || { rm -rf "$d"; echo "ratio: $gen $small failed"; return 1; }
	"$gen" "$big" "$d/big" || { rm -rf "$d"; echo "ratio: $gen $big failed"; return 1; }
	timed() {  # timed DIR: seconds of `quire check DIR`, or 999 past 60 s
		local s e st
		s=$(date +%s.%N)
		timeout -k 5 60 "$QUIRE" check "$1" >/dev/null 2>&1
		st=$?
		e=$(date +%s.%N)
		[ $st -ge 124 ] && { echo 999; return; }
		awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }' 
	}
	ts=$(timed "$d/small")
	t=$(timed "$d/small")
	ts=$(awk -v a="$ts" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
	tb=$(timed "$d/big")
	rm -rf "$d"
	echo "ratio: $small in ${ts}s, $big in ${tb}s"
	if awk -v s="$ts" -v b="$tb" 'BEGIN { exit !(b > 15 * (s < 0.2 ? 0.2 : s)) }'; then
		echo "ratio: $big took more than 15 times as long as $small"
		return 1
	fi
	return 0
}
