#!/usr/bin/env node
// opds-check.mjs: reads quire's catalog.xml with Readium's r2-opds-js, as
// Thorium Reader does (OPDS 1 parsed into its model, then converted to
// OPDS 2), and prints what a reader app sees as JSON on stdout:
//   { title, id, publications: [{ title, id, content, summary,
//     acquisitions: [{ href, type }], images: [{ rel, href, type }] }] }
//   node opds-check.mjs catalog.xml
// Exit status: 0 parsed, 1 not an OPDS 1 acquisition feed, 2 usage.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const base = 'r2-opds-js/dist/es8-es2017/src/opds/';
const { initGlobalConverters_GENERIC, initGlobalConverters_OPDS } =
  require(base + 'init-globals');
const { OPDS } = require(base + 'opds1/opds');
const { convertOpds1ToOpds2 } = require(base + 'converter');
const { XML } = require('r2-utils-js/dist/es8-es2017/src/_utils/xml-js-mapper');
const { DOMParser } = require('@xmldom/xmldom');

if (process.argv.length !== 3) {
  console.error('usage: node opds-check.mjs catalog.xml');
  process.exit(2);
}
initGlobalConverters_OPDS();
initGlobalConverters_GENERIC();
const text = readFileSync(process.argv[2], 'utf8');
const dom = new DOMParser().parseFromString(text, 'application/xml');
if (dom.documentElement.localName !== 'feed') {
  console.error('opds-check: the root is not an Atom feed');
  process.exit(1);
}
const feed1 = XML.deserialize(dom, OPDS);
const feed2 = convertOpds1ToOpds2(feed1);
const out = {
  title: feed2.Metadata && feed2.Metadata.Title,
  id: feed1.Id,
  updated: feed1.Updated,
  publications: (feed2.Publications || []).map((p) => ({
    title: p.Metadata.Title,
    id: p.Metadata.Identifier,
    summary: (feed1.Entries.find((e) => e.Id === p.Metadata.Identifier) || {}).Summary,
    content: (feed1.Entries.find((e) => e.Id === p.Metadata.Identifier) || {}).Content,
    language: p.Metadata.Language,
    published: p.Metadata.PublicationDate,
    acquisitions: (p.Links || []).filter((l) => (l.Rel || []).some((r) => r.includes('acquisition')))
      .map((l) => ({ href: l.Href, type: l.TypeLink })),
    images: (p.Images || []).map((l) => ({ rel: l.Rel, href: l.Href, type: l.TypeLink })),
  })),
};
if (!feed1.Entries || feed1.Entries.length === 0) {
  console.error('opds-check: no entries');
  process.exit(1);
}
console.log(JSON.stringify(out, null, 1));
