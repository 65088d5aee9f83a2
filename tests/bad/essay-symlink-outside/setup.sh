# An "essay" that is a link to a file outside the content folder.
ln -s /etc/passwd leak.md
