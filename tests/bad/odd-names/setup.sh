# Names a shell or an XML writer could trip on; made here so that every
# checkout (Windows refuses '"' in names) has them.
cat >'my "quoted" essay.md' <<'MD'
# A "quoted" essay

It links to [the café](caf%C3%A9.md), to [the other one](<it's & \<more\>.md>)
and to [its own second part](<my "quoted" essay.md#part-two>).

## Part two

Nothing more.
MD
cat >"it's & <more>.md" <<'MD'
---
title: Ampersands & <angle> brackets
---

Back to [the quoted one](my%20%22quoted%22%20essay.md).
MD
cat >' leading space.md' <<'MD'
Text with no heading at all.
MD
