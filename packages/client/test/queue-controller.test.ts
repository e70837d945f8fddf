import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { SyncLoop } from '../src';

const quiet = { warn: () => undefined };

test('a sync loop retries a failed key with back-off, collapses repeated adds of a key, and stop waits for the sync under way', async () => {
  const runs: string[] = [];
  let failures = 2;
  let inFlight = 0;
  let maxInFlight = 0;
  let release: (() => void) | undefined;
  const loop = new SyncLoop('test', { workers: 4, log: quiet, baseDelayMs: 1, maxDelayMs: 5 }, async (key) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    runs.push(key);
    try {
      if (key === 'flaky' && failures-- > 0) throw new Error('not yet');
      if (key === 'slow') await new Promise<void>((r) => (release = r));
    } finally {
      inFlight--;
    }
  });
  loop.run();
  loop.add('flaky');
  for (let i = 0; i < 5; i++) loop.add('same');
  const deadline = Date.now() + 5000;
  while (runs.filter((k) => k === 'flaky').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  assert.equal(runs.filter((k) => k === 'flaky').length, 3, 'two failures, then the success');
  assert.ok(runs.filter((k) => k === 'same').length <= 2, 'adds of a queued key collapse');
  loop.add('slow');
  while (!release && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  let stopped = false;
  const stopping = loop.stop().then(() => (stopped = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(stopped, false, 'stop waits for the slow sync');
  release!();
  await stopping;
  assert.ok(maxInFlight <= 4);
});
