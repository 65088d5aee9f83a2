// quire-math.js: TeX to MathML or SVG for quire (src/math.c), one process
// per build serving every formula of the book: KaTeX's MathML output, or
// MathJax's SVG output for readers without MathML.
//
// Protocol on standard input and output, bytes counted in UTF-8:
//   greeting  "quire-math 1 katex VERSION\n", once KaTeX is loaded
//   request   "i LEN\n" (inline) or "d LEN\n" (display), then LEN bytes of
//             TeX: MathML; "I LEN\n" or "D LEN\n": SVG;
//             "m LEN\n" then LEN bytes of a JSON object of macros (name to
//             definition, "\name" or "name") for the formulas after it
//   answer    "ok LEN\n" then LEN bytes: one <math> element with the TeX
//             as its alttext, or one <svg> element with role="img" and the
//             TeX as its aria-label and <title> (nothing for "m");
//             or "err LEN\n" then LEN bytes of the converter's message.
// Bounds: KaTeX's maxExpand and MathJax's maxMacros and maxBuffer bound the
// expansion of macros; an answer past MAX_OUT bytes or nested deeper than
// MAX_DEPTH elements is refused.  quire bounds the time of each formula.
'use strict';

const katex = require('katex');
const cssColors = require('color-name');
const { DOMParser, XMLSerializer } = require('@xmldom/xmldom');

// \message and \show would print on the standard output, which is the
// protocol's: nothing but answers goes there.
console.log = console.info = console.warn = console.error = console.debug =
  () => {};

const MAX_OUT = 256 << 10;
// KaTeX looks each token up among the macros as it expands it (about two
// lookups a token): a budget of lookups stops a macro that doubles its
// argument long before its output is built (a 30 by 30 matrix of
// fractions takes some 5,400).
const MAX_LOOKUPS = 50000;
const MAX_DEPTH = 200;

let macros = {};

function escapeAttr(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
    .replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function escapeText(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

// The depth of the deepest element of well-formed markup.
function depth(markup) {
  let d = 0, max = 0;
  const tag = /<(\/?)[A-Za-z][^>]*?(\/?)>/g;
  let m;
  while ((m = tag.exec(markup)) !== null) {
    if (m[1])
      d--;
    else if (!m[2] && ++d > max)
      max = d;
  }
  return max;
}

function bounded(out) {
  const size = Buffer.byteLength(out, 'utf8');
  if (size > MAX_OUT)
    throw new Error('the formula is too large: ' + size +
      ' bytes once converted (at most ' + MAX_OUT + ')');
  if (depth(out) > MAX_DEPTH)
    throw new Error('the formula is nested deeper than ' + MAX_DEPTH +
      ' levels');
  return out;
}

// MathML's schema names HTML 4's sixteen colours; the other names of CSS
// become hex (their values from the color-name package); a colour that is
// neither is dropped.
const COLOR16 = new Set(['aqua', 'black', 'blue', 'fuchsia', 'gray',
  'green', 'lime', 'maroon', 'navy', 'olive', 'purple', 'red', 'silver',
  'teal', 'white', 'yellow']);

function color(c) {
  const v = c.trim().toLowerCase();
  if (COLOR16.has(v) || /^#([0-9a-f]{3}|[0-9a-f]{6})$/.test(v))
    return v;
  if (Object.prototype.hasOwnProperty.call(cssColors, v))
    return '#' + cssColors[v].map((x) => x.toString(16).padStart(2, '0')).join('');
  return null;
}

// KaTeX's MathML made to fit the MathML schema that EPUB checkers use
// (checked over formulas of every command KaTeX defines): colours named or
// hex, column spacing one length, no width on a table cell, and a mover or
// munder with three children (a brace with limits) made munderover.
const COLOR_ATTRS = ['mathcolor', 'mathbackground'];
const ONE_TOKEN = ['columnspacing', 'rowspacing'];

function conformNode(el) {
  for (const a of COLOR_ATTRS) {
    if (el.hasAttribute(a)) {
      const raw = el.getAttribute(a);
      const v = a === 'mathbackground' && raw.trim() === 'transparent' ?
        'transparent' : color(raw);
      if (v)
        el.setAttribute(a, v);
      else
        el.removeAttribute(a);
    }
  }
  for (const a of ONE_TOKEN) {
    if (el.hasAttribute(a)) {
      const first = el.getAttribute(a).trim().split(/\s+/)[0];
      if (first)
        el.setAttribute(a, first);
      else
        el.removeAttribute(a);
    }
  }
  for (const a of ['columnalign', 'rowalign', 'columnlines', 'rowlines'])
    if (el.hasAttribute(a) && el.getAttribute(a).trim() === '')
      el.removeAttribute(a);
  if (el.localName === 'mtd')
    el.removeAttribute('width');
  let kids = 0;
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) {
      kids++;
      conformNode(c);
    }
  }
  if ((el.localName === 'mover' || el.localName === 'munder') && kids === 3) {
    const u = el.ownerDocument.createElementNS(el.namespaceURI, 'munderover');
    for (let i = 0; i < el.attributes.length; i++)
      u.setAttribute(el.attributes[i].name, el.attributes[i].value);
    while (el.firstChild)
      u.appendChild(el.firstChild);
    el.parentNode.replaceChild(u, el);
  }
}

function conform(math) {
  const doc = new DOMParser().parseFromString(math, 'text/xml');
  conformNode(doc.documentElement);
  return new XMLSerializer().serializeToString(doc.documentElement);
}

// The book's macros (a fresh copy a formula: \gdef writes into it),
// counting KaTeX's lookups.
function budgeted(m) {
  let n = 0;
  return new Proxy(m, {
    getOwnPropertyDescriptor(target, key) {
      if (++n > MAX_LOOKUPS)
        throw new Error('the formula expands to too many tokens');
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

function mathml(tex, display) {
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
    macros: budgeted(Object.assign({}, macros)),
  });
  if (refused.length)
    throw new Error(refused[0] + ' is not allowed in a book');
  // Only the <math> element: KaTeX wraps it in spans for its stylesheet.
  const start = html.indexOf('<math');
  const end = html.lastIndexOf('</math>');
  if (start < 0 || end < start)
    throw new Error('no MathML produced');
  let math = bounded(html.slice(start, end + 7));
  // The TeX lives in alttext, the standard place, not in an <annotation>
  // that readers without MathML print after the formula.
  math = math.replace(/<annotation encoding="application\/x-tex">[^<]*<\/annotation>/, '')
    .replace(/<semantics>([\s\S]*)<\/semantics>(<\/math>)$/, '$1$2');
  return conform(math).replace(/^<math[^>]*/, (tag) =>
    tag + ' alttext="' + escapeAttr(tex) + '"');
}

// MathJax, loaded at the first SVG formula only.
let mj = null;

function mathjax() {
  if (mj)
    return mj;
  require('@mathjax/src/cjs/util/asyncLoad/node.js');
  const { mathjax: core } = require('@mathjax/src/cjs/mathjax.js');
  const { TeX } = require('@mathjax/src/cjs/input/tex.js');
  const { SVG } = require('@mathjax/src/cjs/output/svg.js');
  const { liteAdaptor } = require('@mathjax/src/cjs/adaptors/liteAdaptor.js');
  const { RegisterHTMLHandler } = require('@mathjax/src/cjs/handlers/html.js');
  require('@mathjax/src/cjs/input/tex/base/BaseConfiguration.js');
  require('@mathjax/src/cjs/input/tex/ams/AmsConfiguration.js');
  require('@mathjax/src/cjs/input/tex/newcommand/NewcommandConfiguration.js');
  require('@mathjax/src/cjs/input/tex/configmacros/ConfigMacrosConfiguration.js');
  const { MathJaxNewcmFont } = require('@mathjax/mathjax-newcm-font/cjs/svg.js');
  const adaptor = liteAdaptor();
  RegisterHTMLHandler(adaptor);
  mj = { core, adaptor, TeX, SVG, MathJaxNewcmFont, doc: null };
  return mj;
}

// A MathJax document for the current macros (made again when they change).
function mjdoc() {
  const j = mathjax();
  if (!j.doc) {
    const m = {};
    // MathJax wants the number of arguments of a macro that takes some.
    for (const [k, v] of Object.entries(macros)) {
      const args = Math.max(0, ...[...v.matchAll(/#([1-9])/g)].map((x) => Number(x[1])));
      m[k.replace(/^\\/, '')] = args ? [v, args] : v;
    }
    // Only TeX's own commands: no \href, \require, \html*; an unknown
    // command is an error, not red text.
    const tex = new j.TeX({
      packages: ['base', 'ams', 'newcommand', 'configmacros'],
      macros: m,
      maxMacros: 1000,
      maxBuffer: 5 * 1024,
      formatError: (jax, err) => { throw err; },
    });
    // One drawing a formula: no line breaks inside inline math.
    const svg = new j.SVG({ fontCache: 'none', fontData: j.MathJaxNewcmFont,
      linebreaks: { inline: false } });
    j.doc = j.core.document('', { InputJax: tex, OutputJax: svg });
  }
  return j.doc;
}

async function svg(tex, display) {
  const doc = mjdoc();
  const node = await mathjax().core.handleRetriesFor(() =>
    doc.convert(tex, { display }));
  let s = mathjax().adaptor.innerHTML(node);
  if (!s.startsWith('<svg') || !s.endsWith('</svg>'))
    throw new Error('no SVG produced');
  // What a book keeps: the drawing, named by its TeX for screen readers.
  s = s.replace(/ data-[a-z-]+="[^"]*"/g, '')
    .replace(/ focusable="false"/, '')
    .replace(/ role="img"/, '')
    .replace(/^<svg/, '<svg role="img" aria-label="' + escapeAttr(tex) + '"')
    .replace(/^(<svg[^>]*>)/, '$1<title>' + escapeText(tex) + '</title>');
  // Display math: a centred line of its own, as MathML's display="block"
  // is, with no stylesheet needed.
  if (display)
    s = s.replace(/^(<svg[^>]*? style=")[^"]*"/,
      '$1display: block; margin: 0.6em auto;"');
  return bounded(s);
}

function answer(kind, text) {
  const body = Buffer.from(text, 'utf8');
  process.stdout.write(kind + ' ' + body.length + '\n');
  process.stdout.write(body);
}

async function serve(kind, text) {
  try {
    if (kind === 'm') {
      const m = JSON.parse(text);
      if (m === null || typeof m !== 'object' || Array.isArray(m))
        throw new Error('macros are not a mapping');
      macros = {};
      for (const [k, v] of Object.entries(m)) {
        if (typeof v !== 'string')
          throw new Error('the macro ' + k + ' is not a string');
        macros[k.startsWith('\\') ? k : '\\' + k] = v;
      }
      if (mj)
        mj.doc = null;
      answer('ok', '');
    } else if (kind === 'i' || kind === 'd') {
      answer('ok', mathml(text, kind === 'd'));
    } else {
      answer('ok', await svg(text, kind === 'D'));
    }
  } catch (e) {
    answer('err', String(e && e.message ? e.message : e)
      .replace(/\s+/g, ' ').trim());
  }
}

let pending = Buffer.alloc(0);
let busy = false;
let ended = false;

// Answers the requests buffered, one at a time, in order.
async function pump() {
  if (busy)
    return;
  busy = true;
  for (;;) {
    const nl = pending.indexOf(10);
    if (nl < 0)
      break;
    const head = pending.slice(0, nl).toString('latin1').split(' ');
    const len = Number(head[1]);
    if (!['i', 'd', 'I', 'D', 'm'].includes(head[0]) ||
        !Number.isInteger(len) || len < 0) {
      process.exit(2);
    }
    if (pending.length < nl + 1 + len)
      break;
    const text = pending.slice(nl + 1, nl + 1 + len).toString('utf8');
    pending = pending.slice(nl + 1 + len);
    await serve(head[0], text);
  }
  busy = false;
  if (ended)
    process.exit(0);
}

process.stdin.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  pump();
});
process.stdin.on('end', () => {
  ended = true;
  if (!busy)
    process.exit(0);
});

process.stdout.write('quire-math 1 katex ' + katex.version + '\n');
