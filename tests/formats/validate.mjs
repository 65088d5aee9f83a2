// Validates quire's diagnostics as data: `node validate.mjs json FILE`
// checks every line of FILE against diagnostics.schema.json; `node
// validate.mjs sarif FILE` checks FILE against the SARIF 2.1.0 schema
// (OASIS's, as @microsoft/jest-sarif ships it).  Prints what is wrong and
// exits 1; prints the number of objects checked and exits 0 when all pass.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const [mode, file] = process.argv.slice(2);
if (!['json', 'sarif'].includes(mode) || !file) {
  console.error('usage: node validate.mjs json|sarif FILE');
  process.exit(2);
}
const text = readFileSync(file, 'utf8');
let failed = 0;

function report(where, errors) {
  failed++;
  for (const e of errors)
    console.error(`${file}:${where}: ${e.instancePath || '/'} ${e.message}` +
      (e.params ? ' ' + JSON.stringify(e.params) : ''));
}

if (mode === 'json') {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const check = ajv.compile(JSON.parse(readFileSync(
    join(here, 'diagnostics.schema.json'), 'utf8')));
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
  if (!failed)
    console.log(`${lines.length} diagnostics valid`);
} else {
  const schema = JSON.parse(readFileSync(require.resolve(
    '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  // The schema's language pattern has a stray ']' that only a non-Unicode
  // regular expression accepts (as the draft-04 validators of its day).
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const check = ajv.compile(schema);
  let log;
  try {
    log = JSON.parse(text);
  } catch (e) {
    report(1, [{ message: 'not JSON: ' + e.message }]);
  }
  if (log && !check(log))
    report(1, check.errors);
  if (!failed)
    console.log(`SARIF ${log.version} valid: ` +
      log.runs.map((r) => `${r.tool.driver.name} ${r.results.length} results`)
        .join(', '));
}
process.exit(failed ? 1 : 0);
