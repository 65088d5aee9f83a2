# An essay 40 folders down (deeper than quire reads), and a folder that
# links back to its parent.
d=.
for i in $(seq 1 40); do d=$d/d$i; done
mkdir -p "$d"
printf '# Deep down\n\nText.\n' >"$d/deep.md"
ln -s .. d1/up
