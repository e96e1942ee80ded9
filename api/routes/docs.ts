import path from 'node:path';
import express, { type Express } from 'express';
import { buildOpenApi } from '../openapi';
import type { RouteRegistry } from '../registry';

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fuhua API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#docs', deepLinking: true, persistAuthorization: true });`;

const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** The Swagger UI assets ship inside an npm package, so the docs page works with no internet. */
export function mountDocsPage(app: Express): void {
  app.use('/docs/assets', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    next();
  }, express.static(SWAGGER_DIR, { index: false }));
  app.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
}

export function registerDocsRoutes(registry: RouteRegistry): void {
  let document: Record<string, unknown> | undefined;
  registry.add({
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'docs.openapi',
    summary: 'This API as an OpenAPI 3.1 document',
    tag: 'operations',
    access: 'public',
    handler: async () => {
      document ??= buildOpenApi(registry);
      return { body: document };
    },
  });
  registry.add({
    method: 'get',
    path: '/docs',
    operationId: 'docs.page',
    summary: 'Readable API documentation',
    tag: 'operations',
    access: 'public',
    produces: 'text/html',
    handler: async () => ({ raw: { contentType: 'text/html', data: PAGE }, headers: { 'Content-Security-Policy': DOCS_CSP } }),
  });
}
