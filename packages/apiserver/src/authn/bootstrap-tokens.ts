// Bootstrap tokens, as Kubernetes' authenticator reads them: `<id>.<secret>` (6 and 16 of
// [a-z0-9]) names the Secret kube-system/bootstrap-token-<id> of type
// bootstrap.kubernetes.io/token, whose token-secret must match, whose
// usage-bootstrap-authentication is "true" and whose expiration has not passed. The user is
// system:bootstrap:<id> in system:bootstrappers (and the Secret's auth-extra-groups).
import { timingSafeEqual } from 'node:crypto';
import { BOOTSTRAP_TOKEN, R, secretText, type Secret } from '@tinykube/api';
import type { UserInfo } from './user';

export interface SecretReader {
  get(r: typeof R.secrets, namespace: string, name: string): Promise<Secret>;
}

export async function authenticateBootstrapToken(token: string, secrets: SecretReader, now = Date.now()): Promise<UserInfo | undefined> {
  const m = BOOTSTRAP_TOKEN.exec(token);
  if (!m) return undefined;
  const [, id, secret] = m as unknown as [string, string, string];
  const s = await secrets.get(R.secrets, 'kube-system', `bootstrap-token-${id}`).catch(() => undefined);
  if (!s || s.type !== 'bootstrap.kubernetes.io/token' || s.metadata.deletionTimestamp) return undefined;
  if (secretText(s, 'token-id') !== id) return undefined;
  const want = Buffer.from(secretText(s, 'token-secret') ?? '');
  const got = Buffer.from(secret);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  if (secretText(s, 'usage-bootstrap-authentication') !== 'true') return undefined;
  const expiration = secretText(s, 'expiration');
  if (expiration && !(Date.parse(expiration) > now)) return undefined;
  const extra = (secretText(s, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(g));
  return { name: `system:bootstrap:${id}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}
