// The bare baseline of the http section: `express()` with one route answering a small JSON, in its own
// process (like the product's API) so the load generator never shares an event loop with it.
import http from 'node:http';
import express from 'express';

const port = Number(process.env.BENCH_BARE_PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('BENCH_BARE_PORT must be a port number\n');
  process.exit(2);
}

const app = express();
app.get('/bare', (_req, res) => {
  res.json({ id: '00000000-0000-4000-8000-000000000000', login: 'admin', roles: ['admin'] });
});

const server = http.createServer(app);
server.keepAliveTimeout = 65_000; // as the product's API
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening on ${port}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
