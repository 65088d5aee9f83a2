#!/usr/bin/env node
// page-check.mjs: quire's downloads page (index.html) in headless Chromium
// (playwright-core, the system browser), as tests/js/archive-check.mjs does
// for the archive, and through axe-core.
//   node page-check.mjs DIR/index.html
// Checks, one PASS/FAIL line each:
//   requests-out  nothing is fetched: every request but the page's own
//                 file:// URL is aborted and counted (JavaScript off)
//   dead-links    every href names a file in the page's folder, or an id
//   cover         the cover image is decoded (naturalWidth > 0)
//   no-script     no <script> element and no on* attribute
//   narrow        at 360 px wide nothing scrolls sideways
//   axe           axe-core (WCAG 2 A/AA rules, as Ace by DAISY runs them)
//                 finds no violation, in light and in dark colours
// Exit status: 0 all pass, 1 a check failed, 2 usage or browser failure.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const axeSource = require('axe-core').source;
const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.error('usage: node page-check.mjs DIR/index.html');
  process.exit(2);
}
const abs = path.resolve(file);
const dir = path.dirname(abs);
const url = pathToFileURL(abs).href;
let failed = 0;
const report = (name, ok, details = []) => {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}`);
  for (const d of details) console.log(`  ${d}`);
  if (!ok) failed = 1;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const ctx = await browser.newContext({ javaScriptEnabled: false,
    viewport: { width: 1200, height: 1600 } });
  const requests = [];
  await ctx.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  const page = await ctx.newPage();
  page.on('requestfailed', (r) => {
    if (r.url() !== url && !requests.includes(r.url())) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  report('requests-out', requests.length === 0, requests);
  const info = await page.evaluate(async () => {
    const ids = new Set([...document.querySelectorAll('[id]')].map((e) => e.id));
    const hrefs = [...document.querySelectorAll('[href]')].map((e) => e.getAttribute('href'));
    const img = document.querySelector('img');
    if (img) { try { await img.decode(); } catch (e) { /* counted below */ } }
    return {
      ids: [...ids], hrefs,
      cover: img ? img.naturalWidth : 0,
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].filter((e) =>
        [...e.attributes].some((a) => a.name.startsWith('on'))).length,
    };
  });
  const dead = [];
  for (const h of info.hrefs) {
    if (h.startsWith('#')) {
      if (h.length > 1 && !info.ids.includes(decodeURIComponent(h.slice(1)))) dead.push(h);
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(h) || h.startsWith('/') || h.includes('..')) {
      dead.push(`${h} (not a file beside the page)`);
    } else if (!existsSync(path.join(dir, decodeURIComponent(h.split('#')[0])))) {
      dead.push(h);
    }
  }
  report(`dead-links (${info.hrefs.length} links)`, dead.length === 0, dead);
  report('cover', info.cover > 0, [`naturalWidth ${info.cover}`]);
  report('no-script', info.scripts === 0 && info.handlers === 0);
  await page.setViewportSize({ width: 360, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  report('narrow', wide <= 360, [`scrollWidth ${wide} at 360 px`]);
  for (const scheme of ['light', 'dark']) {
    // axe runs as a script: a second context with JavaScript on and the
    // page's Content-Security-Policy set aside for it alone.
    const actx = await browser.newContext({ bypassCSP: true, colorScheme: scheme });
    await actx.route('**/*', (r) => (r.request().url() === url ? r.continue() : r.abort()));
    const ap = await actx.newPage();
    await ap.goto(url, { waitUntil: 'load' });
    await ap.evaluate(axeSource);
    const res = await ap.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }));
    report(`axe ${scheme} (${res.passes.length} rules pass)`, res.violations.length === 0,
      res.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`));
    await actx.close();
  }
} catch (e) {
  console.error(`page-check: ${e.message}`);
  await browser.close();
  process.exit(2);
}
await browser.close();
process.exit(failed);
