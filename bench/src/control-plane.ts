// A scratch control plane for the API, scheduler and memory benchmarks: a real etcd and the
// real daemons as their own processes on loopback ports, so nothing touches the local hosts
// and each daemon's RSS can be read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GrpcClient, RestClient, tlsFetch, type TlsIdentity } from '@tinykube/client';
import { mainOf, pkiFiles } from '@tinykube/hosts';
import { freePort, REPO_DIR, TestEtcd, testPki, waitFor } from '@tinykube/test';

export interface ControlPlane {
  etcd: TestEtcd;
  rest: RestClient;
  grpc: GrpcClient;
  restUrl: string;
  /** The cluster admin's identity (system:masters). */
  admin: Required<TlsIdentity>;
  daemons: Map<string, ChildProcess>;
  start(name: 'scheduler' | 'controller-manager'): Promise<void>;
  /** Current and peak RSS of a daemon, in MiB. */
  rss(name: string): { now: number; peak: number };
  stop(): Promise<void>;
}

function memory(pid: number): { now: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export async function startControlPlane(): Promise<ControlPlane> {
  const etcd = await new TestEtcd().start();
  const pki = await testPki();
  const f = pkiFiles(pki.dir);
  const port = await freePort();
  const grpcPort = await freePort();
  const daemons = new Map<string, ChildProcess>();
  const logDir = path.join(REPO_DIR, '.tinykube', 'bench-logs');
  fs.mkdirSync(logDir, { recursive: true });
  const run = (name: string, args: string[]): ChildProcess => {
    const log = fs.openSync(path.join(logDir, `${name}.log`), 'w');
    // TK_BENCH_PROFILE=<dir>: each daemon writes a CPU profile there when it exits.
    const prof = process.env.TK_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TK_BENCH_PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...prof, ...args], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    daemons.set(name, child);
    return child;
  };
  const tls = [`--tls-cert-file=${f.crt('apiserver')}`, `--tls-private-key-file=${f.key('apiserver')}`, `--client-ca-file=${f.ca}`, `--service-account-signing-key-file=${path.join(pki.dir, 'sa.key')}`, `--service-account-key-file=${path.join(pki.dir, 'sa.pub')}`];
  run('apiserver', [mainOf(REPO_DIR, 'apiserver'), `--etcd-servers=${etcd.url}`, '--bind-address=127.0.0.1', `--port=${port}`, `--grpc-port=${grpcPort}`, ...tls, '--compaction-interval=0', '--log-level=warn']);
  const restUrl = `https://127.0.0.1:${port}`;
  const anonymous = tlsFetch({ ca: pki.admin.ca });
  await waitFor(async () => (await anonymous(`${restUrl}/healthz`)).ok, { timeoutMs: 30_000, what: 'bench apiserver' });
  const grpcAddr = `127.0.0.1:${grpcPort}`;
  return {
    etcd,
    rest: new RestClient(restUrl, { tls: pki.admin }),
    grpc: new GrpcClient(grpcAddr, pki.admin),
    restUrl,
    admin: pki.admin,
    daemons,
    async start(name) {
      const metrics = await freePort();
      run(name, [mainOf(REPO_DIR, name), `--apiserver=${grpcAddr}`, `--ca-file=${f.ca}`, `--cert-file=${f.crt(name)}`, `--key-file=${f.key(name)}`, `--port=${metrics}`, '--log-level=warn']);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${metrics}/healthz`)).ok, { timeoutMs: 30_000, what: name });
    },
    rss(name) {
      return memory(daemons.get(name)!.pid!);
    },
    async stop() {
      // SIGTERM lets a profiled daemon write its profile; then make sure.
      for (const c of daemons.values()) c.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, process.env.TK_BENCH_PROFILE ? 3000 : 200));
      for (const c of daemons.values()) c.kill('SIGKILL');
      await etcd.stop();
    },
  };
}
