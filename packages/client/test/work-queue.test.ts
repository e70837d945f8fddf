import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWorkers, WorkQueue } from '../src';

test('a key added many times is queued once', async () => {
  const q = new WorkQueue();
  for (let i = 0; i < 5; i++) q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
});

test('a key is never processed by two workers at once, and is re-run if re-added meanwhile', async () => {
  const q = new WorkQueue();
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  let release!: () => void;
  const firstRunBlocked = new Promise<void>((r) => (release = r));
  const workers = runWorkers(q, 4, async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    runs++;
    if (runs === 1) await firstRunBlocked;
    running--;
    if (runs === 2) q.shutdown();
  });
  q.add('k');
  // Wait until the first run has started, then add the key again while it runs.
  while (runs === 0) await new Promise((r) => setImmediate(r));
  q.add('k');
  q.add('k');
  release();
  await workers;
  assert.equal(maxRunning, 1);
  assert.equal(runs, 2);
});

test('failures are retried with growing backoff and forgotten on success', async () => {
  const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 50 });
  let attempts = 0;
  const done = runWorkers(q, 1, async () => {
    attempts++;
    if (attempts < 4) throw new Error('transient');
    q.shutdown();
  });
  q.add('x');
  await done;
  assert.equal(attempts, 4);
  assert.equal(q.numRequeues('x'), 0);
});

test('addAfter keeps the earliest pending time: a later, longer delay does not postpone the key', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const q = new WorkQueue();
  q.addAfter('k', 100);
  q.addAfter('k', 10_000);
  t.mock.timers.tick(100);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'k');
  q.done('k');
  // A shorter delay still brings a pending key forward.
  q.addAfter('j', 10_000);
  q.addAfter('j', 50);
  t.mock.timers.tick(50);
  assert.equal(q.length, 1);
  q.shutdown();
});
