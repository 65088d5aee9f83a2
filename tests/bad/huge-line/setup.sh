# One paragraph of 10 MB on a single line (words and emphasis), then a
# broken link on the next line: it is still found, on line 6.
{
	printf -- '---\ntitle: A very long line\n---\n\n'
	python3 -c '
import sys
chunk = "lorem ipsum *dolor* sit amet, consectetur `adipiscing` elit. "
sys.stdout.write(chunk * (10 * 1024 * 1024 // len(chunk) + 1) + "\n")
'
	printf 'See [broken](missing.md).\n'
} >essay.md
