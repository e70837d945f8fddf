// npm run bench: every figure beside a baseline measured in the same run, as ratios, written to
// bench/results/<date>.json and printed as a table. Needs the local cluster (`npm run up`).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_DIR } from '@tinykube/test';
import { apiBench } from './api-bench';
import { startControlPlane, type ControlPlane } from './control-plane';
import { dnsBench } from './dns-bench';
import { lbBench } from './lb-bench';
import { loadLocal } from './local-cluster';
import { podStartupBench } from './pod-startup-bench';
import { proxyBench } from './proxy-bench';
import { schedulerBench } from './scheduler-bench';
import type { Row } from './stats';

function log(s: string): void {
  process.stdout.write(`${s}\n`);
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '';
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

export function table(rows: Row[]): string {
  const lines = ['| benchmark | figure | value | baseline | ratio | target | met |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.benchmark} | ${r.figure} | ${fmt(r.value)} ${r.unit} | ${r.baseline !== undefined ? `${fmt(r.baseline)} (${r.baselineLabel})` : ''} | ${r.ratio !== undefined ? `${fmt(r.ratio)}x` : ''} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'no'} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string): boolean => only.length === 0 || only.includes(name);
  const started = Date.now();
  const rows: Row[] = [];
  const local = want('startup') || want('proxy') || want('lb') || want('dns') ? loadLocal() : undefined;
  if (local && want('startup')) {
    log('1. pod startup');
    rows.push(...(await podStartupBench(local, log)));
  }
  if (local && want('proxy')) {
    log('2. service programming');
    rows.push(...(await proxyBench(local, log)));
  }
  // Each on a fresh control plane, so the memory figures start from an empty cluster.
  const onFreshControlPlane = async (bench: (cp: ControlPlane, log: (s: string) => void) => Promise<Row[]>): Promise<void> => {
    const cp = await startControlPlane();
    try {
      rows.push(...(await bench(cp, log)));
    } finally {
      await cp.stop();
    }
  };
  if (want('api')) {
    log('3. API');
    await onFreshControlPlane(apiBench);
  }
  if (want('scheduler')) {
    log('4-5. scheduler and memory');
    await onFreshControlPlane(schedulerBench);
  }
  if (local && want('lb')) {
    log('6. load balancing');
    rows.push(...(await lbBench(local, log)));
  }
  if (local && want('dns')) {
    log('7. cluster DNS');
    rows.push(...(await dnsBench(local, log)));
  }
  const minutes = (Date.now() - started) / 60_000;
  log(`\n${table(rows)}\n\n(${minutes.toFixed(1)} min on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''})`);
  const out = path.join(REPO_DIR, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // A subset run (`npm run bench -- dns`) replaces its own benchmarks' rows in the day's file and keeps the others.
  let all = rows;
  if (only.length && fs.existsSync(out)) {
    const mine = new Set(rows.map((r) => r.benchmark));
    const before = (JSON.parse(fs.readFileSync(out, 'utf8')) as { rows?: Row[] }).rows ?? [];
    all = [...before.filter((r) => !mine.has(r.benchmark)), ...rows];
  }
  fs.writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), minutes, cores: os.cpus().length, rows: all }, null, 2)}\n`);
  log(`wrote ${path.relative(REPO_DIR, out)}`);
  local?.api.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
