import { errorCode, R, secretText, type ConfigMap, type Secret } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import { detachedSignature } from '@tinykube/pki';
import type { ControllerContext } from '../controller-context';

// Kubernetes' bootstrapsigner: the kubeconfig in kube-public/cluster-info (the server and CA
// that joining nodes discover anonymously) carries `jws-kubeconfig-<id>`, a detached JWS keyed
// with each bootstrap token that has usage-bootstrap-signing "true" and has not expired, and
// none for tokens that are gone. A joining node checks the one of its token.

export const CLUSTER_INFO = { namespace: 'kube-public', name: 'cluster-info' };
const JWS_PREFIX = 'jws-kubeconfig-';

/** id -> secret of the tokens that may sign, as of `now`, and when the first of them expires. */
export function signingTokens(secrets: Secret[], now = Date.now()): { tokens: Map<string, string>; nextExpiry?: number } {
  const out = new Map<string, string>();
  let nextExpiry: number | undefined;
  for (const s of secrets) {
    if (s.metadata.namespace !== 'kube-system' || s.type !== 'bootstrap.kubernetes.io/token' || s.metadata.deletionTimestamp) continue;
    const id = secretText(s, 'token-id');
    const secret = secretText(s, 'token-secret');
    const expiration = secretText(s, 'expiration');
    if (!id || !secret || s.metadata.name !== `bootstrap-token-${id}` || secretText(s, 'usage-bootstrap-signing') !== 'true') continue;
    if (expiration && !(Date.parse(expiration) > now)) continue;
    if (expiration) nextExpiry = Math.min(nextExpiry ?? Infinity, Date.parse(expiration));
    out.set(id, secret);
  }
  return { tokens: out, ...(nextExpiry !== undefined ? { nextExpiry } : {}) };
}

export class BootstrapSigner extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('bootstrapsigner', { workers: 1, log: ctx.log });
    const key = `${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}`;
    const enqueue = (): void => this.queue.add(key);
    ctx.informers.get<ConfigMap>(R.configmaps).addEventHandler({
      onAdd: (cm) => cm.metadata.namespace === CLUSTER_INFO.namespace && cm.metadata.name === CLUSTER_INFO.name && enqueue(),
      onUpdate: (_, cm) => cm.metadata.namespace === CLUSTER_INFO.namespace && cm.metadata.name === CLUSTER_INFO.name && enqueue(),
    });
    const token = (s: Secret): void => {
      if (s.type === 'bootstrap.kubernetes.io/token') enqueue();
    };
    ctx.informers.get<Secret>(R.secrets).addEventHandler({ onAdd: token, onUpdate: (_, s) => token(s), onDelete: token });
  }

  protected async sync(key: string): Promise<void> {
    const cm = this.ctx.informers.get<ConfigMap>(R.configmaps).get(key);
    const content = cm?.data?.kubeconfig;
    if (!cm || content === undefined) return;
    const { tokens, nextExpiry } = signingTokens(this.ctx.informers.get<Secret>(R.secrets).list());
    // A token's expiry changes nothing to watch: look again then.
    if (nextExpiry !== undefined) this.queue.addAfter(key, nextExpiry - Date.now() + 1000);
    const data: Record<string, string> = Object.fromEntries(Object.entries(cm.data ?? {}).filter(([k]) => !k.startsWith(JWS_PREFIX)));
    for (const [id, secret] of tokens) data[`${JWS_PREFIX}${id}`] = await detachedSignature(content, id, secret);
    const same = Object.keys(data).length === Object.keys(cm.data ?? {}).length && Object.entries(data).every(([k, v]) => cm.data?.[k] === v);
    if (same) return;
    await this.ctx.api.update<ConfigMap>(R.configmaps, { ...cm, data }).catch((err: unknown) => {
      if (errorCode(err) !== 404) throw err; // a conflict is retried by the queue
    });
  }
}
