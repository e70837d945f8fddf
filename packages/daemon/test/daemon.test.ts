import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { test } from 'node:test';

const FIXTURE = path.join(__dirname, 'fixtures', 'stop-order.js');

function start(args: string[]): { out: () => string; err: () => string; exited: Promise<number | null>; child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { out: () => out, err: () => err, exited, child };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a daemon serves its named checks and metrics, and on SIGTERM runs its stops last-registered first, then exits 0', async () => {
  const d = start(['--log-level', 'warn']);
  await until(() => /port \d+/.test(d.out()));
  const port = Number(/port (\d+)/.exec(d.out())?.[1]);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz?verbose`);
  assert.equal(ready.status, 500);
  assert.match(await ready.text(), /\[-\]warm failed: not warm yet/);
  assert.equal((await fetch(`http://127.0.0.1:${port}/livez`)).status, 200);
  assert.match(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /process_cpu_user_seconds_total/);
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  assert.deepEqual(d.out().split('\n').filter((l) => l.startsWith('stopped')), ['stopped last-registered', 'stopped first-registered']);
});

test('a daemon that cannot start says why, prefixed with its name, and exits 1', async () => {
  const d = start(['--fail-start']);
  assert.equal(await d.exited, 1);
  assert.equal(d.err(), 'tk-fixture: cannot start: told to fail\n');
});

test('shared and own flags are strict: an unknown flag or log level is refused before anything starts', async () => {
  for (const args of [['--no-such-flag'], ['--log-level', 'loud']]) {
    const d = start(args);
    assert.equal(await d.exited, 1, args.join(' '));
    assert.equal(d.out(), '', args.join(' '));
    assert.match(d.err(), /Unknown argument|Invalid values/, args.join(' '));
  }
});
