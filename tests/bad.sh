#!/usr/bin/env bash
# Hostile and broken inputs: every folder in CASES_DIR is a content folder
# plus a file `expect`, and quire must answer it with the expected exit
# status and diagnostics, without crashing, hanging or writing anything
# when it reports an error.
#
# usage: bash tests/bad.sh QUIRE_BINARY CASES_DIR [CASE...]
#
# A case folder holds:
#   *.md, collection.yaml, images...  the content quire reads
#   expect     line 1: `exit N`, the status of `quire check CASE [ARGS]`;
#              then, one a line (blank lines and # comments are skipped):
#                args: ARGS     extra arguments (split on spaces), e.g. --strict
#                not: REGEX     no line of stderr may match REGEX
#                REGEX          some line of stderr must match REGEX
#              (extended regular expressions, grep -E, bytes: LC_ALL=C)
#   setup.sh   optional: run by bash inside the fresh copy of the case
#              before quire, for inputs that are not committed (huge or
#              binary files, symlinks, odd names, modes).  Exit 77: skip.
#   verify.sh  optional: run by bash in the copy after a successful build,
#              with the output folder as $1; non-zero exit: failure.
#              $QUIRE is the binary, $QUIRE_TESTS the tests folder (for
#              ratio.sh: time against the input's size).
#
# Each case is copied (cp -a, symlinks kept) to TMP/CASE and run from TMP
# as `quire check CASE` and `quire build CASE -o out`, so diagnostics read
# `CASE/file.md:L:C: ...`.  Both runs must end within 60 seconds with the
# expected status (never >= 128: a signal), print no sanitizer report, and
# the build must write an .epub and an .html when the status is 0, nothing
# of them otherwise.
set -u

if [ $# -lt 2 ]; then
	echo "usage: bash $0 QUIRE_BINARY CASES_DIR [CASE...]" >&2
	exit 2
fi
quire=$1
cases=$2
shift 2
case $quire in
/*) ;;
*) quire=$PWD/$quire ;;
esac
case $cases in
/*) ;;
*) cases=$PWD/$cases ;;
esac
if [ ! -x "$quire" ]; then
	echo "bad.sh: $quire is not an executable" >&2
	exit 2
fi
if [ ! -d "$cases" ]; then
	echo "bad.sh: $cases is not a folder" >&2
	exit 2
fi

limit=${QUIRE_BAD_TIMEOUT:-60}
export QUIRE=$quire
QUIRE_TESTS=$(cd "$(dirname "$0")" && pwd)
export QUIRE_TESTS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quire-bad.XXXXXX") || exit 3
cleanup() {
	chmod -R u+rwX "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The environment quire runs in: no colour, no fixed time unless a case
# sets one, a UTF-8 locale when the machine has one.
export NO_COLOR=1
unset SOURCE_DATE_EPOCH
if locale -a 2>/dev/null | grep -qix 'c\.utf-\{0,1\}8'; then
	export LC_ALL=C.UTF-8
fi

npass=0
nfail=0
nskip=0
failed=""

# run OUTFILE ERRFILE ARGS...: runs quire from $tmp under the time limit;
# sets $status.
run() {
	local out=$1 err=$2
	shift 2
	(cd "$tmp" && exec timeout -k 5 "$limit" "$quire" "$@") \
	    >"$out" 2>"$err" </dev/null
	status=$?
}

# show FILE: the first lines of a run's stderr, indented, for the log.
show() {
	LC_ALL=C sed -n '1,25{s/^/    | /;s/\(.\{300\}\).*/\1.../;p;}' "$1"
	local n
	n=$(wc -l <"$1")
	if [ "$n" -gt 25 ]; then
		echo "    | ... ($n lines)"
	fi
}

if [ $# -gt 0 ]; then
	list=("$@")
else
	list=()
	for d in "$cases"/*/; do
		[ -d "$d" ] && list+=("$(basename "$d")")
	done
fi
if [ ${#list[@]} -eq 0 ]; then
	echo "bad.sh: no cases in $cases" >&2
	exit 2
fi

for name in "${list[@]}"; do
	src=$cases/$name
	why=""
	if [ ! -f "$src/expect" ]; then
		echo "FAIL $name: no $src/expect"
		nfail=$((nfail + 1))
		failed="$failed $name"
		continue
	fi
	rm -rf "${tmp:?}/$name" "$tmp/out" "$tmp"/*.err "$tmp"/*.out
	cp -a "$src" "$tmp/$name"
	rm -f "$tmp/$name/expect" "$tmp/$name/setup.sh" "$tmp/$name/verify.sh"

	# The expectations.
	shown=""
	want=""
	args=()
	musts=()
	nots=()
	lineno=0
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		line=${line%$'\r'}
		if [ $lineno -eq 1 ]; then
			case $line in
			"exit "[0-9]*) want=${line#exit } ;;
			*) why="expect: line 1 is not 'exit N'" ;;
			esac
			continue
		fi
		case $line in
		"" | "#"*) ;;
		"args: "*) read -r -a more <<<"${line#args: }"
			args+=("${more[@]}") ;;
		"not: "*) nots+=("${line#not: }") ;;
		*) musts+=("$line") ;;
		esac
	done <"$src/expect"

	if [ -z "$why" ] && [ -f "$src/setup.sh" ]; then
		(cd "$tmp/$name" && bash "$src/setup.sh") \
		    >"$tmp/setup.out" 2>&1 </dev/null
		rc=$?
		if [ $rc -eq 77 ]; then
			echo "skip $name: $(tail -n 1 "$tmp/setup.out")"
			nskip=$((nskip + 1))
			chmod -R u+rwX "$tmp/$name" 2>/dev/null
			rm -rf "${tmp:?}/$name"
			continue
		elif [ $rc -ne 0 ]; then
			why="setup.sh failed ($rc): $(tail -n 1 "$tmp/setup.out")"
		fi
	fi

	# quire check
	if [ -z "$why" ]; then
		start=$(date +%s)
		run "$tmp/check.out" "$tmp/check.err" check "$name" \
		    ${args[@]+"${args[@]}"}
		secs=$(($(date +%s) - start))
		shown="quire check $name${args[*]+ ${args[*]}} (exit $status)"
		shownerr=$tmp/check.err
		if [ $status -eq 124 ] || [ $status -eq 137 ]; then
			why="check: timed out after ${limit}s"
		elif [ $status -ge 128 ]; then
			why="check: killed by signal $((status - 128))"
		elif LC_ALL=C grep -aqE 'AddressSanitizer|LeakSanitizer|runtime error' \
		    "$tmp/check.err"; then
			why="check: sanitizer report"
		elif [ "$status" != "$want" ]; then
			why="check: exit $status, expected $want"
		fi
	fi
	if [ -z "$why" ]; then
		for re in ${musts[@]+"${musts[@]}"}; do
			if ! LC_ALL=C grep -aqE -e "$re" "$tmp/check.err"; then
				why="check: no diagnostic matches: $re"
				break
			fi
		done
	fi
	if [ -z "$why" ]; then
		for re in ${nots[@]+"${nots[@]}"}; do
			if LC_ALL=C grep -aqE -e "$re" "$tmp/check.err"; then
				why="check: unwanted diagnostic: $(LC_ALL=C \
				    grep -aE -m 1 -e "$re" "$tmp/check.err" |
				    cut -c 1-200)"
				break
			fi
		done
	fi
	if [ -z "$why" ] && [ -s "$tmp/check.out" ]; then
		why="check: wrote to stdout (a check writes nothing)"
	fi

	# quire build: the same verdict, and files only on success.
	if [ -z "$why" ]; then
		run "$tmp/build.out" "$tmp/build.err" build "$name" -o out \
		    ${args[@]+"${args[@]}"}
		shown="quire build $name -o out${args[*]+ ${args[*]}} (exit $status)"
		shownerr=$tmp/build.err
		if [ $status -eq 124 ] || [ $status -eq 137 ]; then
			why="build: timed out after ${limit}s"
		elif [ $status -ge 128 ]; then
			why="build: killed by signal $((status - 128))"
		elif LC_ALL=C grep -aqE 'AddressSanitizer|LeakSanitizer|runtime error' \
		    "$tmp/build.err"; then
			why="build: sanitizer report"
		elif [ "$status" != "$want" ]; then
			why="build: exit $status, expected $want (check agreed)"
		fi
	fi
	if [ -z "$why" ]; then
		nepub=$(find "$tmp/out" -name '*.epub' 2>/dev/null | wc -l)
		nhtml=$(find "$tmp/out" -name '*.html' 2>/dev/null | wc -l)
		if [ "$want" -eq 0 ]; then
			if [ "$nepub" -eq 0 ] || [ "$nhtml" -eq 0 ]; then
				why="build: exit 0 but no .epub and .html in out/"
			fi
		elif [ "$nepub" -ne 0 ] || [ "$nhtml" -ne 0 ] ||
		    [ -n "$(ls -A "$tmp/out" 2>/dev/null)" ]; then
			why="build: exit $want but it wrote: $(cd "$tmp/out" &&
			    ls -A | tr '\n' ' ')"
		fi
	fi
	if [ -z "$why" ] && [ -f "$src/verify.sh" ]; then
		if ! (cd "$tmp/$name" && bash "$src/verify.sh" "$tmp/out") \
		    >"$tmp/verify.out" 2>&1 </dev/null; then
			why="verify.sh: $(tail -n 1 "$tmp/verify.out")"
		fi
	fi

	if [ -z "$why" ]; then
		echo "ok   $name (${secs}s)"
		npass=$((npass + 1))
	else
		echo "FAIL $name: $why"
		if [ -n "$shown" ]; then
			echo "    $shown:"
			show "$shownerr"
		fi
		nfail=$((nfail + 1))
		failed="$failed $name"
	fi
	chmod -R u+rwX "$tmp/$name" 2>/dev/null
	rm -rf "${tmp:?}/$name"
done

echo "$((npass + nfail + nskip)) cases: $npass passed, $nfail failed, $nskip skipped"
if [ $nfail -gt 0 ]; then
	echo "failed:$failed"
	exit 1
fi
exit 0
