#!/usr/bin/env node
// archive-check.mjs — validate quire's single-file offline HTML archive in a
// real browser (system Chromium driven by playwright-core; no browser download).
//
//   node archive-check.mjs FILE.html [--screenshot OUT.png] [--min-images N]
//
// Environment: CHROMIUM=/path/to/chromium (default /usr/bin/chromium).
// Exit status: 0 all checks pass, 1 some check failed, 2 usage or internal error
// (bad arguments, missing file, browser did not start, timeout).
//
// Checks (one PASS/FAIL line each, details indented below a failing one):
//   (a) requests-out   no request leaves the page: every request other than the
//                      document's own file:// URL is aborted and counted
//   (b) dead-links     every a[href^="#"] names an element id in the document
//   (c) broken-images  every <img> is complete, decoded and naturalWidth > 0
//   (d) page-errors    no 'pageerror' and no console error (JS-on pass, see below)
//   (e) min-images     at least N <img> elements (only with --min-images N)
//   (f) duplicate-ids  every id value appears on one element only
// and one summary line:
//   requests-out=0 links=N dead-links=0 images=N broken-images=0 page-errors=0 duplicate-ids=0
//
// How it is run — two passes over the same file, in two fresh browser contexts:
//   1. JS OFF (javaScriptEnabled: false): the archive must work without
//      JavaScript, so every DOM check (b, c, e, f), the request count and the
//      screenshot come from this pass. Verified with playwright-core 1.65 /
//      Chromium 156: page.evaluate() still works in a JS-disabled context (it
//      runs through the DevTools protocol, not the page's script execution),
//      including async functions awaiting img.decode(); the page's own
//      <script>s and on* handlers do not run. BUT inside such an evaluate,
//      setTimeout and requestAnimationFrame callbacks never fire (the promise
//      hangs forever), so all waiting/scrolling pauses are done from node.
//      With scripting disabled Chromium also loads loading=lazy images
//      eagerly; the script sets loading=eager anyway.
//   2. JS ON: the page's own scripts run (a reader normally has JS on), so this
//      pass counts the requests those scripts make and records 'pageerror'
//      (which can only fire with JS on) and console errors. Its requests are
//      added to requests-out, labelled [js-on].
//
// Quirks found (playwright-core 1.65.1, Chromium 156):
//   - data: URLs are NOT network requests: they are never passed to
//     context.route() nor emitted as 'request' events, so an inlined data: image
//     is (rightly) not counted. Likewise blob: URLs. An image whose data: URL is
//     corrupt is still caught by check (c).
//   - A blocked request also shows up as a console error ("Failed to load
//     resource: net::ERR_BLOCKED_BY_CLIENT.Inspector"), so one remote <img>
//     makes both (a) and (d) fail. That is intended: either is a defect.
//     page-errors= in the summary is page errors + console errors.
//   - A load refused by the document's own Content-Security-Policy never
//     reaches context.route() but still fires 'request' and 'requestfailed'
//     (errorText "csp"), so it is counted too. Each counted request lists how
//     it was seen: request, routed+aborted, failed(...).
//   - In a file:// document a protocol-relative URL (//host/x.png) becomes
//     file://host/x.png; it is not the document, so it is counted.
//   - Requests the JS-off pass cannot see (e.g. <script src=https://...> is not
//     fetched with scripting disabled) are caught by the JS-on pass.
//   - A fragment is resolved as the HTML spec does: the raw fragment, then its
//     percent-decoded form (decodeURIComponent), must equal an element's id;
//     "#" (empty) and "#top" (when no element has id "top") scroll to the top of
//     the document and are not dead links. <a name=...> targets do not count.

import { chromium } from 'playwright-core';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const VIEWPORT = { width: 1200, height: 1600 };
const HARD_TIMEOUT_MS = Number(process.env.ARCHIVE_CHECK_TIMEOUT_MS || 180000);
const NAV_TIMEOUT_MS = 60000;

function usage(msg) {
  if (msg) console.error(`archive-check: ${msg}`);
  console.error('usage: node archive-check.mjs FILE.html [--screenshot OUT.png] [--min-images N]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { file: null, screenshot: null, minImages: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name) => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${name} needs a value`);
      return argv[++i];
    };
    if (a === '--screenshot' || a.startsWith('--screenshot=')) {
      opts.screenshot = value('--screenshot');
    } else if (a === '--min-images' || a.startsWith('--min-images=')) {
      const v = value('--min-images');
      if (!/^\d+$/.test(v)) usage(`--min-images wants a non-negative integer, got "${v}"`);
      opts.minImages = Number(v);
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a.startsWith('-') && a !== '-') {
      usage(`unknown option ${a}`);
    } else if (opts.file === null) {
      opts.file = a;
    } else {
      usage(`unexpected argument ${a}`);
    }
  }
  if (!opts.file) usage('no FILE.html given');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const absFile = path.resolve(opts.file);
if (!existsSync(absFile) || !statSync(absFile).isFile()) usage(`no such file: ${opts.file}`);
const docURL = pathToFileURL(absFile).href;

const stripHash = (u) => {
  const i = u.indexOf('#');
  return i < 0 ? u : u.slice(0, i);
};
const short = (u) => (u.length > 160 ? `${u.slice(0, 157)}...` : u);

let browser = null;
const hardTimer = setTimeout(() => {
  console.error(`archive-check: timed out after ${HARD_TIMEOUT_MS} ms`);
  // close the browser (and so its temporary profile) if it answers within 5 s
  const closing = browser ? browser.close().catch(() => {}) : Promise.resolve();
  Promise.race([closing, new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(2));
}, HARD_TIMEOUT_MS);
hardTimer.unref();

// Open the document in a fresh context; every request but the document itself
// is aborted and recorded in `out` (a Map url -> description).
async function openPage({ javaScriptEnabled, label, out, consoleErrors, pageErrors }) {
  const context = await browser.newContext({
    javaScriptEnabled,
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    serviceWorkers: 'block',
    offline: true, // belt and braces: the routing below already aborts everything
  });
  // out: "label url" -> { label, type, url, seen: Set of 'request' | 'routed+aborted' | 'failed(...)' }
  const note = (req, how) => {
    const url = req.url();
    if (stripHash(url) === docURL && req.isNavigationRequest()) return;
    const key = `${label} ${url}`;
    if (!out.has(key)) out.set(key, { label, type: req.resourceType(), url, seen: new Set() });
    out.get(key).seen.add(how);
  };
  await context.route('**/*', async (route) => {
    const req = route.request();
    if (stripHash(req.url()) === docURL && req.isNavigationRequest()) {
      await route.continue();
    } else {
      note(req, 'routed+aborted');
      await route.abort('blockedbyclient');
    }
  });
  context.on('request', (req) => note(req, 'request'));
  context.on('requestfailed', (req) => note(req, `failed(${req.failure()?.errorText ?? '?'})`));
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      const where = loc && loc.url ? ` (${short(loc.url)}:${loc.lineNumber})` : '';
      consoleErrors.push(`[${label}] ${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (err) => pageErrors.push(`[${label}] ${err.message}`));
  page.on('crash', () => pageErrors.push(`[${label}] page crashed`));
  const resp = await page.goto(docURL, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
  if (resp && !resp.ok() && resp.status() !== 0) {
    throw new Error(`document load failed: HTTP-ish status ${resp.status()}`);
  }
  // Let late requests (fonts, CSS images discovered at layout) show up.
  await page.waitForLoadState('networkidle', { timeout: 10000 }).catch(() => {});
  return { context, page };
}

// Scroll through the whole document so anything tied to the viewport loads.
// The waiting is done on the node side: with JS disabled, timers and
// requestAnimationFrame callbacks never fire inside page.evaluate (see header).
async function scrollThrough(page) {
  try {
    const { height, step } = await page.evaluate(() => ({
      height: document.documentElement.scrollHeight,
      step: Math.max(200, Math.floor(window.innerHeight * 0.9)),
    }));
    const steps = Math.min(Math.ceil(height / step), 400);
    for (let i = 1; i <= steps; i++) {
      await page.evaluate((y) => window.scrollTo(0, y), i * step);
      await page.waitForTimeout(20);
    }
    await page.evaluate(() => window.scrollTo(0, 0));
  } catch {
    // scrolling is best effort
  }
}

// DOM checks; runs in the page (works with JS disabled, see header).
async function domChecks(page) {
  return page.evaluate(() => {
    const ctx = (el) => {
      // nearest ancestor with an id, for locating the offender
      for (let p = el.parentElement; p; p = p.parentElement) if (p.id) return ` in #${p.id}`;
      return '';
    };

    // (f) duplicate ids
    const idCount = new Map();
    for (const el of document.querySelectorAll('[id]')) {
      const id = el.getAttribute('id');
      idCount.set(id, (idCount.get(id) || 0) + 1);
    }
    const duplicateIds = [...idCount].filter(([, n]) => n > 1).map(([id, n]) => `id="${id}" x${n}`);

    // (b) in-page links
    const ids = new Set(idCount.keys());
    const anchors = [...document.querySelectorAll('a[href^="#"]')];
    const deadLinks = [];
    for (const a of anchors) {
      const raw = a.getAttribute('href').slice(1);
      if (raw === '') continue; // "#": top of the document
      let decoded = null;
      try { decoded = decodeURIComponent(raw); } catch { decoded = null; }
      if (ids.has(raw) || (decoded !== null && ids.has(decoded))) continue;
      if ((decoded ?? raw).toLowerCase() === 'top') continue; // "#top": top of the document
      const text = (a.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
      deadLinks.push(`href="#${raw}"${decoded === null ? ' (bad percent-escape)' : ''} text="${text}"${ctx(a)}`);
    }

    // (c) images: see imageChecks() below
    const imgs = document.images;
    return {
      links: anchors.length,
      deadLinks,
      images: imgs.length,
      duplicateIds,
      articles: document.querySelectorAll('article').length,
    };
  });
}

// (c) images. First force lazy images to load and await img.decode() for all
// of them (no in-page timers: they do not run with JS disabled, so the time
// limit is kept on the node side), then read complete/naturalWidth.
async function imageChecks(page) {
  const wait = page.evaluate(async () => {
    const imgs = [...document.images];
    for (const img of imgs) if (img.loading === 'lazy') img.loading = 'eager';
    const errs = await Promise.all(imgs.map((img) => img.decode().then(() => '', (e) => String(e && e.message ? e.message : e))));
    return errs;
  });
  const decodeErrors = await Promise.race([
    wait,
    new Promise((resolve) => setTimeout(() => resolve(null), 30000)),
  ]);
  return page.evaluate((decodeErrors) => {
    const ctx = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement) if (p.id) return ` in #${p.id}`;
      return '';
    };
    const broken = [];
    [...document.images].forEach((img, i) => {
      if (img.complete && img.naturalWidth > 0) return;
      const src = img.currentSrc || img.getAttribute('src') || '';
      const shown = src.startsWith('data:') ? `${src.slice(0, 40)}... (${src.length} chars)` : src;
      const why = decodeErrors === null ? ' decode: timed out' : decodeErrors[i] ? ` decode: ${decodeErrors[i]}` : '';
      broken.push(`img[${i}]${img.id ? `#${img.id}` : ''} src="${shown}" alt="${img.getAttribute('alt') ?? '(none)'}" complete=${img.complete} naturalWidth=${img.naturalWidth}${why}${ctx(img)}`);
    });
    return broken;
  }, decodeErrors);
}

const results = [];
function report(ok, name, text, details = []) {
  results.push(ok);
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${text}`);
  if (!ok) for (const d of details.slice(0, 50)) console.log(`    ${d}`);
  if (!ok && details.length > 50) console.log(`    ... and ${details.length - 50} more`);
}

let exitCode = 0;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // No --user-data-dir here: playwright refuses one in launch() args ("Pass
    // userDataDir parameter to launchPersistentContext") and itself starts
    // Chromium with a fresh throwaway
    // --user-data-dir=$TMPDIR/playwright_chromiumdev_profile-XXXXXX, deleted
    // on close (checked with ps).
    args: CHROMIUM_FLAGS,
    timeout: 60000,
  });

  const out = new Map();
  const consoleErrors = [];
  const pageErrors = [];

  // Pass 1: JavaScript disabled.
  const p1 = await openPage({ javaScriptEnabled: false, label: 'js-off', out, consoleErrors, pageErrors });
  await scrollThrough(p1.page);
  const dom = await domChecks(p1.page);
  dom.brokenImages = await imageChecks(p1.page);
  await p1.page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});

  if (opts.screenshot) {
    const scrolled = await p1.page.evaluate(() => {
      const a = document.querySelector('article');
      if (!a) return false;
      a.scrollIntoView({ block: 'start', inline: 'nearest' });
      return true;
    });
    await p1.page.waitForTimeout(200);
    await p1.page.screenshot({ path: opts.screenshot, fullPage: false, animations: 'disabled' });
    console.log(`screenshot: ${opts.screenshot} (${VIEWPORT.width}x${VIEWPORT.height}, ${scrolled ? 'scrolled to first <article>' : 'no <article> found: top of page'})`);
  }
  await p1.context.close();

  // Pass 2: JavaScript enabled (page errors, script-made requests).
  const p2 = await openPage({ javaScriptEnabled: true, label: 'js-on', out, consoleErrors, pageErrors });
  await scrollThrough(p2.page);
  await p2.page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
  await p2.context.close();

  const requests = [...out.values()].map((r) => `[${r.label}] ${r.type} ${short(r.url)} (${[...r.seen].join(', ')})`);
  const errors = pageErrors.concat(consoleErrors.map((e) => `console error: ${e}`));

  report(requests.length === 0, 'requests-out', `${requests.length} request(s) other than the document itself`, requests);
  report(dom.deadLinks.length === 0, 'dead-links', `${dom.deadLinks.length} of ${dom.links} in-page link(s) have no target id`, dom.deadLinks);
  report(dom.brokenImages.length === 0, 'broken-images', `${dom.brokenImages.length} of ${dom.images} image(s) not loaded/decoded`, dom.brokenImages);
  report(errors.length === 0, 'page-errors', `${pageErrors.length} page error(s), ${consoleErrors.length} console error(s)`, errors);
  if (opts.minImages !== null) {
    report(dom.images >= opts.minImages, 'min-images', `${dom.images} image(s), at least ${opts.minImages} wanted`);
  }
  report(dom.duplicateIds.length === 0, 'duplicate-ids', `${dom.duplicateIds.length} id value(s) used more than once`, dom.duplicateIds);

  console.log(`requests-out=${requests.length} links=${dom.links} dead-links=${dom.deadLinks.length} images=${dom.images} broken-images=${dom.brokenImages.length} page-errors=${errors.length} duplicate-ids=${dom.duplicateIds.length}`);
  exitCode = results.every(Boolean) ? 0 : 1;
} catch (err) {
  console.error(`archive-check: error: ${err && err.stack ? err.stack : err}`);
  exitCode = 2;
} finally {
  if (browser) await browser.close().catch(() => {});
}
process.exit(exitCode);
