# 10 MB on one line again, now with a link to a section of the essay in
# every sentence (about 160,000 links, all valid): checking them must not
# take time proportional to links times line length.
{
	printf -- '---\ntitle: A very long line of links\n---\n\n## Top\n\n'
	python3 -c '
import sys
chunk = "lorem ipsum dolor sit amet, [consectetur](#top) adipiscing elit. "
sys.stdout.write(chunk * (10 * 1024 * 1024 // len(chunk) + 1) + "\n")
'
	printf '\nSee [broken](#nope).\n'
} >essay.md
