// What every package's bin stub runs: the package's built main, or, before the build, a line
// saying what to run. The stubs exist in the checkout so npm links them at install time and
// `npx tkctl` never asks the npm registry for a package of that name.
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require('node:fs');
const path = require('node:path');

module.exports = function runBuilt(binDir, name) {
  const main = path.join(binDir, '..', 'dist', 'src', 'main.js');
  if (!fs.existsSync(main)) {
    process.stderr.write(`${name}: not built yet; run \`npm run build\` (or \`npm run up\`) in ${path.resolve(__dirname, '..')}\n`);
    process.exit(1);
  }
  require(main);
};
