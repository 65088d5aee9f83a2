#!/usr/bin/env node
// sidebar-check.mjs — the archive's contents as a reader meets them, in
// headless Chromium with JavaScript off: on a wide screen a sidebar beside
// the essays that stays in view while they scroll; on a narrow screen and
// in print the contents in the flow, before the essays; in every essay a
// link back to the contents that lands on it.
//
//   node sidebar-check.mjs FILE.html
//
// Exit status: 0 every check passed, 1 a check failed, 2 usage or browser
// error.  Environment: CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
if (!file) {
  console.error('usage: node sidebar-check.mjs FILE.html');
  process.exit(2);
}
const url = pathToFileURL(path.resolve(file)).href;
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (!ok) failed++;
};

const layout = () => {
  const nav = document.getElementById('contents');
  const main = document.querySelector('main');
  const r = (e) => e.getBoundingClientRect().toJSON();
  return {
    position: getComputedStyle(nav).position,
    nav: r(nav), main: r(main), vh: window.innerHeight,
    scrollY: window.scrollY,
    arts: document.querySelectorAll('article').length,
    back: [...document.querySelectorAll('article > header a[href="#contents"]')].length,
  };
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
  const open = async (viewport) => {
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport, offline: true });
    const page = await ctx.newPage();
    await page.goto(url, { waitUntil: 'load' });
    return { ctx, page };
  };

  // Wide: a sticky sidebar left of the essays, still in view at the end.
  let { ctx, page } = await open({ width: 1400, height: 800 });
  let l = await page.evaluate(layout);
  check(l.position === 'sticky', `wide: contents position is ${l.position}, want sticky`);
  check(l.nav.right <= l.main.left, `wide: contents (right ${l.nav.right}) beside the essays (left ${l.main.left})`);
  check(l.nav.height <= l.vh + 1, `wide: sidebar fits the window (${l.nav.height} <= ${l.vh})`);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  l = await page.evaluate(layout);
  check(l.scrollY > 0 && l.nav.top >= 0 && l.nav.top < l.vh && l.nav.bottom > 0,
    `wide: at the end of the book (scrollY ${l.scrollY}) the contents are in view (top ${l.nav.top})`);
  check(l.arts > 0 && l.back === l.arts, `every article header links back to #contents (${l.back} of ${l.arts})`);
  // Following the last essay's link back lands on the contents.
  await page.locator('article:last-of-type > header a[href="#contents"]').click();
  l = await page.evaluate(layout);
  check(l.nav.top >= -1 && l.nav.top < l.vh, `the link back shows the contents (top ${l.nav.top})`);
  await ctx.close();

  // Narrow: the contents in the flow, above the essays.
  ({ ctx, page } = await open({ width: 400, height: 800 }));
  l = await page.evaluate(layout);
  check(l.position === 'static', `narrow: contents position is ${l.position}, want static`);
  check(l.nav.bottom <= l.main.top, `narrow: contents (bottom ${l.nav.bottom}) before the essays (top ${l.main.top})`);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  l = await page.evaluate(layout);
  check(l.nav.bottom <= 0, 'narrow: the contents scroll away with the page');
  await ctx.close();

  // Print, at a wide page size: no sidebar.
  ({ ctx, page } = await open({ width: 1400, height: 800 }));
  await page.emulateMedia({ media: 'print' });
  l = await page.evaluate(layout);
  check(l.position === 'static' && l.nav.bottom <= l.main.top,
    `print: contents in the flow before the essays (${l.position})`);
  await ctx.close();
} catch (e) {
  console.error(`sidebar-check: ${e.message}`);
  process.exit(2);
} finally {
  if (browser) await browser.close();
}
console.log(failed ? `${failed} failed` : 'all passed');
process.exit(failed ? 1 : 0);
