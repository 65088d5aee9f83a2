# A folder of essays, a link to it inside and a link to a folder outside.
mkdir -p sub ../folders-linked-outside
printf '# B\n\ny\n' >sub/b.md
printf '# C\n\nz\n' >../folders-linked-outside/c.md
ln -s sub inner
ln -s ../folders-linked-outside out
