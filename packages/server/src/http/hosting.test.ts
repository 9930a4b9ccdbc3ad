import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gunzipSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/index.js';

const TOKEN = 'metrics-secret-0123456789';
const script = `console.log(${JSON.stringify('parley '.repeat(400))});`;

/** A built web app in miniature: the layout the build writes (hashed assets with .br and .gz). */
function fakeWebRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'parley-web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Parley</title>');
  const asset = path.join(root, 'assets', 'index-AbC123.js');
  writeFileSync(asset, script);
  writeFileSync(`${asset}.br`, brotliCompressSync(script));
  writeFileSync(`${asset}.gz`, gzipSync(script));
  return root;
}

describe('operations: metrics token and pre-compressed assets', () => {
  let server: TestServer;
  let webRoot: string;
  beforeAll(async () => {
    webRoot = fakeWebRoot();
    server = await startTestServer({ env: { METRICS_TOKEN: TOKEN, WEB_ROOT: webRoot } });
  });
  afterAll(async () => {
    await server.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it("answers a path the router refuses (an overlong parameter) with the protocol's error body", async () => {
    const response = await fetch(`${server.url}/api/sessions/${'x'.repeat(500)}`, { method: 'DELETE' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'malformed request path' } });
  });

  it('answers /metrics only with the bearer token', async () => {
    const bare = await fetch(`${server.url}/metrics`);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: TOKEN } })).status).toBe(401);
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('parley_connections');
  });

  it('sends brotli, gzip or the plain file by Accept-Encoding, with Vary, cached a year', async () => {
    const url = `${server.url}/assets/index-AbC123.js`;
    // Node's fetch decodes bodies itself: node:http gives the bytes as sent.
    const get = (encoding: string) =>
      new Promise<{ headers: Headers; bytes: Buffer }>((resolve, reject) => {
        http
          .get(url, { headers: { 'accept-encoding': encoding } }, (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const headers = new Headers();
              for (const [name, value] of Object.entries(response.headers)) headers.set(name, String(value));
              resolve({ headers, bytes: Buffer.concat(chunks) });
            });
          })
          .on('error', reject);
      });
    const br = await get('gzip, deflate, br');
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const gz = await get('gzip');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const plain = await get('identity');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.bytes.toString()).toBe(script);
    expect(br.bytes.length + gz.bytes.length).toBeLessThan(plain.bytes.length);
    expect(brotliDecompressSync(br.bytes).toString()).toBe(script);
    expect(gunzipSync(gz.bytes).toString()).toBe(script);
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get('cache-control')).toBe('no-cache');
  });
});
