# Two names that differ only in case (not committed: they collide on
# case-insensitive file systems, where the case is skipped).
printf -- '---\ntitle: Upper intro\n---\n\nThe first.\n' >Intro.md
printf -- '---\ntitle: Lower intro\n---\n\nThe second.\n' >intro.md
if [ "$(ls | wc -l)" -ne 2 ]; then
	echo "case-insensitive file system"
	exit 77
fi
