// The API's own documentation: the OpenAPI document (JSON, a typed operation) and the Swagger UI page (HTML, a typed
// operation that `produces` text/html). The page's script and styles are static files, mounted as plain Express
// routes by mountDocsPage: they are assets, not operations.
import path from 'node:path';
import express, { type Express } from 'express';
import { defineOperation, type Operation } from '../operation';
import { buildOpenApi, type OpenApiDocument as Document } from '../openapi';
import type { RouteRegistry } from '../registry';
import { Type } from '../schema';
import { t, type Language } from '../../i18n';

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** The page in `lang`: its title from the catalogue (the Swagger UI itself has no Chinese). */
const page = (lang: Language) => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${t(lang, 'docs.title')}</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#docs', deepLinking: true, persistAuthorization: true });`;

const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const Json = Type.Object({}, { additionalProperties: true });
const OpenApiDocument = Type.Object(
  { openapi: Type.String({ pattern: '^3\\.1\\.\\d+$' }), info: Json, servers: Type.Array(Json), security: Type.Array(Json), paths: Json, components: Json },
  { additionalProperties: true, description: 'An OpenAPI 3.1 document' },
);

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

/** The docs operations of a registry: the document describes every operation the registry holds, built once. */
export function docsOperations(registry: RouteRegistry): Operation[] {
  let document: Document | undefined;
  return [
    defineOperation({
      operationId: 'docs.openapi',
      method: 'get',
      path: '/api/v1/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'operations',
      access: 'public',
      response: OpenApiDocument,
      handler: async () => {
        document ??= buildOpenApi(registry);
        return { body: document };
      },
    }),
    defineOperation({
      operationId: 'docs.page',
      method: 'get',
      path: '/docs',
      summary: 'Readable API documentation',
      tag: 'operations',
      access: 'public',
      produces: 'text/html',
      handler: async ({ lang }) => ({ raw: { contentType: 'text/html', data: page(lang) }, headers: { 'Content-Security-Policy': DOCS_CSP } }),
    }),
  ];
}
