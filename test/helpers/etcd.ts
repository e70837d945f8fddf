// Starts a real etcd (Debian's etcd-server) on free loopback ports in a temporary data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class TestEtcd {
  private proc?: ChildProcess;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'tk-etcd-'));
  clientPort = 0;
  peerPort = 0;

  get url(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  async start(): Promise<this> {
    if (!this.clientPort) {
      this.clientPort = await freePort();
      this.peerPort = await freePort();
    }
    const bin = process.env.ETCD_BIN ?? 'etcd';
    this.proc = spawn(
      bin,
      [
        '--name', 'test',
        '--data-dir', join(this.dataDir, 'data'),
        '--listen-client-urls', this.url,
        '--advertise-client-urls', this.url,
        '--listen-peer-urls', `http://127.0.0.1:${this.peerPort}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${this.peerPort}`,
        '--initial-cluster', `test=http://127.0.0.1:${this.peerPort}`,
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    this.proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const proc = this.proc;
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`etcd exited: ${stderr}`);
        const res = await fetch(`${this.url}/health`).catch(() => undefined);
        return res?.ok === true;
      },
      { timeoutMs: 20_000, what: 'etcd healthy' },
    );
    return this;
  }

  /** Kills etcd (SIGKILL), leaving its data for a restart. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
