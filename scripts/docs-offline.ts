// Run by `npm run docs` after `redocly build-docs`: makes dist/docs/index.html load nothing from outside
// this server, so a browser shows it without a single Content-Security-Policy violation.
// - Redoc's "API docs by" attribution loads its logo from its vendor's CDN: the attribution and its
//   link stay, the logo becomes a small SVG of the name drawn here (a data: URL, which img-src allows).
// - The page names no icon, so a browser asks for /favicon.ico: an empty data: icon answers it.
// A Redoc upgrade that changes what is replaced fails this step, so it is looked at, not missed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../server/platform/project-root.ts';

const pagePath = join(projectRoot, 'dist/docs/index.html');

function svgText(text: string, width: number): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="16" viewBox="0 0 ${width} 16">`
    + `<text x="0" y="12" font-family="sans-serif" font-size="12" font-weight="600" fill="#0044d4">${text}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

const replacements: [string, string][] = [
  ['https://cdn.redoc.ly/redoc/logo-mini-full.svg', svgText('Redocly', 52)],
  ['https://cdn.redoc.ly/redoc/logo-mini.svg', svgText('R', 10)],
  ['<meta charset="utf8" />', '<meta charset="utf8" />\n  <link rel="icon" href="data:," />'],
];

let html = readFileSync(pagePath, 'utf8');
for (const [from, to] of replacements) {
  if (!html.includes(from)) {
    process.stderr.write(`scripts/docs-offline.ts: ${pagePath} no longer contains ${from}; look at what the new Redoc loads.\n`);
    process.exit(1);
  }
  html = html.replaceAll(from, to);
}
writeFileSync(pagePath, html);
