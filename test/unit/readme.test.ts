import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../../bin/config';

const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

test('the README configuration table lists every variable the product reads, with its default', () => {
  for (const v of CONFIG_VARIABLES) expect(readme).toContain(`| \`${v.name}\` | ${v.default} |`);
});

test('the README names every command of the fuhua CLI', () => {
  for (const command of ['migrate', 'api', 'worker', 'create-user']) expect(readme).toContain(`bin/fuhua.js ${command}`);
});
