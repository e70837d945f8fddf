// What a joining node checks before it trusts the cluster, as kubeadm's token discovery: the
// CA's public-key pin (`--discovery-token-ca-cert-hash sha256:<hex>`, the SHA-256 of the CA
// certificate's SubjectPublicKeyInfo), and the bootstrap signer's detached JWS (HS256, keyed
// with the token's secret, kid the token id) over the cluster-info kubeconfig, which proves the
// server knows the token.
import { createHash, X509Certificate } from 'node:crypto';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
let jose: Promise<Jose> | undefined;
// jose is ESM-only; Node loads it from this CommonJS module through import().
const loadJose = (): Promise<Jose> => (jose ??= import('jose'));

/** kubeadm's CA pin of a PEM certificate: `sha256:` and the hex SHA-256 of its SubjectPublicKeyInfo. */
export function caCertHash(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** The detached JWS (`header..signature`) Kubernetes' bootstrap signer puts in cluster-info as jws-kubeconfig-<id>. */
export async function detachedSignature(content: string, tokenId: string, tokenSecret: string): Promise<string> {
  const { CompactSign } = await loadJose();
  const jws = await new CompactSign(new TextEncoder().encode(content)).setProtectedHeader({ alg: 'HS256', kid: tokenId }).sign(new TextEncoder().encode(tokenSecret));
  const [header, , signature] = jws.split('.');
  return `${header}..${signature}`;
}

/** Whether `signature` is the token's detached JWS of `content`. */
export async function verifyDetachedSignature(content: string, signature: string, tokenId: string, tokenSecret: string): Promise<boolean> {
  const { compactVerify, base64url } = await loadJose();
  const [header, empty, sig] = signature.split('.');
  if (!header || empty !== '' || !sig) return false;
  try {
    const { protectedHeader } = await compactVerify(`${header}.${base64url.encode(content)}.${sig}`, new TextEncoder().encode(tokenSecret), { algorithms: ['HS256'] });
    return protectedHeader.kid === tokenId;
  } catch {
    return false;
  }
}
