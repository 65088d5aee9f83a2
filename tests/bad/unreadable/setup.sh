# An essay nobody may read.  root reads it anyway, so the case is skipped
# there (exit 77).
if [ "$(id -u)" -eq 0 ]; then
	echo "running as root: chmod 000 does not stop root from reading"
	exit 77
fi
printf '# Locked\n\nSecret.\n' >locked.md
chmod 000 locked.md
