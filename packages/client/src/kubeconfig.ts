// Reads the server address from a kubeconfig (the file `npm run up` writes, or any kubectl one).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; namespace?: string } }[];
  clusters?: { name: string; cluster: { server: string } }[];
}

export interface ClusterTarget {
  server: string;
  namespace: string;
}

export function loadKubeconfig(path: string): ClusterTarget {
  let cfg: Kubeconfig;
  try {
    cfg = parse(readFileSync(path, 'utf8')) as Kubeconfig;
  } catch (e) {
    throw new Error(`cannot read kubeconfig ${path}: ${(e as Error).message}`);
  }
  const ctx = cfg.contexts?.find((c) => c.name === cfg['current-context']) ?? cfg.contexts?.[0];
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.context.cluster) ?? cfg.clusters?.[0];
  if (!cluster?.cluster?.server) throw new Error(`kubeconfig ${path} names no cluster server`);
  return { server: cluster.cluster.server, namespace: ctx?.context.namespace ?? 'default' };
}

export function renderKubeconfig(server: string, name = 'tinykube'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    // The server speaks plain HTTP; kubectl ignores this then, and @kubernetes/client-node
    // refuses an http:// server without it.
    ...(server.startsWith('http://') ? ['    insecure-skip-tls-verify: true'] : []),
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    '    namespace: default',
    `    user: ${name}-admin`,
    `current-context: ${name}`,
    'users:',
    `- name: ${name}-admin`,
    '  user: {}',
    '',
  ].join('\n');
}
