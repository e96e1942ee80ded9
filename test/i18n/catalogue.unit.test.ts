import fs from 'node:fs';
import path from 'node:path';
import { CATALOGUES, LANGUAGES, t } from '../../i18n';

const ROOT = path.resolve(__dirname, '../..');
const [zh, en] = [CATALOGUES['zh-CN'], CATALOGUES.en];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(rel);
    return d.name.endsWith('.ts') ? [rel] : [];
  });
}
const CODE = ['api', 'activities', 'workflows', 'db', 'bin', 'i18n'].flatMap(sourceFiles).map((f) => ({ f, text: fs.readFileSync(path.join(ROOT, f), 'utf8') }));

/** `{{name}}` placeholders and `$t(key)` references of a text. */
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
const references = (s: string) => [...s.matchAll(/\$t\(([^)]+)\)/g)].map((m) => m[1]);

describe('the message catalogues', () => {
  test('every key is in every language, Chinese first, and no text is empty', () => {
    expect(LANGUAGES[0]).toBe('zh-CN');
    const missingInEn = Object.keys(zh).filter((k) => !(k in en));
    const missingInZh = Object.keys(en).filter((k) => !(k in zh));
    expect({ missingInEn, missingInZh }).toEqual({ missingInEn: [], missingInZh: [] });
    for (const lang of LANGUAGES) {
      expect(Object.entries(CATALOGUES[lang]).filter(([, v]) => typeof v !== 'string' || !v.trim()).map(([k]) => k)).toEqual([]);
    }
  });

  test('both languages of a key fill in the same params, and every nested reference is a key', () => {
    const differ = Object.keys(zh).filter((k) => placeholders(zh[k]).join() !== placeholders(en[k]).join());
    expect(differ).toEqual([]);
    const dangling = Object.entries({ ...zh, ...en }).flatMap(([k, v]) => references(v).filter((r) => !r.includes('{{') && !(r in zh)).map((r) => `${k} -> ${r}`));
    expect(dangling).toEqual([]);
  });

  test('every key the code names literally is in the catalogue', () => {
    const named = CODE.flatMap(({ f, text }) => [...text.matchAll(/\bmsg\(\s*'([^']+)'/g), ...text.matchAll(/\bt\(\s*\w+,\s*'([^']+)'/g)].map((m) => ({ f, key: m[1] })));
    expect(named.length).toBeGreaterThan(50);
    expect(named.filter(({ key }) => !(key in zh))).toEqual([]);
  });

  test('every problem type the code raises has a title in the catalogue', () => {
    const slugs = new Set(CODE.flatMap(({ text }) => [...text.matchAll(/(?:super|new HttpError)\(\s*\d{3},\s*'([a-z-]+)'/g)].map((m) => m[1])));
    expect(slugs.size).toBeGreaterThan(10);
    expect([...slugs].filter((s) => !(`problem.${s}.title` in zh))).toEqual([]);
  });

  test('a text renders Chinese and English, with nested nouns in the same language', () => {
    expect(t('zh-CN', 'problem.not-found.detail', { what: 'region' })).toBe('没有这个区域。');
    expect(t('en', 'problem.not-found.detail', { what: 'region' })).toBe('No such region.');
  });
});
