#!/usr/bin/env bash
# ace-check.sh — accessibility check of an EPUB with Ace by DAISY.
#
#   tests/js/ace-check.sh BOOK.epub OUTDIR
#
# Runs Ace (tests/js/node_modules/.bin/ace-cli, installed by `npm ci` in
# tests/js) on BOOK.epub with the system Chromium, writes Ace's reports to
# OUTDIR (report.json, report.html, data/), then prints the number of
# violations by impact and one line per violation (impact, rule id, file,
# location), and a closing summary line.
#
# Exit status: 0 no violation; 1 at least one violation (any impact);
# 2 usage error, Ace missing, Ace failed or timed out, or no report.json.
#
# Environment:
#   CHROMIUM            browser to use (default /usr/bin/chromium)
#   ACE_CHECK_TIMEOUT   seconds before Ace (and its browser) is killed (default 180)
#
# Notes:
#   - Ace's puppeteer is pointed at tests/js/chromium-wrapper.sh through
#     PUPPETEER_EXECUTABLE_PATH; the wrapper adds this project's Chromium flags
#     (--no-sandbox, --disable-gpu, no background networking, ...). Ace 1.4.6
#     itself already passes --no-sandbox --disable-setuid-sandbox (so running
#     as root works), but offers no option or variable for other flags.
#   - Ace's browser start-up timeout defaults to 5 s (ACE_TIMEOUT_INITIAL);
#     it is raised here to 30 s for a busy 2-core machine.
#   - The npm package's binary is named `ace-cli`, not `ace`.
#   - Ace also writes a log under ~/.local/state/DAISY Ace/.
set -u

usage() {
  echo "usage: $0 BOOK.epub OUTDIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
book=$1
outdir=$2
[ -f "$book" ] || { echo "ace-check: no such file: $book" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
ace=$here/node_modules/.bin/ace-cli
[ -x "$ace" ] || ace=$here/node_modules/.bin/ace
if [ ! -x "$ace" ]; then
  echo "ace-check: Ace is not installed: run 'PUPPETEER_SKIP_DOWNLOAD=1 npm ci' in $here" >&2
  exit 2
fi

real_chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$real_chromium" ]; then
  echo "ace-check: no Chromium at $real_chromium (set CHROMIUM)" >&2
  exit 2
fi

mkdir -p "$outdir" || exit 2
# Never read a report left by an earlier run.
rm -f "$outdir/report.json"
log=$outdir/ace.log

export QUIRE_CHROMIUM_REAL=$real_chromium
export PUPPETEER_EXECUTABLE_PATH=$here/chromium-wrapper.sh
export PUPPETEER_SKIP_DOWNLOAD=1
export ACE_TIMEOUT_INITIAL=${ACE_TIMEOUT_INITIAL:-30000}
limit=${ACE_CHECK_TIMEOUT:-180}

echo "ace-check: $book -> $outdir (timeout ${limit}s, log $log)"
start=$(date +%s)
# GNU timeout signals the whole process group, so Chromium goes too.
timeout --kill-after=10 "$limit" "$ace" --force --timeout 120000 --outdir "$outdir" "$book" >"$log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "ace-check: FAIL: Ace did not finish within ${limit}s" >&2
  tail -n 20 "$log" >&2
  exit 2
fi
if [ $rc -ne 0 ] || [ ! -s "$outdir/report.json" ]; then
  echo "ace-check: FAIL: Ace exited with status $rc and/or wrote no report.json" >&2
  tail -n 20 "$log" >&2
  exit 2
fi
echo "ace-check: Ace finished in ${secs}s"

node - "$outdir/report.json" <<'EOF'
const fs = require('fs');
const file = process.argv[2];
let report;
try {
  report = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`ace-check: cannot parse ${file}: ${e.message}`);
  process.exit(2);
}
const impacts = ['critical', 'serious', 'moderate', 'minor'];
const counts = Object.fromEntries(impacts.map((i) => [i, 0]));
const rows = [];
// report.assertions: one entry per checked file (package.opf, each XHTML
// document), each with its own `assertions`: one per failed rule.
const walk = (node, subject) => {
  for (const a of node.assertions || []) {
    const subj = (a['earl:testSubject'] && a['earl:testSubject'].url) || subject;
    if (a['earl:test']) {
      const result = a['earl:result'] || {};
      if (result['earl:outcome'] !== 'fail') continue;
      const test = a['earl:test'];
      const impact = impacts.includes(test['earl:impact']) ? test['earl:impact'] : 'unknown';
      counts[impact] = (counts[impact] || 0) + 1;
      const ptr = result['earl:pointer'] || {};
      const css = ptr.css || [];
      const cfi = ptr.cfi || [];
      const locs = new Set();
      for (let i = 0; i < Math.max(css.length, cfi.length); i++) {
        locs.add([css[i] ? `css=${css[i]}` : '', cfi[i] ? `cfi=${cfi[i]}` : ''].filter(Boolean).join(' '));
      }
      rows.push({
        impact,
        rule: test['dct:title'] || '?',
        file: subj || '?',
        where: locs.size ? [...locs].join(' | ') : '(whole file)',
        what: (result['dct:description'] || test['dct:description'] || '').replace(/\s+/g, ' '),
      });
    }
    walk(a, subj);
  }
};
walk(report, undefined);
const order = (r) => { const i = impacts.indexOf(r.impact); return i < 0 ? impacts.length : i; };
rows.sort((a, b) => order(a) - order(b) || a.file.localeCompare(b.file) || a.rule.localeCompare(b.rule));

const ace = report['earl:assertedBy'] && report['earl:assertedBy']['doap:release'] ? report['earl:assertedBy']['doap:release']['doap:revision'] : '?';
const outcome = report['earl:result'] ? report['earl:result']['earl:outcome'] : '?';
console.log(`ace-check: Ace ${ace}, overall outcome: ${outcome}`);
for (const r of rows) {
  console.log(`  ${r.impact.padEnd(8)} ${r.rule}  ${r.file}  ${r.where}`);
  if (r.what) console.log(`           ${r.what.slice(0, 300)}`);
}
const m = report['a11y-metadata'];
if (m && Array.isArray(m.missing) && m.missing.length) {
  console.log(`ace-check: note: accessibility metadata not declared (informative): ${m.missing.join(', ')}`);
}
const extra = Object.keys(counts).filter((k) => !impacts.includes(k)).map((k) => ` ${k}=${counts[k]}`).join('');
console.log(`violations=${rows.length} critical=${counts.critical} serious=${counts.serious} moderate=${counts.moderate} minor=${counts.minor}${extra}`);
process.exit(rows.length === 0 ? 0 : 1);
EOF
