# 30,000 nested lists on one line of 60 KB: deep enough to exhaust the
# stack of a recursive tree walk, and the HTML5 tree builder is slow in
# the square of the depth.  Deeper than any real essay: flattened (and
# said so, where) in time, never a crash.
{
	printf '# Deeper lists\n\n'
	python3 -c 'import sys; sys.stdout.write("- " * 30000 + "x\n")'
} >essay.md
