# 100,000 nested block quotes on one line of 200 KB: answered in time,
# flattened below the limit, with a warning where it starts.
{
	printf '# Deeper quotes\n\n'
	python3 -c 'import sys; sys.stdout.write("> " * 100000 + "x\n")'
} >essay.md
