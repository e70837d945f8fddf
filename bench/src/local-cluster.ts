// The local hosts `npm run up` made, read from .tinykube: API client, node plans, helpers to
// run commands in a node's network namespace and to restart a daemon the way `up` does.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { R } from '@tinykube/api';
import { RestClient } from '@tinykube/client';
import { adminIdentity, makePlan, up, type ClusterFile, type ClusterPlan, type PlanOptions } from '@tinykube/hosts';
import { REPO_DIR } from '@tinykube/test';

export interface Local {
  file: ClusterFile;
  plan: ClusterPlan;
  options: PlanOptions;
  api: RestClient;
  onNode(node: string, cmd: string, args: string[], input?: string): Promise<string>;
  /** `up` again: restarts whatever daemon is not running, and nothing else. */
  reconcile(): Promise<void>;
}

export function sh(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(stdout)));
    if (input !== undefined) c.stdin?.end(input);
  });
}

export function loadLocal(): Local {
  const state = path.join(REPO_DIR, '.tinykube');
  if (!fs.existsSync(path.join(state, 'cluster.json'))) throw new Error('no local cluster: run `npm run up` first');
  const file = JSON.parse(fs.readFileSync(path.join(state, 'cluster.json'), 'utf8')) as ClusterFile;
  const options = JSON.parse(fs.readFileSync(path.join(state, 'plan.json'), 'utf8')) as PlanOptions;
  const plan = makePlan(options);
  const netns = (node: string): string => plan.nodes.find((n) => n.name === node)!.netns;
  return {
    file,
    plan,
    options,
    api: new RestClient(file.apiserver, { tls: adminIdentity(path.join(state, 'pki')) }),
    onNode: (node, cmd, args, input) => sh('nsenter', [`--net=/run/netns/${netns(node)}`, '--', cmd, ...args], input),
    reconcile: async () => {
      await up({ ...options, repoDir: REPO_DIR });
    },
  };
}

/** A namespace of the benchmark's own: waits out an earlier one still terminating, then creates it. */
export async function freshNamespace(api: RestClient, name: string): Promise<void> {
  await deleteNamespace(api, name);
  await api.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Deletes a namespace and waits until the namespace controller has emptied and removed it. */
export async function deleteNamespace(api: RestClient, name: string, timeoutMs = 300_000): Promise<void> {
  await api.delete(R.namespaces, undefined, name).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await api.get(R.namespaces, undefined, name).then(() => false, () => true)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`namespace ${name} still there after ${timeoutMs} ms`);
}
