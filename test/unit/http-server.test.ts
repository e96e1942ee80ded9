import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Registry, Counter } from 'prom-client';
import { createHttpServer, serveMetrics, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../bin/http';

/** Sends `head` and then nothing more; resolves with everything the server wrote before it closed the socket. */
function stall(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.once('close', () => resolve(got));
    socket.once('error', reject);
  });
}

describe('the API HTTP server', () => {
  test('it bounds slow senders by default: headers within 10 s, the whole request within 30 s', () => {
    const server = createHttpServer(() => undefined);
    expect(server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(HEADERS_TIMEOUT_MS).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS);
  });

  test('when a client sends its headers and then holds the body back, it gets 408 and the connection is closed', async () => {
    // As express.json does: the answer waits for the whole body.
    const server = createHttpServer((req, res) => void req.resume().once('end', () => res.end('read it all')), { requestTimeoutMs: 300, headersTimeoutMs: 300 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const answer = await stall((server.address() as AddressInfo).port, 'POST /api/v1/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      server.close();
    }
  });

  test('when a client never finishes its headers, it gets 408 and the connection is closed', async () => {
    const server = createHttpServer((_req, res) => void res.end('never'), { requestTimeoutMs: 300, headersTimeoutMs: 300 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const answer = await stall((server.address() as AddressInfo).port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      server.close();
    }
  });
});

describe('the metrics port', () => {
  test('GET /metrics on its own port answers the registry; any other path there is 404', async () => {
    const registry = new Registry();
    new Counter({ name: 'fuhua_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    const { server, stop } = await serveMetrics(registry, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('fuhua_test_total 3');
      expect((await fetch(`${base}/api/v1/me`)).status).toBe(404);
      expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
    } finally {
      await stop();
    }
  });
});
