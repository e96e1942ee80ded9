#!/usr/bin/env node
// Entry point. In dist/ (`npm run build`) the compiled cli.js sits beside this file and runs as it is; from the
// sources, tsx compiles bin/cli.ts on the fly, so a fresh clone needs only `npm ci`.
const fs = require('node:fs');
const path = require('node:path');
if (fs.existsSync(path.join(__dirname, 'cli.js'))) {
  require('./cli.js');
} else {
  require('tsx/cjs/api').register();
  require('./cli.ts');
}
