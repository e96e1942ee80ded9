#!/usr/bin/env node
// Runs a TypeScript file through tsx: `node bin/run-ts.js bench/index.ts [args]`.
require('tsx/cjs/api').register();
const path = require('node:path');
const file = process.argv[2];
if (!file) {
  console.error('usage: node bin/run-ts.js <file.ts> [args]');
  process.exit(2);
}
process.argv.splice(1, 2, path.resolve(file));
require(path.resolve(file));
