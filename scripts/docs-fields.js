// npm run docs:fields: rewrites README.md's list of the fields tinykube stores without acting on
// them from the apiserver's schemas (the same table that answers a write with a Warning).
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require('node:fs');
const path = require('node:path');
const { notActedMarkdown } = require('../packages/apiserver/dist/src/index.js');

const readme = path.join(__dirname, '..', 'README.md');
const text = fs.readFileSync(readme, 'utf8');
const block = /(<!-- not-acted-fields:start -->\n)[\s\S]*?(<!-- not-acted-fields:end -->)/;
if (!block.test(text)) throw new Error('README.md has no not-acted-fields block');
fs.writeFileSync(readme, text.replace(block, (_, start, end) => `${start}${notActedMarkdown()}\n${end}`));
