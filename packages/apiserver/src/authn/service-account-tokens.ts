// ServiceAccount tokens as Kubernetes issues them (TokenRequest): JWTs signed with the
// service-account key (ES256, via jose), bound to an audience and a lifetime and optionally to a
// pod; and their authenticator, which checks signature, issuer, audience and time, then that
// the ServiceAccount (and the pod) still exist with the uids the token names.
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { errors, errorCode, R, serviceAccountUser, timestamp, type KubeObject, type Pod, type ResourceInfo, type ServiceAccount, type TokenRequest } from '@tinykube/api';
import type { UserInfo } from './user';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
let jose: Promise<Jose> | undefined;
// jose is ESM-only; Node loads it from this CommonJS module through import().
const loadJose = (): Promise<Jose> => (jose ??= import('jose'));

/** Kubernetes' default --service-account-issuer (and audience). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountTokenOptions {
  /** The `iss` of issued tokens and the one accepted (Kubernetes' --service-account-issuer). */
  issuer: string;
  /** PKCS#8 PEM private key that signs tokens (--service-account-signing-key-file). */
  signingKey: string;
  /** SPKI or PKCS#8 PEM keys whose signatures are accepted (--service-account-key-file). */
  verifyKeys: string[];
  /** Audiences the API accepts, and the default of a TokenRequest (--api-audiences; the issuer). */
  audiences: string[];
  /** The longest lifetime a TokenRequest may ask for (--service-account-max-token-expiration; 48 h). */
  maxExpirationSeconds?: number;
}

/** What the authenticator reads back to check that a token's objects are still there. */
export interface LiveObjects {
  get(r: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject>;
}

interface Claims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string }; pod?: { name: string; uid: string } };
}

const MIN_EXPIRATION = 600;

function keyId(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

export class ServiceAccountTokens {
  private readonly signing: Promise<{ key: CryptoKeyLike; kid: string }>;
  private readonly verifying: Promise<CryptoKeyLike[]>;

  constructor(
    private readonly o: ServiceAccountTokenOptions,
    private readonly live: LiveObjects,
  ) {
    this.signing = loadJose().then(async (j) => ({ key: await j.importPKCS8(o.signingKey, 'ES256'), kid: keyId(o.signingKey) }));
    // createPublicKey takes a public or a private PEM alike; its SPKI is what verifies.
    this.verifying = loadJose().then((j) => Promise.all(o.verifyKeys.map((k) => j.importSPKI(createPublicKey(k).export({ type: 'spki', format: 'pem' }).toString(), 'ES256'))));
  }

  /** The TokenRequest subresource of a ServiceAccount: validates the request, issues the token. */
  async request(sa: ServiceAccount, body: TokenRequest): Promise<TokenRequest> {
    const ns = sa.metadata.namespace ?? '';
    const spec = body?.spec ?? {};
    const exp = spec.expirationSeconds ?? 3600;
    const max = this.o.maxExpirationSeconds ?? 48 * 3600;
    if (!Number.isInteger(exp) || exp < MIN_EXPIRATION) throw errors.invalid('TokenRequest.authentication.k8s.io', sa.metadata.name ?? '', [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: exp, detail: 'may not specify a duration less than 10 minutes' }]);
    if (exp > 2 ** 32) throw errors.invalid('TokenRequest.authentication.k8s.io', sa.metadata.name ?? '', [{ type: 'FieldValueTooLong', field: 'spec.expirationSeconds', value: exp, detail: 'may not specify a duration larger than 2^32 seconds' }]);
    const seconds = Math.min(exp, max);
    if (spec.audiences != null && (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string' || a === ''))) throw errors.badRequest('spec.audiences: must be a list of non-empty strings');
    const audiences = spec.audiences?.length ? spec.audiences : this.o.audiences;
    let pod: Pod | undefined;
    const ref = spec.boundObjectRef;
    if (ref) {
      if (ref.kind !== 'Pod') throw errors.badRequest(`cannot bind token to object of type ${ref.kind ?? '""'}: only Pod is supported`);
      pod = (await this.live.get(R.pods, ns, ref.name ?? '').catch((err: unknown) => {
        throw errorCode(err) === 404 ? errors.notFound('pods', ref.name ?? '') : err;
      })) as Pod;
      if (ref.uid && ref.uid !== pod.metadata.uid) throw errors.conflict('pods', ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      if ((pod.spec.serviceAccountName ?? 'default') !== sa.metadata.name) throw errors.badRequest(`cannot bind token for serviceaccount "${sa.metadata.name}" to pod running with different serviceaccount name.`);
    }
    const now = Math.floor(Date.now() / 1000);
    const claims: Claims = {
      iss: this.o.issuer,
      sub: serviceAccountUser(ns, sa.metadata.name ?? ''),
      aud: audiences,
      exp: now + seconds,
      iat: now,
      nbf: now,
      jti: randomUUID(),
      'kubernetes.io': { namespace: ns, serviceaccount: { name: sa.metadata.name ?? '', uid: sa.metadata.uid ?? '' }, ...(pod ? { pod: { name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' } } : {}) },
    };
    const j = await loadJose();
    const { key, kid } = await this.signing;
    const token = await new j.SignJWT(claims as unknown as Record<string, unknown>).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: sa.metadata.name, namespace: ns, creationTimestamp: timestamp() },
      spec: { audiences, expirationSeconds: seconds, ...(ref ? { boundObjectRef: ref } : {}) },
      status: { token, expirationTimestamp: timestamp((now + seconds) * 1000) },
    };
  }

  /** The user of a bearer token if it is one of ours and still valid; undefined otherwise. */
  async authenticate(token: string): Promise<UserInfo | undefined> {
    if (token.split('.').length !== 3) return undefined;
    const j = await loadJose();
    let claims: Claims | undefined;
    for (const key of await this.verifying) {
      try {
        claims = (await j.jwtVerify(token, key, { issuer: this.o.issuer, audience: this.o.audiences, algorithms: ['ES256'], clockTolerance: 60 })).payload as unknown as Claims;
        break;
      } catch {
        // not signed by this key, expired, or for another audience
      }
    }
    const k = claims?.['kubernetes.io'];
    if (!claims || !k?.serviceaccount || !claims.sub.startsWith('system:serviceaccount:')) return undefined;
    const sa = (await this.live.get(R.serviceaccounts, k.namespace, k.serviceaccount.name).catch(() => undefined)) as ServiceAccount | undefined;
    if (!sa || sa.metadata.uid !== k.serviceaccount.uid || sa.metadata.deletionTimestamp) return undefined;
    if (k.pod) {
      const pod = (await this.live.get(R.pods, k.namespace, k.pod.name).catch(() => undefined)) as Pod | undefined;
      if (!pod || pod.metadata.uid !== k.pod.uid || pod.metadata.deletionTimestamp) return undefined;
    }
    return {
      name: claims.sub,
      uid: k.serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'],
      extra: {
        'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`],
        ...(k.pod ? { 'authentication.kubernetes.io/pod-name': [k.pod.name], 'authentication.kubernetes.io/pod-uid': [k.pod.uid] } : {}),
      },
    };
  }
}

type CryptoKeyLike = Awaited<ReturnType<Jose['importSPKI']>>;
