# 10,000 nested block quotes on line 3, then a line that continues them
# lazily, then 5,000 quote markers on their own lines one level each.
{
	printf '# Deep quotes\n\n'
	python3 -c '
import sys
sys.stdout.write("> " * 10000 + "deep\nlazy continuation\n\n")
for i in range(1, 5001):
    sys.stdout.write(">" * i + " q\n")
'
} >essay.md
