#!/usr/bin/env node
// readers-check.mjs — what a book looks like to a reader who changes the
// page: forced night and sepia colours, a 600 px page, right-to-left text.
//
//   node readers-check.mjs FILE.xhtml|FILE.html...
//
// Each file is opened in the system Chromium (playwright-core) at a 600 x 900
// viewport, JavaScript off, in three themes: as written, night (the page's
// colours forced to white on black, as reading systems do on html and body)
// and sepia.  Checks, one PASS/FAIL line each:
//   contrast   every element with text of its own inside pre, code, kbd, samp,
//              table or a callout has a contrast of at least 4.5:1 between its
//              computed colour and the background it is painted on (the first
//              ancestor-or-self with a background, blended down to the page)
//   width      no table, pre or math ends right of the viewport or starts left
//              of it, and the document scrolls no wider than the viewport
//   math       a display formula (math[display=block]) is centred: its
//              content's box is centred in the formula's line box, within 2 px
//   direction  pre, code, kbd, samp and math (the outermost of them) compute
//              to direction ltr with unicode-bidi isolate (or isolate-override;
//              a formula laid out as MathML is an atomic inline), everywhere;
//              the root of a document whose html says dir=rtl computes rtl
// and a summary line with the counts.  Exit 0 pass, 1 fail, 2 usage/internal.
// Environment: CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';

const files = process.argv.slice(2);
if (!files.length || files.some((f) => !existsSync(f))) {
  console.error('usage: readers-check.mjs FILE.xhtml|FILE.html...');
  process.exit(2);
}
const THEMES = {
  plain: null,
  night: 'html, body { background: #000 !important; color: #eee !important; }',
  sepia: 'html, body { background: #f4ecd8 !important; color: #5b4636 !important; }',
};

let failed = 0;
const counts = { files: 0, texts: 0, tables: 0, formulas: 0, code: 0 };
const report = (ok, what, details) => {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (!ok) {
    failed++;
    for (const d of details.slice(0, 12)) console.log(`    ${d}`);
    if (details.length > 12) console.log(`    ... and ${details.length - 12} more`);
  }
};

// Runs in the page: every measurement at once.
const measure = () => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const v = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1);
  };
  // The colour an element's text is painted on: its own and its ancestors'
  // backgrounds, top first, blended down to an opaque one (white if none:
  // the canvas).
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let acc = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) acc = over(layers[i], acc);
    return acc;
  };
  const ratio = (a, b) => {
    const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const out = { contrast: [], width: [], math: [], dir: [], texts: 0,
    tables: 0, formulas: 0, code: 0 };
  const vw = document.documentElement.clientWidth;
  const scope = 'pre, pre *, code, code *, kbd, samp, table, table *, aside.callout, aside.callout *';
  for (const el of document.querySelectorAll(scope)) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.data.trim());
    if (!own) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    const fg = over(parse(cs.color), background(el));
    const r = ratio(fg, background(el));
    out.texts++;
    if (r < 4.5)
      out.contrast.push(`<${el.localName} class="${el.className}"> ${JSON.stringify(el.textContent.trim().slice(0, 30))}: ${cs.color} on ${JSON.stringify(background(el))} = ${r.toFixed(2)}:1`);
  }
  for (const el of document.querySelectorAll('table, pre, math')) {
    const b = el.getBoundingClientRect();
    if (el.localName === 'table') out.tables++;
    if (b.right > vw + 0.5 || b.left < -0.5)
      out.width.push(`<${el.localName}> spans ${b.left.toFixed(0)}..${b.right.toFixed(0)} px, page 0..${vw}`);
  }
  const sw = document.documentElement.scrollWidth;
  if (sw > vw + 0.5) out.width.push(`the document scrolls to ${sw} px, page ${vw}`);
  for (const m of document.querySelectorAll('math[display="block"]')) {
    out.formulas++;
    const kid = m.firstElementChild;
    if (!kid) continue;
    const box = m.getBoundingClientRect(), k = kid.getBoundingClientRect();
    const off = (k.left + k.right) / 2 - (box.left + box.right) / 2;
    if (Math.abs(off) > 2 || k.width >= box.width)
      out.math.push(`formula ${JSON.stringify(m.textContent.slice(0, 20))}: content ${k.left.toFixed(0)}..${k.right.toFixed(0)} in ${box.left.toFixed(0)}..${box.right.toFixed(0)}, off centre by ${off.toFixed(1)} px`);
  }
  // The outermost of them: code in pre takes pre's direction.  A formula
  // is an atomic inline (display: inline math), which bidi treats as one
  // neutral character: isolated by its nature, so its direction is enough.
  for (const el of document.querySelectorAll('pre, code, kbd, samp, math')) {
    if (el.parentElement.closest('pre, code, kbd, samp, math')) continue;
    out.code++;
    const cs = getComputedStyle(el);
    const isolated = /^isolate/.test(cs.unicodeBidi) ||
      (el.localName === 'math' && /math/.test(cs.display));
    if (cs.direction !== 'ltr' || !isolated)
      out.dir.push(`<${el.localName}> ${JSON.stringify(el.textContent.trim().slice(0, 20))}: direction ${cs.direction}, unicode-bidi ${cs.unicodeBidi}`);
  }
  const root = document.documentElement;
  if (root.getAttribute('dir') === 'rtl' && getComputedStyle(document.body).direction !== 'rtl')
    out.dir.push('html dir=rtl but body computes ' + getComputedStyle(document.body).direction);
  return out;
};

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 60000,
  });
  const ctx = await browser.newContext({ javaScriptEnabled: false,
    viewport: { width: 600, height: 900 }, offline: true });
  const page = await ctx.newPage();
  const bad = { contrast: [], width: [], math: [], dir: [] };
  for (const f of files) {
    counts.files++;
    for (const [theme, css] of Object.entries(THEMES)) {
      await page.goto(pathToFileURL(f).href, { waitUntil: 'load' });
      // As a reading system does: a style sheet of its own, last.  (Not
      // addStyleTag, which waits for a load event that a page without
      // JavaScript never sends.)
      if (css) await page.evaluate((text) => {
        const s = document.createElementNS('http://www.w3.org/1999/xhtml', 'style');
        s.textContent = text;
        (document.head || document.documentElement).appendChild(s);
      }, css);
      const m = await page.evaluate(measure);
      const name = f.replace(/.*\//, '');
      for (const k of Object.keys(bad))
        for (const d of m[k]) bad[k].push(`${name} [${theme}] ${d}`);
      if (theme === 'plain') {
        counts.texts += m.texts;
        counts.tables += m.tables;
        counts.formulas += m.formulas;
        counts.code += m.code;
      }
    }
  }
  report(!bad.contrast.length, 'contrast: code, tables and callouts at least 4.5:1 as written, night and sepia', bad.contrast);
  report(!bad.width.length, 'width: tables, code and formulas inside a 600 px page', bad.width);
  report(!bad.math.length, 'math: display formulas centred', bad.math);
  report(!bad.dir.length, 'direction: code and math left-to-right isolates in right-to-left text', bad.dir);
  console.log(`files=${counts.files} texts=${counts.texts} tables=${counts.tables} formulas=${counts.formulas} code=${counts.code} failed=${failed}`);
} catch (e) {
  console.error(`readers-check: ${e.message}`);
  process.exit(2);
} finally {
  if (browser) await browser.close();
}
process.exit(failed ? 1 : 0);
