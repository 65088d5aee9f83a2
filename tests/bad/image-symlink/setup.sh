# Images that are links to files outside the content folder, one of them
# through a linked folder.
ln -s /etc/passwd secret.png
ln -s /etc etc
