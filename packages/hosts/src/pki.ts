// The cluster's PKI as `up` and install-master.sh make it (kubeadm's layout and names): the CA
// and the ServiceAccount key, the apiserver's serving certificate with the SANs Kubernetes gives
// it, the apiserver's kubelet-client certificate, the admin's (system:masters), one identity per
// daemon (system:kube-scheduler, system:kube-controller-manager, system:kube-proxy), and per node
// the kubelet's client certificate (system:node:<name> in system:nodes) and serving certificate.
import * as path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import { errorCode, firstAddress, R, type Secret } from '@tinykube/api';
import type { ApiClient } from '@tinykube/client';
import { ensurePki, type CertSpec } from '@tinykube/pki';

export const CLUSTER_DOMAIN = 'cluster.local';

export interface PkiNode {
  name: string;
  ip: string;
}

export interface ClusterPkiSpec {
  dir: string;
  /** Addresses clients reach the apiserver at. */
  masterIps: string[];
  serviceCidr: string;
  nodes: PkiNode[];
}

export function masterCerts(masterIps: string[], serviceCidr: string): Record<string, CertSpec> {
  return {
    apiserver: {
      commonName: 'kube-apiserver',
      dnsNames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${CLUSTER_DOMAIN}`, 'localhost'],
      ipAddresses: [...new Set([...masterIps, firstAddress(serviceCidr), '127.0.0.1'])],
      usage: 'server',
    },
    'apiserver-kubelet-client': { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' },
    admin: { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' },
    scheduler: { commonName: 'system:kube-scheduler', usage: 'client' },
    'controller-manager': { commonName: 'system:kube-controller-manager', usage: 'client' },
  };
}

export function nodeCerts(node: PkiNode): Record<string, CertSpec> {
  return {
    [`kubelet-${node.name}`]: { commonName: `system:node:${node.name}`, organizations: ['system:nodes'], usage: 'client' },
    [`kubelet-${node.name}-serving`]: { commonName: `system:node:${node.name}`, organizations: ['system:nodes'], dnsNames: [node.name], ipAddresses: [node.ip], usage: 'server' },
  };
}

export const PROXY_CERT: Record<string, CertSpec> = { proxy: { commonName: 'system:kube-proxy', usage: 'client' } };

export async function ensureClusterPki(s: ClusterPkiSpec): Promise<void> {
  const certs = { ...masterCerts(s.masterIps, s.serviceCidr), ...PROXY_CERT };
  for (const n of s.nodes) Object.assign(certs, nodeCerts(n));
  await ensurePki({ dir: s.dir, caName: 'tinykube-ca', certs });
  ensureEncryptionConfig(s.dir);
  ensureAuditPolicy(s.dir);
}

/** The apiserver's --audit-policy-file, beside the PKI. */
export const AUDIT_POLICY = 'audit-policy.yaml';

/**
 * The audit policy `up` and install-master.sh start with (kept once written, for the user to
 * change): every change at Request level with who made it; reads, events and the daemons'
 * heartbeats not at all; Secrets, ConfigMaps and tokens at Metadata only, never their content.
 */
export function ensureAuditPolicy(dir: string): string {
  const file = path.join(dir, AUDIT_POLICY);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const text = [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    '# One event per request, when it completes (Kubernetes also writes one when it arrives).',
    'omitStages: [RequestReceived]',
    'rules:',
    '  # Reads, events and heartbeats are not logged.',
    '  - level: None',
    '    verbs: [get, list, watch]',
    '  - level: None',
    '    resources: [{group: "", resources: [events]}, {group: events.k8s.io, resources: [events]}]',
    '  - level: None',
    '    resources: [{group: coordination.k8s.io, resources: [leases]}]',
    '  - level: None',
    '    userGroups: [system:nodes]',
    '    verbs: [update, patch]',
    '    resources: [{group: "", resources: [nodes/status, pods/status]}]',
    '  # Who touched Secrets, ConfigMaps and tokens, never what they hold.',
    '  - level: Metadata',
    '    resources: [{group: "", resources: [secrets, configmaps, serviceaccounts/token]}]',
    '  # Every other change, with its request body.',
    '  - level: Request',
    '',
  ].join('\n');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** The apiserver's --encryption-provider-config, beside the PKI. */
export const ENCRYPTION_CONFIG = 'encryption-config.yaml';

/**
 * Secrets encrypted at rest with a key made here once (aescbc, 32 random bytes), identity after
 * it so data written before encryption stays readable; a later run keeps the file.
 */
export function ensureEncryptionConfig(dir: string): string {
  const file = path.join(dir, ENCRYPTION_CONFIG);
  if (fs.existsSync(file)) return file;
  const text = [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    '      - aescbc:',
    '          keys:',
    `            - name: key1`,
    `              secret: ${randomBytes(32).toString('base64')}`,
    '      - identity: {}',
    '',
  ].join('\n');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Paths of the PKI's files. */
export function pkiFiles(dir: string): { ca: string; crt(name: string): string; key(name: string): string } {
  return { ca: path.join(dir, 'ca.crt'), crt: (n) => path.join(dir, `${n}.crt`), key: (n) => path.join(dir, `${n}.key`) };
}

/** What a node host needs, copied to `<dir>/nodes/<name>/`: the CA, its kubelet's two certificates and tk-proxy's. */
export function writeNodeBundle(dir: string, name: string): string {
  const out = path.join(dir, 'nodes', name);
  fs.mkdirSync(out, { recursive: true, mode: 0o700 });
  for (const f of ['ca.crt', `kubelet-${name}.crt`, `kubelet-${name}.key`, `kubelet-${name}-serving.crt`, `kubelet-${name}-serving.key`, 'proxy.crt', 'proxy.key']) {
    fs.copyFileSync(path.join(dir, f), path.join(out, f));
    fs.chmodSync(path.join(out, f), f.endsWith('.key') ? 0o600 : 0o644);
  }
  return out;
}

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const tokenPart = (n: number): string => Array.from({ length: n }, () => TOKEN_CHARS[randomInt(TOKEN_CHARS.length)]).join('');

/**
 * The cluster's node bootstrap token (`<id>.<secret>`, kept in <pki>/bootstrap-token) and its
 * Secret in kube-system, as `kubeadm token create` makes them; made once, reused by later runs.
 */
export async function ensureBootstrapToken(api: ApiClient, dir: string): Promise<string> {
  const file = path.join(dir, 'bootstrap-token');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${tokenPart(6)}.${tokenPart(16)}\n`, { mode: 0o600 });
  const token = fs.readFileSync(file, 'utf8').trim();
  const [id, secret] = token.split('.') as [string, string];
  const s: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    stringData: { 'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', description: 'tinykube: nodes join with this token', 'auth-extra-groups': 'system:bootstrappers:tinykube:default-node-token' },
  };
  await api.create(R.secrets, s).catch(async (err: unknown) => {
    if (errorCode(err) !== 409) throw err;
    // Made by an earlier run, perhaps with other usages: make it what this run expects.
    const held = await api.get<Secret>(R.secrets, 'kube-system', `bootstrap-token-${id}`);
    await api.update<Secret>(R.secrets, { ...s, metadata: held.metadata });
  });
  return token;
}
