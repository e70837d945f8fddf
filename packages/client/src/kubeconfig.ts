// Reads and writes kubeconfig files: the server, the CA to trust and the client certificate
// (inline `-data` fields, or files relative to the kubeconfig, as kubectl reads them).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { TlsIdentity } from './tls';

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; namespace?: string; user?: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string } }[];
  users?: { name: string; user: { 'client-certificate'?: string; 'client-certificate-data'?: string; 'client-key'?: string; 'client-key-data'?: string; token?: string } }[];
}

export interface ClusterTarget {
  server: string;
  namespace: string;
  tls: TlsIdentity;
  /** The user's bearer token, when the kubeconfig gives one. */
  token?: string;
}

export function loadKubeconfig(file: string): ClusterTarget {
  let cfg: Kubeconfig;
  try {
    cfg = parse(readFileSync(file, 'utf8')) as Kubeconfig;
  } catch (e) {
    throw new Error(`cannot read kubeconfig ${file}: ${(e as Error).message}`);
  }
  const ctx = cfg.contexts?.find((c) => c.name === cfg['current-context']) ?? cfg.contexts?.[0];
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.context.cluster) ?? cfg.clusters?.[0];
  const user = cfg.users?.find((u) => u.name === ctx?.context.user)?.user ?? {};
  if (!cluster?.cluster?.server) throw new Error(`kubeconfig ${file} names no cluster server`);
  const material = (data: string | undefined, ref: string | undefined): string | undefined => {
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    if (ref) return readFileSync(path.resolve(path.dirname(file), ref), 'utf8');
    return undefined;
  };
  const ca = material(cluster.cluster['certificate-authority-data'], cluster.cluster['certificate-authority']);
  if (!ca) throw new Error(`kubeconfig ${file}: cluster ${cluster.name} has no certificate-authority(-data); tinykube serves only TLS`);
  const cert = material(user['client-certificate-data'], user['client-certificate']);
  const key = material(user['client-key-data'], user['client-key']);
  return { server: cluster.cluster.server, namespace: ctx?.context.namespace ?? 'default', tls: { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}) }, ...(user.token ? { token: user.token } : {}) };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** One cluster, one context and one user, with the user's credentials as YAML lines. */
function kubeconfigText(o: { name: string; server: string; ca: string; context: string; user: string; namespace?: string; credentials: string[] }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${o.name}`,
    '  cluster:',
    `    server: ${o.server}`,
    `    certificate-authority-data: ${b64(o.ca)}`,
    'contexts:',
    `- name: ${o.context}`,
    '  context:',
    `    cluster: ${o.name}`,
    ...(o.namespace ? [`    namespace: ${o.namespace}`] : []),
    `    user: ${o.user}`,
    `current-context: ${o.context}`,
    'users:',
    `- name: ${o.user}`,
    '  user:',
    ...o.credentials.map((l) => `    ${l}`),
    '',
  ].join('\n');
}

/** A bootstrap kubeconfig, as kubeadm writes one: the server, its CA, a bootstrap token. */
export function renderBootstrapKubeconfig(server: string, ca: string, token: string, name = 'tinykube'): string {
  return kubeconfigText({ name, server, ca, context: `tls-bootstrap-token-user@${name}`, user: 'tls-bootstrap-token-user', credentials: [`token: ${token}`] });
}

/** A kubeconfig with everything inline: the CA and the user's certificate and key. */
export function renderKubeconfig(server: string, tls: Required<TlsIdentity>, name = 'tinykube', user = `${name}-admin`): string {
  return kubeconfigText({ name, server, ca: tls.ca, context: name, user, namespace: 'default', credentials: [`client-certificate-data: ${b64(tls.cert)}`, `client-key-data: ${b64(tls.key)}`] });
}
