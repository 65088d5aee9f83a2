# 10,000 nested lists on line 3 ("- - - ... x"), then 10,000 nested
# ordered lists indented one level deeper each on the following lines.
{
	printf '# Deep lists\n\n'
	python3 -c 'import sys; sys.stdout.write("- " * 10000 + "x\n\n")'
	python3 -c 'import sys; sys.stdout.write("1. " * 10000 + "y\n")'
} >essay.md
