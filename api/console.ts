import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { SIGNED_IN_COOKIE } from './session-cookie';

/**
 * The console's policy: scripts only from this origin (no inline script, no eval). Ant Design writes its styles
 * into <style> elements at run time, so styles may be inline; nothing else is loosened.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** web/dist from the source tree (api/) or from the compiled tree (dist/api/). */
export function consoleDistDir(): string {
  const candidates = [path.resolve(__dirname, '..', 'web', 'dist'), path.resolve(__dirname, '..', '..', 'web', 'dist')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? candidates[0];
}

const NOT_CONSOLE = /^\/(api|docs|metrics|healthz|readyz)(\/|$)/;

/** One chunk of Vite's build manifest (web/dist/.vite/manifest.json), keyed by its source path. */
interface ManifestChunk {
  file: string;
  imports?: string[];
}
type Manifest = Record<string, ManifestChunk>;

/**
 * The lazy modules a signed-in page load runs first (boot.ts asks for the same ones as the bundle starts): the
 * signed-in layout on every page, and the page's own module where the first screen is measured (the library).
 */
const SIGNED_IN_MODULES = ['src/shell.tsx'];
const PAGE_MODULES: Record<string, string[]> = { '/projects': ['src/pages/library.tsx'] };

/** A module's chunk and every chunk it imports statically, from the manifest (each once). */
function chunkFiles(manifest: Manifest, key: string, into = new Set<string>()): Set<string> {
  const chunk = manifest[key];
  if (!chunk || into.has(chunk.file)) return into;
  into.add(chunk.file);
  for (const dep of chunk.imports ?? []) chunkFiles(manifest, dep, into);
  return into;
}

/**
 * index.html with `<link rel="modulepreload">` for the chunks of these modules that the page does not load already:
 * the browser fetches and compiles them while the main bundle runs, instead of after it (when boot.ts imports them).
 */
export function withModulePreloads(html: string, manifest: Manifest, modules: string[]): string {
  const files = new Set<string>();
  for (const m of modules) chunkFiles(manifest, m, files);
  const links = [...files].filter((f) => !html.includes(`/${f}"`)).map((f) => `<link rel="modulepreload" crossorigin href="/${f}">`);
  return links.length ? html.replace('</head>', `  ${links.join('\n    ')}\n  </head>`) : html;
}

/** The page a navigation gets: index.html as built, or with the preloads of a signed-in page (cached per build). */
function pageFor(dir: string) {
  const index = path.join(dir, 'index.html');
  const manifestFile = path.join(dir, '.vite', 'manifest.json');
  let cache: { built: number; plain: string; manifest: Manifest | null; pages: Map<string, string> } | null = null;
  return (pagePath: string, signedIn: boolean): string | null => {
    if (!fs.existsSync(index)) return null;
    const built = fs.statSync(index).mtimeMs;
    if (cache?.built !== built) {
      const manifest = fs.existsSync(manifestFile) ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest) : null;
      cache = { built, plain: fs.readFileSync(index, 'utf8'), manifest, pages: new Map() };
    }
    const { plain, manifest, pages } = cache;
    if (!signedIn || !manifest) return plain;
    const key = Object.prototype.hasOwnProperty.call(PAGE_MODULES, pagePath) ? pagePath : '*';
    let html = pages.get(key);
    if (html === undefined) {
      html = withModulePreloads(plain, manifest, [...SIGNED_IN_MODULES, ...(PAGE_MODULES[key] ?? [])]);
      pages.set(key, html);
    }
    return html;
  };
}

/**
 * Serves the built console at `/`: hashed assets cached for a year, and index.html for any other GET that asks
 * for a page (the console routes in the browser). The API under /api/v1 is untouched.
 */
export function mountConsole(app: Express, dir = consoleDistDir()): void {
  const page = pageFor(dir);
  app.use(
    '/assets',
    (_req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      next();
    },
    express.static(path.join(dir, 'assets'), { index: false, fallthrough: true }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_CONSOLE.test(req.path)) return next();
    if (path.extname(req.path) !== '' && req.path !== '/index.html') {
      // Not the build's own files (.vite/manifest.json): only what the page links to.
      if (req.path.split('/').some((part) => part.startsWith('.'))) return next();
      const file = path.join(dir, path.normalize(req.path));
      if (!file.startsWith(dir + path.sep) || !fs.existsSync(file)) return next();
      res.setHeader('Cache-Control', 'public, max-age=3600');
      return res.sendFile(file);
    }
    // Only a browser's navigation (Accept names text/html) gets the page: other clients keep the API's 404 problem.
    if (!(req.get('Accept') ?? '').includes('text/html')) return next();
    // The marker cookie beside the HttpOnly session (no secret): a signed-in load gets the preloads of its first screen.
    const signedIn = (req.get('Cookie') ?? '').split(/;\s*/).includes(`${SIGNED_IN_COOKIE}=1`);
    const html = page(req.path, signedIn);
    if (html === null) return next();
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Cookie');
    res.type('html').send(html);
  });
}
