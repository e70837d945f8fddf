import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadApiService } from '../src';

test('the Api service loads, with every method the daemons call', () => {
  const methods = Object.keys(loadApiService().service);
  for (const m of ['Get', 'List', 'Watch', 'Create', 'Update', 'UpdateStatus', 'Patch', 'Delete', 'Bind']) assert.ok(methods.includes(m), m);
});

test('the contract is found from the package itself, whatever the working directory', () => {
  const entry = path.join(__dirname, '..', 'src', 'index.js');
  const out = execFileSync(process.execPath, ['-e', `process.stdout.write(String(Object.keys(require(${JSON.stringify(entry)}).loadApiService().service).length))`], { cwd: '/' }).toString();
  assert.ok(Number(out) >= 9, out);
});
