// Joining a node as `kubeadm join` does: the master publishes kube-public/cluster-info (the
// apiserver's address and CA, readable anonymously, signed with each bootstrap token by the
// controller-manager's bootstrapsigner); a new node fetches it without trusting anyone yet,
// checks the token's signature and the CA's public-key pin, fetches it again over TLS verified
// by that CA, and writes the CA and a bootstrap kubeconfig for its kubelet and tk-proxy.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { BOOTSTRAP_TOKEN, errorCode, R, type ConfigMap } from '@tinykube/api';
import { renderBootstrapKubeconfig, type ApiClient } from '@tinykube/client';
import { caCertHash, verifyDetachedSignature } from '@tinykube/pki';
import { parse, stringify } from 'yaml';

export const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

/** kubeadm's cluster-info kubeconfig: one unnamed cluster, no users. */
export function clusterInfoKubeconfig(server: string, ca: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: '', cluster: { 'certificate-authority-data': Buffer.from(ca).toString('base64'), server } }],
    contexts: null,
    'current-context': '',
    preferences: {},
    users: null,
  });
}

/** Creates or corrects kube-public/cluster-info, keeping the signatures the bootstrapsigner added. */
export async function ensureClusterInfo(api: ApiClient, server: string, ca: string): Promise<void> {
  const kubeconfig = clusterInfoKubeconfig(server, ca);
  for (;;) {
    const current = await api.get<ConfigMap>(R.configmaps, 'kube-public', 'cluster-info').catch((err: unknown) => {
      if (errorCode(err) === 404) return undefined;
      throw err;
    });
    try {
      if (!current) await api.create<ConfigMap>(R.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig } });
      else if (current.data?.kubeconfig !== kubeconfig) await api.update<ConfigMap>(R.configmaps, { ...current, data: { ...current.data, kubeconfig } });
      return;
    } catch (err) {
      if (errorCode(err) !== 409) throw err;
    }
  }
}

export interface Discovery {
  /** HOST or HOST:PORT of the apiserver's REST port (6443 unless given). */
  apiserver: string;
  /** `<id>.<secret>` */
  token: string;
  /** Accepted CA pins, `sha256:<hex>`. */
  caCertHashes: string[];
  /** How long to keep trying to reach the apiserver. */
  timeoutMs?: number;
}

function get(url: string, tls: { ca?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(tls.ca ? { ca: tls.ca } : { rejectUnauthorized: false }), timeout: 5000, headers: { Accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
  });
}

async function clusterInfo(url: string, tls: { ca?: string }): Promise<ConfigMap> {
  const r = await get(url, tls);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as ConfigMap;
}

/** The apiserver's address and CA, trusted only once the token's signature and the CA pin check out. */
export async function discoverCluster(d: Discovery): Promise<{ server: string; ca: string }> {
  const m = BOOTSTRAP_TOKEN.exec(d.token);
  if (!m) throw new Error('the token must be of the form [a-z0-9]{6}.[a-z0-9]{16}');
  const [, id, secret] = m as unknown as [string, string, string];
  const pins = d.caCertHashes.map((h) => h.toLowerCase());
  if (!pins.length || pins.some((p) => !/^sha256:[0-9a-f]{64}$/.test(p))) throw new Error('--discovery-token-ca-cert-hash must be sha256:<64 hex digits>');
  const url = `https://${/:\d+$/.test(d.apiserver) ? d.apiserver : `${d.apiserver}:6443`}${CLUSTER_INFO_PATH}`;
  const deadline = Date.now() + (d.timeoutMs ?? 300_000);
  // The server may not be up yet, nor the bootstrap signer have signed for a new token: ask
  // again until the deadline, as kubeadm does.
  let content: string | undefined;
  let signature: string | undefined;
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    let problem: string;
    try {
      const insecure = await clusterInfo(url, {});
      content = insecure.data?.kubeconfig;
      signature = insecure.data?.[`jws-kubeconfig-${id}`];
      if (content && signature) break;
      problem = !content
        ? 'the cluster-info ConfigMap has no kubeconfig'
        : `there is no JWS signed token in the cluster-info ConfigMap. This token id "${id}" is invalid for this cluster, or it has expired. Create a new token on the master (it is in /etc/tinykube/pki/bootstrap-token)`;
    } catch (err) {
      problem = `cannot fetch the cluster-info ConfigMap: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(problem);
    await new Promise((r) => setTimeout(r, delay));
  }
  if (!(await verifyDetachedSignature(content, signature, id, secret))) throw new Error(`failed to verify JWS signature of received cluster info object, can't trust this API Server`);
  const cfg = parse(content) as { clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[] };
  const cluster = cfg.clusters?.[0]?.cluster;
  if (!cluster?.server || !cluster['certificate-authority-data']) throw new Error('the cluster-info kubeconfig names no server or CA');
  const ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  const hash = caCertHash(ca);
  if (!pins.includes(hash)) throw new Error(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${hash}" are pinned`);
  // Once more, now trusting that CA: the same object from the same server.
  const secure = await clusterInfo(url, { ca });
  if (secure.data?.kubeconfig !== content) throw new Error('the cluster-info ConfigMap changed between the insecure and the verified fetch');
  return { server: cluster.server, ca };
}

/** Writes what the node's daemons start from: `<pkiDir>/ca.crt` and the bootstrap kubeconfig (0600). */
export function writeJoinFiles(o: { pkiDir: string; bootstrapKubeconfig: string; server: string; ca: string; token: string }): void {
  fs.mkdirSync(o.pkiDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(o.pkiDir, 'ca.crt'), o.ca, { mode: 0o644 });
  fs.mkdirSync(path.dirname(o.bootstrapKubeconfig), { recursive: true });
  fs.writeFileSync(o.bootstrapKubeconfig, renderBootstrapKubeconfig(o.server, o.ca, o.token), { mode: 0o600 });
}
