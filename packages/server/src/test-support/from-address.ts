import http from 'node:http';

export interface JsonAnswer {
  status: number;
  body: unknown;
}

/**
 * POSTs JSON from a chosen loopback source address (any of 127.0.0.0/8 on Linux), so that tests
 * of per-address limits send from really different addresses, with no proxy header to trust.
 */
export function postFrom(address: string, url: string, body: unknown): Promise<JsonAnswer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        localAddress: address,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** A loopback address of its own for each test (127.0.0.2 …), so tests never share a count. */
let nextHost = 2;
export function freshAddress(): string {
  const n = nextHost++;
  return `127.0.${Math.floor(n / 250)}.${(n % 250) + 2}`;
}
