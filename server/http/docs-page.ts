// Serves the Redoc page (dist/docs/index.html, built by `npm run docs`) under a Content-Security-Policy
// that keeps it on this server: Redoc posts usage telemetry to its vendor and loads a logo from a CDN,
// and an air-gapped deployment must not even try. Only the page's own inline scripts run (by hash).
// scripts/docs-offline.ts has already replaced what the page would load from outside (the vendor's logo);
// telemetry is off in the build (redocly.yaml), and the policy would stop it anyway.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { projectRoot } from '../platform/project-root.ts';
import { DOCS_NOT_BUILT_MESSAGE } from '../core/messages.ts';
import { type CompressedAsset, compressAsset, sendAsset } from './compressed-asset.ts';

const docsPath = join(projectRoot, 'dist/docs/index.html');

interface Page { asset: CompressedAsset; policy: RequestHandler }

function scriptHashes(html: string): string[] {
  return [...html.matchAll(/<script(?:\s[^>]*)?>([\s\S]*?)<\/script>/g)]
    .map((match) => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`);
}

async function load(): Promise<Page> {
  const html = readFileSync(docsPath, 'utf8');
  const policy = helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: scriptHashes(html),
      // Redoc styles its markup inline (style elements and attributes); styles load nothing from outside.
      styleSrc: ["'unsafe-inline'"],
      // The attribution's logo and the icon are data: URLs (scripts/docs-offline.ts).
      imgSrc: ["'self'", 'data:'],
      // Redoc embeds the font of its schema tree's icons as a data: URL.
      fontSrc: ['data:'],
      connectSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
  });
  return { asset: await compressAsset(html, 'text/html; charset=utf-8'), policy };
}

export function docsPage(): RequestHandler {
  let page: Promise<Page> | undefined;
  let loadedMtimeMs: number | undefined;
  return async (req, res, next) => {
    // Read again when `npm run docs` rebuilds the page under a running server.
    const mtimeMs = statSync(docsPath, { throwIfNoEntry: false })?.mtimeMs;
    if (mtimeMs === undefined) {
      res.status(503).json({ message: DOCS_NOT_BUILT_MESSAGE });
      return;
    }
    if (loadedMtimeMs !== mtimeMs) {
      loadedMtimeMs = mtimeMs;
      // A page that could not be read (a build writing it) is read again by the next request.
      page = load().catch((error: unknown) => { loadedMtimeMs = undefined; throw error; });
    }
    const { asset, policy } = await page!;
    policy(req, res, (error?: unknown) => (error ? next(error) : sendAsset(req, res, asset)));
  };
}
