# 40 levels of sub-chapters: the deepest are refused, with one warning each.
{
	echo '# Summary'
	for i in $(seq 0 39); do
		printf '%*s- [C%d](c%d.md)\n' $((i * 2)) '' "$i" "$i"
		printf '# C%d\n\nText.\n' "$i" > "c$i.md"
	done
} > SUMMARY.md
