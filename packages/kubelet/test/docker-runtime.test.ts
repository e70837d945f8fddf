import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bounded } from '../src/docker-runtime';

test('an Engine API call is bounded: its answer passes through, silence past the bound is an error', async () => {
  assert.equal(await bounded('list', 1000, Promise.resolve(3)), 3);
  await assert.rejects(bounded('list', 1000, Promise.reject(new Error('boom'))), /boom/);
  await assert.rejects(bounded('stop', 20, new Promise(() => undefined)), /docker stop: no answer in 0 s/);
});
