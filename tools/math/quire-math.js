// quire-math.js: TeX to MathML for quire (src/math.c), one process per
// build serving every formula of the book through KaTeX's MathML output.
//
// Protocol on standard input and output, bytes counted in UTF-8:
//   greeting  "quire-math 1 katex VERSION\n", once KaTeX is loaded
//   request   "i LEN\n" (inline) or "d LEN\n" (display), then LEN bytes of TeX
//   answer    "ok LEN\n" then LEN bytes of MathML (one <math> element with
//             alttext and an application/x-tex annotation),
//             or "err LEN\n" then LEN bytes of KaTeX's message.
'use strict';

const katex = require('katex');

function escapeAttr(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
    .replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function convert(tex, display) {
  // Commands that link or load (\href, \url, \includegraphics, \html*)
  // are refused: a book fetches nothing.  KaTeX would show them in red;
  // quire reports them and shows the TeX.
  const refused = [];
  const html = katex.renderToString(tex, {
    output: 'mathml',
    displayMode: display,
    throwOnError: true,
    trust: (context) => { refused.push(context.command); return false; },
    strict: 'ignore',
    maxExpand: 1000,
    maxSize: 100,
  });
  if (refused.length)
    throw new Error(refused[0] + ' is not allowed in a book');
  // Only the <math> element: KaTeX wraps it in spans for its stylesheet.
  const start = html.indexOf('<math');
  const end = html.lastIndexOf('</math>');
  if (start < 0 || end < start)
    throw new Error('no MathML produced');
  const math = html.slice(start, end + 7);
  // The TeX as the reader's alternative text, on the element itself.
  return math.replace(/^<math[^>]*/, (tag) =>
    tag + ' alttext="' + escapeAttr(tex) + '"');
}

function answer(kind, text) {
  const body = Buffer.from(text, 'utf8');
  process.stdout.write(kind + ' ' + body.length + '\n');
  process.stdout.write(body);
}

let pending = Buffer.alloc(0);

process.stdin.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  for (;;) {
    const nl = pending.indexOf(10);
    if (nl < 0)
      return;
    const head = pending.slice(0, nl).toString('latin1').split(' ');
    const len = Number(head[1]);
    if ((head[0] !== 'i' && head[0] !== 'd') || !Number.isInteger(len) ||
        len < 0) {
      process.exit(2);
    }
    if (pending.length < nl + 1 + len)
      return;
    const tex = pending.slice(nl + 1, nl + 1 + len).toString('utf8');
    pending = pending.slice(nl + 1 + len);
    try {
      answer('ok', convert(tex, head[0] === 'd'));
    } catch (e) {
      answer('err', String(e && e.message ? e.message : e)
        .replace(/\s+/g, ' ').trim());
    }
  }
});
process.stdin.on('end', () => process.exit(0));

process.stdout.write('quire-math 1 katex ' + katex.version + '\n');
