import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../packages/server/src/test-support/index.js';
import { startAppServer, WEB_ROOT } from './support/harness.js';

/** The budget from issue 3: the app's JavaScript and CSS, gzipped. */
const BUDGET_GZIP_BYTES = 200 * 1024;

let server: TestServer;

beforeAll(async () => {
  server = await startAppServer();
});

afterAll(async () => {
  await server?.close();
});

describe('the built app', () => {
  it('stays within its size budget', () => {
    const assets = readdirSync(path.join(WEB_ROOT, 'assets')).filter((f) => /\.(js|css)$/.test(f));
    expect(assets.some((f) => f.endsWith('.js'))).toBe(true);
    const gzipped = assets.reduce(
      (sum, file) => sum + gzipSync(readFileSync(path.join(WEB_ROOT, 'assets', file)), { level: 9 }).length,
      0,
    );
    expect(gzipped).toBeLessThan(BUDGET_GZIP_BYTES);
  });

  it('is served at / with revalidation, and its hashed assets cached for a year', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThanOrEqual(2); // the script and the stylesheet
    for (const asset of scripts) {
      expect(asset).toMatch(/-[\w-]{8,}\.(js|css)$/); // content-hashed name
      const response = await fetch(`${server.url}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      await response.arrayBuffer(); // an unread body would hold the connection open past the test
    }
  });
});
