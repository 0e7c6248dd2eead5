// The published Redoc page (built by `npm run docs`, which `npm test` runs first), as the server
// serves it at /docs, renders every operation in a real headless Chromium without a single request
// off the server.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { operations } from '../../helpers/spec.ts';

const docsPath = new URL('../../../dist/docs/index.html', import.meta.url).pathname;
const chromiumPath = execFileSync('sh', ['-c', 'command -v chromium || true'], { encoding: 'utf8' }).trim();

describe('Redoc documentation', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    if (!existsSync(docsPath)) execFileSync('npm', ['run', '-s', 'docs']);
    t = await startTestServer();
    expect(chromiumPath, 'Debian chromium must be installed (apt-get install -y chromium)').not.toBe('');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** How Redoc names a tag in its section ids: lower case, words joined by `-` (`Custom fields` → `custom-fields`). */
  const sectionSlug = (tag: string) => tag.toLowerCase().replace(/\s+/g, '-');

  it('renders every operation summary, sending no request off the server, with no error in the console', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A Content-Security-Policy violation (a font, an image, a connection), a failed script or a 404
    // (a favicon) shows here: the page must load without one.
    const problems: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text().slice(0, 200)}`); });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => { if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`); });
    // Every request that reaches the network layer; what the page's Content-Security-Policy blocks never does.
    const external: { url: string; type: string }[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${t.baseUrl}/`) || /^(data|blob):/.test(url)) return route.continue();
      external.push({ url, type: route.request().resourceType() });
      return route.abort();
    });
    const first = (await page.goto(`${t.baseUrl}/docs`))!;
    // Sent compressed, and revalidated rather than downloaded again (2.7 MiB uncompressed).
    const headers = await first.allHeaders();
    // (Chromium offers brotli over HTTPS only: here it gets gzip.)
    expect(headers['content-encoding']).toBe('gzip');
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers.etag).toMatch(/^"[\w-]+-gzip"$/);
    // Redoc 3 renders one tag at a time: visit each tag and collect what it renders.
    const tags = [...new Set(operations.map((op) => op.tags![0]!))];
    const rendered: string[] = [];
    let text = '';
    for (const tag of tags) {
      await page.goto(`${t.baseUrl}/docs#tag/${tag.replace(/\s+/g, '-')}`);
      await page.waitForSelector(`[data-section-id^="/${sectionSlug(tag)}/"]`, { timeout: 180_000 });
      rendered.push(...await page.$$eval('[data-section-id]', (els) => els.map((el) => el.getAttribute('data-section-id')!)));
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator API; the rendered text is what a reader sees
      text += await page.locator('main, body').first().innerText();
    }
    for (const op of operations) {
      expect(rendered, op.operationId).toContain(`/${sectionSlug(op.tags![0]!)}/${op.operationId.toLowerCase()}`);
      expect(text, op.summary).toContain(op.summary);
    }
    // Not even Redoc's telemetry or its CDN logo: the page works offline and tells no one it was read.
    expect(external).toEqual([]);
    // The server a reader can try the samples on, its description as plain text (Redoc shows it raw).
    expect(text).toContain('http://localhost:3000');
    expect(text).not.toContain('your-domain');
    expect(text).not.toMatch(/`http/);
    // The attribution stays, its logo drawn locally.
    expect(await page.locator('img[alt="redocly logo"]').first().getAttribute('src')).toMatch(/^data:image\/svg\+xml,/);
    expect(problems).toEqual([]);
    await context.close();
  });
});
