import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/index.js';

/** A small web root of its own, so that this test does not depend on the web app's build. */
function webRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'parley-web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'export {};');
  return root;
}

function expectSecurityHeaders(headers: Headers): void {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  // No inline script, nothing from another origin.
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|http:|\*/);
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
}

describe('security headers', () => {
  let server: TestServer;
  let root: string;
  beforeAll(async () => {
    root = webRoot();
    server = await startTestServer({ env: { WEB_ROOT: root } });
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('are on the page, a static asset, an API answer and error answers', async () => {
    const answers = {
      page: await fetch(`${server.url}/`),
      asset: await fetch(`${server.url}/assets/app.js`),
      api: await fetch(`${server.url}/healthz`),
      unauthorized: await fetch(`${server.url}/api/me`),
      notFound: await fetch(`${server.url}/api/nothing-here`),
      malformed: await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      }),
      crossSite: await fetch(`${server.url}/api/auth/logout`, {
        method: 'POST',
        headers: { origin: 'https://evil.example.com' },
      }),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, answer.status]))).toEqual({
      page: 200,
      asset: 200,
      api: 200,
      unauthorized: 401,
      notFound: 404,
      malformed: 400,
      crossSite: 403,
    });
    for (const answer of Object.values(answers)) expectSecurityHeaders(answer.headers);
  });

  it('leave out HSTS over plain HTTP, and when X-Forwarded-Proto comes from no trusted proxy', async () => {
    expect((await fetch(`${server.url}/`)).headers.get('strict-transport-security')).toBeNull();
    const forged = await fetch(`${server.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('HSTS behind a trusted proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('is sent when the proxy says the request came over TLS, and only then', async () => {
    const overTls = await fetch(`${server.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(overTls.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    const plain = await fetch(`${server.url}/healthz`, { headers: { 'x-forwarded-proto': 'http' } });
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });
});
