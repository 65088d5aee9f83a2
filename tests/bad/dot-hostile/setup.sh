# A graph past the node limit and a dense one past the edge limit: refused
# before the layout, whose time grows much faster than their size.
{
	printf -- '---\ntitle: Big\n---\n```dot\ndigraph {\n'
	for i in $(seq 1 151); do printf 'n%d;\n' "$i"; done
	printf '}\n```\n\n```dot\ndigraph {\n'
	for i in $(seq 1 301); do printf 'm%d -> m%d;\n' $((i % 40)) $((i * 7 % 40)); done
	printf '}\n```\n'
} > big.md
