// quire-cite.js: citations and bibliographies for quire (src/render/cite.c),
// one process per build: BibTeX read into CSL JSON by Citation.js, every
// citation of the book and the bibliography rendered by citeproc-js, the
// engine Zotero uses.  quire reads the author's files and sends their
// bytes: nothing here opens a file of the book.
//
// Protocol on standard input and output, bytes counted in UTF-8:
//   greeting  "quire-cite 1 citeproc VERSION\n"
//   request   "LEN\n" then LEN bytes of a JSON object:
//     {"op":"load","sources":[{"type":"bibtex"|"json","text":...}]}
//       answer: a record "k SOURCE" per key of each source
//     {"op":"render","lang":"fr","styles":[null or CSL XML...],
//      "clusters":[{"style":N,"intext":BOOL,"items":[{"id","prefix",
//      "suffix","suppress"}]}]}, the clusters in book order,
//      "bibs":[{"style":N,"ids":[key...] or null for every work cited}]}
//       answer: a record "c" per cluster (its HTML), in order; a record
//       "b N" per entry of the N-th bibliography asked for, in the
//       style's order: "KEY\0ANCHOR\0HTML", ANCHOR an XML name, the same
//       for a work wherever it is listed, unique in the book
//   answer    "ok LEN\n" then LEN bytes of records, each "TAG LEN\n" then
//             LEN bytes; or "err LEN\n" then "SOURCE LINE COL\nmessage"
//             (SOURCE the index of the source or style, -1 if none)
// The default style is Chicago author-date (CSL, shipped with the npm
// package rehype-citation); the locale the book's language's when
// Citation.js ships it, else en-US.
'use strict';

const fs = require('fs');
const path = require('path');

console.log = console.info = console.warn = console.error = console.debug =
  () => {};

const CSL = require('citeproc');
const { plugins } = require('@citation-js/core');
require('@citation-js/plugin-bibtex');
const locales = require('@citation-js/plugin-csl/lib/locales.json');

const MAX_OUT = 16 << 20;

// The CSL of the default style: rehype-citation ships it as an ES module
// holding one template literal, with no escape or substitution in it.
function chicago() {
  const file = path.join(__dirname, 'node_modules', 'rehype-citation',
    'dist', 'node', 'styles', 'chicago.js');
  const js = fs.readFileSync(file, 'utf8');
  const m = /^export default `([^`\\$]*)`;?\s*$/.exec(js);
  if (!m)
    throw new Error('the default style cannot be read from ' + file);
  return m[1];
}

function localeFor(lang) {
  const names = Object.keys(locales);
  lang = String(lang || 'en').replace('_', '-');
  const exact = names.find(n => n.toLowerCase() === lang.toLowerCase());
  if (exact)
    return exact;
  const primary = lang.split('-')[0].toLowerCase();
  return names.find(n => n.split('-')[0].toLowerCase() === primary) ||
    'en-US';
}

// Pandoc's locator terms: the text after a key ("p. 33", "chap. 1") as a
// CSL label and locator, the rest its suffix.
const LABELS = [
  ['pages', 'page'], ['page', 'page'], ['pp.', 'page'], ['p.', 'page'],
  ['chapters', 'chapter'], ['chapter', 'chapter'], ['chaps.', 'chapter'],
  ['chap.', 'chapter'], ['ch.', 'chapter'],
  ['sections', 'section'], ['section', 'section'], ['secs.', 'section'],
  ['sec.', 'section'], ['§§', 'section'], ['§', 'section'],
  ['volumes', 'volume'], ['volume', 'volume'], ['vols.', 'volume'],
  ['vol.', 'volume'], ['figures', 'figure'], ['figure', 'figure'],
  ['figs.', 'figure'], ['fig.', 'figure'], ['lines', 'line'],
  ['line', 'line'], ['ll.', 'line'], ['l.', 'line'], ['notes', 'note'],
  ['note', 'note'], ['nn.', 'note'], ['n.', 'note'],
  ['paragraphs', 'paragraph'], ['paragraph', 'paragraph'],
  ['paras.', 'paragraph'], ['para.', 'paragraph'], ['¶¶', 'paragraph'],
  ['¶', 'paragraph'], ['books', 'book'], ['book', 'book'],
  ['bk.', 'book'], ['columns', 'column'], ['column', 'column'],
  ['cols.', 'column'], ['col.', 'column'], ['parts', 'part'],
  ['part', 'part'], ['pt.', 'part'], ['verses', 'verse'],
  ['verse', 'verse'], ['vv.', 'verse'], ['v.', 'verse'],
];
const NUMBER = /^[0-9ivxlcdmIVXLCDM]+[a-z]?(\s*[-–—,&]\s*[0-9ivxlcdmIVXLCDM]+[a-z]?)*/;

function locate(item, suffix) {
  let s = suffix.replace(/^\s*,\s*/, '');
  let label = null;
  for (const [term, l] of LABELS)
    if (s.startsWith(term) && /^[\s\d]/.test(s.slice(term.length))) {
      label = l;
      s = s.slice(term.length).trimStart();
      break;
    }
  const m = NUMBER.exec(s);
  if (m && (label || /^\d/.test(s))) {
    item.label = label || 'page';
    item.locator = m[0];
    s = s.slice(m[0].length);
    if (s)
      item.suffix = s;
  } else if (suffix.trim()) {
    item.suffix = suffix;
  }
  return item;
}

let items = new Map();
const order = [];

function load(req) {
  const keys = [];
  req.sources.forEach((src, i) => {
    let list;
    try {
      if (src.type === 'json') {
        list = JSON.parse(src.text);
        if (!Array.isArray(list))
          list = [list];
      } else {
        list = plugins.input.chain(src.text, { generateGraph: false,
          forceType: '@bibtex/text' });
      }
    } catch (e) {
      const msg = String(e && e.message || e);
      const at = /at line (\d+) col (\d+)/.exec(msg) ||
        /line (\d+) column (\d+)/.exec(msg);
      const pos = /at position (\d+)/.exec(msg);
      let line = at ? +at[1] : 1, col = at ? +at[2] : 1;
      if (!at && pos) {
        const before = src.text.slice(0, +pos[1]).split('\n');
        line = before.length;
        col = before[before.length - 1].length + 1;
      }
      throw { source: i, line, col, message: 'cannot read the bibliography: ' +
        msg.split('\n')[0].replace(/\s*at line \d+ col \d+:?$/, '') };
    }
    const k = [];
    for (const it of list) {
      if (!it || typeof it !== 'object' || it.id === undefined ||
          it.id === null)
        throw { source: i, line: 1, col: 1,
          message: 'an entry without an id' };
      it.id = String(it.id);
      k.push(it.id);
      if (!items.has(it.id)) {
        items.set(it.id, it);
        order.push(it.id);
      }
    }
    keys.push(k);
  });
  return keys.map((k, i) => k.map(key => record('k ' + i, key)).join(''))
    .join('');
}

function render(req) {
  const locale = localeFor(req.lang);
  const sys = {
    retrieveLocale: l => locales[l] || locales['en-US'],
    retrieveItem: id => items.get(id),
  };
  const styles = req.styles.map((xml, i) => {
    try {
      const engine = new CSL.Engine(sys, xml === null ? chicago() : xml,
        locale);
      engine.setOutputFormat('html');
      return engine;
    } catch (e) {
      throw { style: i, line: 1, col: 1,
        message: String(e && e.message || e).split('\n')[0] };
    }
  });
  const per = styles.map(() => []);
  req.clusters.forEach((c, i) => {
    per[c.style].push({
      citationID: 'c' + i,
      citationItems: c.items.map(it => {
        const ci = locate({ id: it.id }, it.suffix || '');
        if (it.prefix)
          ci.prefix = it.prefix;
        if (it.suppress)
          ci['suppress-author'] = true;
        return ci;
      }),
      properties: c.intext ? { noteIndex: 0, mode: 'composite' } :
        { noteIndex: 0 },
    });
  });
  const out = new Array(req.clusters.length).fill('');
  const anchors = {};
  const taken = new Set();
  styles.forEach((engine, s) => {
    if (!per[s].length)
      return;
    if (engine.opt.xclass === 'note') {
      // A note style: each citation depends on those before it (ibid.).
      for (const [id, , html] of engine.rebuildProcessorState(per[s], 'html'))
        out[+id.slice(1)] = html;
      return;
    }
    // An in-text style: the works registered once, in the order they are
    // first cited (disambiguation, numbers), then each citation made on
    // its own, some 5 times faster than rebuilding the state.
    const seen = new Set();
    for (const c of per[s])
      for (const it of c.citationItems)
        seen.add(it.id);
    engine.updateItems([...seen]);
    for (const c of per[s]) {
      const items = c.citationItems;
      let html;
      if (c.properties.mode === 'composite') {
        // Doe (2020): the author alone, then the rest without it.
        html = engine.makeCitationCluster(items.map(it =>
          Object.assign({}, it, { 'author-only': true }))) + ' ' +
          engine.makeCitationCluster(items.map(it =>
            Object.assign({}, it, { 'suppress-author': true })));
      } else {
        html = engine.makeCitationCluster(items);
      }
      out[+c.citationID.slice(1)] = html;
    }
  });
  // Each bibliography of its works alone, so that what depends on the
  // entry before (a repeated author's dash) holds in it.
  const bibs = (req.bibs || []).map(want => {
    const engine = styles[want.style];
    const bib = [];
    if (!per[want.style].length || (want.ids && !want.ids.length))
      return bib;
    const r = engine.makeBibliography(want.ids ? { include: want.ids.map(
      id => ({ field: 'id', value: id })) } : undefined);
    if (!r)
      return bib;
    const [params, entries] = r;
    params.entry_ids.forEach((ids, k) =>
      bib.push([String(ids[0]), entries[k].trim()]));
    return bib;
  });
  // Ids for the entries: "ref-" and the key, made an XML name; unique.
  for (const bib of bibs)
    for (const [key] of bib) {
      if (anchors[key])
        continue;
      let a = 'ref-' + key.replace(/[^A-Za-z0-9_.-]/g, '-'), n = 2;
      while (taken.has(a))
        a = 'ref-' + key.replace(/[^A-Za-z0-9_.-]/g, '-') + '-' + n++;
      taken.add(a);
      anchors[key] = a;
    }
  return out.map(h => record('c', h)).join('') +
    bibs.map((bib, s) => bib.map(([key, html]) => record('b ' + s,
      key + '\0' + anchors[key] + '\0' + html)).join('')).join('');
}

function record(tag, text) {
  return tag + ' ' + Buffer.byteLength(text, 'utf8') + '\n' + text;
}

function send(ok, text) {
  let body = Buffer.from(text, 'utf8');
  if (body.length > MAX_OUT) {
    ok = false;
    body = Buffer.from('-1 1 1\nthe answer is too large');
  }
  process.stdout.write((ok ? 'ok ' : 'err ') + body.length + '\n');
  process.stdout.write(body);
}

let inbuf = Buffer.alloc(0);
process.stdin.on('data', chunk => {
  inbuf = Buffer.concat([inbuf, chunk]);
  for (;;) {
    const nl = inbuf.indexOf(10);
    if (nl < 0)
      return;
    const len = parseInt(inbuf.slice(0, nl).toString(), 10);
    if (!(len >= 0) || inbuf.length < nl + 1 + len)
      return;
    const text = inbuf.slice(nl + 1, nl + 1 + len).toString('utf8');
    inbuf = inbuf.slice(nl + 1 + len);
    try {
      const req = JSON.parse(text);
      send(true, req.op === 'load' ? load(req) : render(req));
    } catch (e) {
      const known = e && e.message !== undefined && (e.source !== undefined
        || e.style !== undefined);
      send(false, known ? (e.source !== undefined ? e.source : e.style) +
        ' ' + e.line + ' ' + e.col + '\n' + e.message :
        '-1 1 1\n' + String(e && e.message || e).split('\n')[0]);
    }
  }
});
// At the end of the input node leaves once the answers are written.
process.stdin.on('end', () => { process.exitCode = 0; });
process.stdout.write('quire-cite 1 citeproc ' +
  (CSL.PROCESSOR_VERSION || '?') + '\n');
