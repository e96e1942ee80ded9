#!/usr/bin/env node
// Entry point: runs the TypeScript sources through tsx, so a fresh clone needs only `npm ci`.
require('tsx/cjs/api').register();
require('./cli.ts');
