import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';

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

/**
 * Serves the built console at `/`: hashed assets cached for a year, and index.html for any other GET that asks
 * for a page (the console routes in the browser). The API under /api/v1 is untouched.
 */
export function mountConsole(app: Express, dir = consoleDistDir()): void {
  const index = path.join(dir, 'index.html');
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
      const file = path.join(dir, path.normalize(req.path));
      if (!file.startsWith(dir + path.sep) || !fs.existsSync(file)) return next();
      res.setHeader('Cache-Control', 'public, max-age=3600');
      return res.sendFile(file);
    }
    // Only a browser's navigation (Accept names text/html) gets the page: other clients keep the API's 404 problem.
    if (!(req.get('Accept') ?? '').includes('text/html')) return next();
    if (!fs.existsSync(index)) return next();
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').sendFile(index);
  });
}
