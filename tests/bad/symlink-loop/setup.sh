# Symbolic links that never end: one to itself, two to each other, one
# pointing nowhere, and an "essay" that is a link to the folder itself.
ln -s loop.md loop.md
ln -s b.md a.md
ln -s a.md b.md
ln -s nowhere.md dangling.md
ln -s . folder.md
