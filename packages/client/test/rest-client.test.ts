import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warningTexts } from '../src/rest-client';

test('Warning headers: the quoted texts, escapes undone, several joined by commas', () => {
  assert.deepEqual(warningTexts('299 - "unknown field \\"spec.replica\\""'), ['unknown field "spec.replica"']);
  assert.deepEqual(warningTexts('299 - "one, with a comma", 299 - "two"'), ['one, with a comma', 'two']);
  assert.deepEqual(warningTexts(null), []);
});
