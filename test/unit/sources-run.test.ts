import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

// `npm start` and the bench run the TypeScript sources through tsx's CommonJS hook (bin/fuhua.js, bin/run-ts.js).
// That hook compiles require() calls, but an import() of a relative module goes to Node's ESM loader, which finds
// no `./x` for `x.ts`: `fuhua start` failed at once with "Cannot find module .../bin/console-build".
test('the code run from the sources loads its own modules statically: no import() of a relative path', () => {
  const offenders = ['bin', 'api', 'db', 'activities', 'bench'].flatMap((dir) =>
    tsFiles(path.join(ROOT, dir)).flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${path.relative(ROOT, file)}:${i + 1}` }))
        .filter(({ line }) => /\bimport\(\s*['"`]\.{1,2}\//.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    ),
  );
  expect(offenders).toEqual([]);
});
