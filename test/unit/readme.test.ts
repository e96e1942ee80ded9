import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../../bin/config';

const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
const configuration = fs.readFileSync(path.join(__dirname, '../../docs/configuration.md'), 'utf8');
const operations = fs.readFileSync(path.join(__dirname, '../../docs/operations.md'), 'utf8');

test('the configuration table (docs/configuration.md) lists every variable the product reads, with its default', () => {
  for (const v of CONFIG_VARIABLES) expect(configuration).toContain(`| \`${v.name}\` | ${v.default} |`);
});

test('the operations guide names every command of the fuhua CLI', () => {
  for (const command of ['migrate', 'api', 'worker', 'create-user']) expect(operations).toContain(`bin/fuhua.js ${command}`);
});

test('the README links every document in docs/, and every link it makes leads to a file that is there', () => {
  const docs = fs.readdirSync(path.join(__dirname, '../../docs')).filter((f) => f.endsWith('.md'));
  for (const doc of docs) expect(readme).toContain(`(docs/${doc})`);
  for (const [, target] of readme.matchAll(/\]\((docs\/[^)#]+)\)/g)) expect(fs.existsSync(path.join(__dirname, '../..', target))).toBe(true);
});

test('the architecture guide maps every feature folder of the API', () => {
  const architecture = fs.readFileSync(path.join(__dirname, '../../docs/architecture.md'), 'utf8');
  const features = fs.readdirSync(path.join(__dirname, '../../api'), { withFileTypes: true }).filter((d) => d.isDirectory() && !['routes', 'schemas'].includes(d.name));
  for (const f of features) expect(architecture).toContain(`\`api/${f.name}/\``);
});
