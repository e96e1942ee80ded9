import http from 'node:http';
import type { Registry } from 'prom-client';

/** A whole request (headers and body) must arrive within this time; a slow sender gets 408 and its socket closed. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** The request headers must arrive within this time. */
export const HEADERS_TIMEOUT_MS = 10_000;

/**
 * The HTTP server of the API: Node's requestTimeout and headersTimeout bound how long a slow client can hold a
 * connection open while sending; keep-alive outlasts the usual 60 s idle timeout of load balancers.
 */
export function createHttpServer(handler: http.RequestListener, opts: { requestTimeoutMs?: number; headersTimeoutMs?: number } = {}): http.Server {
  const requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout);
  // Node checks both timeouts on connectionsCheckingInterval (30 s by default), so a timeout can overrun by that much.
  const server = http.createServer({ requestTimeout, headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) }, handler);
  server.keepAliveTimeout = 65_000;
  return server;
}

/** Prometheus metrics on a port of their own (by default on 127.0.0.1), never on the API's port. */
export function serveMetrics(registry: Registry, port: number, host: string): Promise<{ server: http.Server; stop: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new Error(`metrics port ${port} is taken: set FUHUA_METRICS_PORT to another port, or 0 for none`) : err));
    server.listen(port, host, () => resolve({ server, stop: () => new Promise<void>((r) => server.close(() => r())) }));
  });
}
