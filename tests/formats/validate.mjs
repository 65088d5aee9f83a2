// Validates quire's diagnostics as data: `node validate.mjs json FILE...`
// checks every line of each FILE against diagnostics.schema.json; `node
// validate.mjs sarif FILE...` checks each FILE against the SARIF 2.1.0
// schema (OASIS's, as @microsoft/jest-sarif ships it).  Prints what is
// wrong and exits 1; prints what each file holds and exits 0 when all pass.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const [mode, ...files] = process.argv.slice(2);
if (!['json', 'sarif'].includes(mode) || !files.length) {
  console.error('usage: node validate.mjs json|sarif FILE...');
  process.exit(2);
}
let failed = 0, file;

function report(where, errors) {
  failed++;
  for (const e of errors)
    console.error(`${file}:${where}: ${e.instancePath || '/'} ${e.message}` +
      (e.params ? ' ' + JSON.stringify(e.params) : ''));
}

let check;
if (mode === 'json') {
  const ajv = new Ajv({ allErrors: true, strict: true });
  check = ajv.compile(JSON.parse(readFileSync(
    join(here, 'diagnostics.schema.json'), 'utf8')));
} else {
  const schema = JSON.parse(readFileSync(require.resolve(
    '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  // The schema's language pattern has a stray ']' that only a non-Unicode
  // regular expression accepts (as the draft-04 validators of its day).
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  check = ajv.compile(schema);
}

for (file of files) {
  const before = failed;
  const text = readFileSync(file, 'utf8');
  if (mode === 'json') {
    const lines = text.split('\n');
    if (lines.pop() !== '') {
      console.error(`${file}: the last line does not end in a newline`);
      failed++;
    }
    lines.forEach((line, i) => {
      let v;
      try {
        v = JSON.parse(line);
      } catch (e) {
        report(i + 1, [{ message: 'not JSON: ' + e.message }]);
        return;
      }
      if (!check(v))
        report(i + 1, check.errors);
    });
    if (failed === before)
      console.log(`${file}: ${lines.length} diagnostics valid`);
  } else {
    let log;
    try {
      log = JSON.parse(text);
    } catch (e) {
      report(1, [{ message: 'not JSON: ' + e.message }]);
    }
    if (log && !check(log))
      report(1, check.errors);
    if (failed === before)
      console.log(`${file}: SARIF ${log.version} valid: ` +
        log.runs.map((r) => `${r.tool.driver.name} ${r.results.length} results`)
          .join(', '));
  }
}
process.exit(failed ? 1 : 0);
