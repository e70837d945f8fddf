#!/usr/bin/env node
// The tk-proxy command. It exists before the build, so npm links it at install and `npx tk-proxy`
// never asks the npm registry for a package of that name; unbuilt, it says what to run.
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require('node:fs');
const path = require('node:path');
const main = path.join(__dirname, '..', 'dist', 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(`tk-proxy: not built yet; run \`npm run build\` (or \`npm run up\`) in ${path.resolve(__dirname, '../../..')}\n`);
  process.exit(1);
}
require(main);
