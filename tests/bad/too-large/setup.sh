# An essay over the 64 MiB limit (and a fine one beside it).
printf '# Fine\n\nText.\n' >fine.md
python3 -c '
import sys
line = "A line of text that is repeated many, many times over.\n"
n = 65 * 1024 * 1024 // len(line) + 2
sys.stdout.write("# Too big\n\n")
sys.stdout.write(line * n)
' >huge.md
