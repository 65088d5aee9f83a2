# An essay in a folder whose path passes PATH_MAX (4096 bytes): it
# cannot be read by its path, and that is an error with its name, not
# an essay silently left out.
printf '# Top\n\nText.\n' >top.md
python3 -c '
import os
for i in range(20):
    d = "f%02d-" % i + "x" * 230
    os.mkdir(d)
    os.chdir(d)
open("deep.md", "w").write("# Deep\n\nText.\n")
'
