// Formulas from KaTeX's own sources, for tests/math-corpus.sh: every
// command, macro and environment KaTeX defines, with arguments until it
// parses, as a book of essays of 100 formulas (a third of them display).
// usage: node math-corpus.js KATEX_DIR BOOK_DIR
const fs = require('fs'), path = require('path');
const K = path.resolve(process.argv[2]);
const book = process.argv[3];
const katex = require(K);
const src = [path.join(K, 'src/symbols.ts'), path.join(K, 'src/macros.ts')]
  .concat(fs.readdirSync(path.join(K, 'src/functions')).map(f => path.join(K, 'src/functions', f)))
  .concat(fs.readdirSync(path.join(K, 'src/environments')).map(f => path.join(K, 'src/environments', f)));
const names = new Set(), envs = new Set();
for (const f of src) {
  if (!f.endsWith('.ts') && !f.endsWith('.js')) continue;
  const t = fs.readFileSync(f, 'utf8');
  for (const m of t.matchAll(/"(\\\\[A-Za-z]+|\\\\.)"/g)) names.add(m[1].replace(/\\\\/g, '\\'));
  if (f.includes('environments')) for (const m of t.matchAll(/"([a-zA-Z]+\*?)"/g)) envs.add(m[1]);
}
const ok = (t) => { if (/\\(show|message|errmessage)/.test(t)) return false; try { katex.renderToString(t, {output: 'mathml', throwOnError: true, strict: 'ignore', displayMode: true}); return true; } catch (e) { return false; } };
const out = [];
const args = ['', '{x}', '{x}{y}', '{x}{y}{z}', '[2]{x}', '{red}{x}', '{1em}', '{x}{y}{z}{w}', '{c}{a}'];
for (const n of names) {
  for (const a of args) { const t = n + a; if (ok(t)) { out.push(t); out.push('a' + t + '_i^2'); break; } }
}
for (const e of envs) {
  for (const c of ['', '{cc}', '{2}', '{c|c}']) {
    const t = '\\begin{' + e + '}' + c + 'a & b \\\\ c & d\\end{' + e + '}';
    if (ok(t)) { out.push(t); out.push('\\begin{' + e + '}' + c + 'x^2 & \\frac{1}{2} \\\\ \\hline \\alpha & \\sqrt{y} \\\\ 1 & 2 \\end{' + e + '}'); break; }
    const t1 = '\\begin{' + e + '}' + c + 'a \\\\ b\\end{' + e + '}';
    if (ok(t1)) { out.push(t1); break; }
  }
}
// colours, spacing, and the classic ones
for (const c of ['red', 'orange', 'rebeccapurple', '#abc', '#a1b2c3', 'blue!50', 'Gray', 'RED'])
  for (const cmd of ['\\color', '\\textcolor', '\\colorbox', '\\fcolorbox{red}'])
    { const t = cmd + '{' + c + '}{x+1}'; if (ok(t)) out.push(t); }
const all = [...new Set(out)].filter(t => !/\n/.test(t));
fs.mkdirSync(book, { recursive: true });
fs.writeFileSync(path.join(book, 'collection.yaml'), 'title: KaTeX corpus\nlanguage: en\n');
for (let i = 0; i < all.length; i += 100) {
  let md = '# Part ' + (i / 100) + '\n\n';
  all.slice(i, i + 100).forEach((t, j) => {
    md += j % 3 === 2 ? '$$\n' + t + '\n$$\n\n' : 'Formula ' + j + ': $' + t + '$ here.\n\n';
  });
  fs.writeFileSync(path.join(book, 'e' + String(i / 100).padStart(3, '0') + '.md'), md);
}
console.log(all.length);
