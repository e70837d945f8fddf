// Encryption at rest, as Kubernetes' EncryptionConfiguration (--encryption-provider-config): for
// the resources it names, values are written with the first provider (aescbc or aesgcm, with
// Kubernetes' prefix `k8s:enc:<provider>:v1:<key name>:`) and read with whichever provider's prefix
// they carry; `identity` writes and reads plaintext, so data written before encryption stays
// readable. Rotating a key: add the new key first, restart, rewrite every object (e.g.
// `kubectl get secrets -A -o json | kubectl replace -f -`), then drop the old key.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import * as fs from 'node:fs';
import { parse } from 'yaml';

interface Key {
  name: string;
  secret: Buffer;
}

type Provider = { kind: 'identity' } | { kind: 'aescbc' | 'aesgcm'; keys: Key[] };

export interface Transformer {
  toStorage(key: string, value: Buffer): Buffer;
  /** The plaintext, and whether it was written otherwise than writes go now (a rewrite moves it to the current key). */
  fromStorage(key: string, value: Buffer): { value: Buffer; stale: boolean };
}

export const IDENTITY: Transformer = { toStorage: (_k, v) => v, fromStorage: (_k, v) => ({ value: v, stale: false }) };

const prefixOf = (kind: string, key: string): string => `k8s:enc:${kind}:v1:${key}:`;

function encrypt(p: Exclude<Provider, { kind: 'identity' }>, plain: Buffer): Buffer {
  const key = p.keys[0]!;
  const head = Buffer.from(prefixOf(p.kind, key.name));
  if (p.kind === 'aescbc') {
    const iv = randomBytes(16);
    const c = createCipheriv(`aes-${key.secret.length * 8}-cbc`, key.secret, iv);
    return Buffer.concat([head, iv, c.update(plain), c.final()]);
  }
  const nonce = randomBytes(12);
  const c = createCipheriv(`aes-${key.secret.length * 8}-gcm` as CipherGCMTypes, key.secret, nonce);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([head, nonce, body, c.getAuthTag()]);
}

function decrypt(kind: 'aescbc' | 'aesgcm', key: Key, data: Buffer): Buffer {
  if (kind === 'aescbc') {
    const d = createDecipheriv(`aes-${key.secret.length * 8}-cbc`, key.secret, data.subarray(0, 16));
    return Buffer.concat([d.update(data.subarray(16)), d.final()]);
  }
  const d = createDecipheriv(`aes-${key.secret.length * 8}-gcm` as CipherGCMTypes, key.secret, data.subarray(0, 12));
  d.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]);
}

class ProvidersTransformer implements Transformer {
  constructor(private readonly providers: Provider[]) {}

  toStorage(_key: string, value: Buffer): Buffer {
    const first = this.providers[0]!;
    return first.kind === 'identity' ? value : encrypt(first, value);
  }

  fromStorage(key: string, value: Buffer): { value: Buffer; stale: boolean } {
    const first = this.providers[0]!;
    if (value.subarray(0, 8).toString() !== 'k8s:enc:') {
      if (this.providers.some((p) => p.kind === 'identity')) return { value, stale: first.kind !== 'identity' };
      throw new Error(`${key} is stored unencrypted and no identity provider may read it`);
    }
    for (const p of this.providers) {
      if (p.kind === 'identity') continue;
      for (const k of p.keys) {
        const head = Buffer.from(prefixOf(p.kind, k.name));
        if (value.subarray(0, head.length).equals(head)) return { value: decrypt(p.kind, k, value.subarray(head.length)), stale: p !== first || k !== p.keys[0] };
      }
    }
    throw new Error(`${key}: no provider of the encryption configuration has the key it was written with`);
  }
}

/** Routes each etcd key to its resource's transformer (`/registry/<resource>/...`). */
class ByResource implements Transformer {
  constructor(private readonly byResource: Map<string, Transformer>, private readonly fallback?: Transformer) {}

  private of(key: string): Transformer {
    const resource = key.split('/')[2] ?? '';
    return this.byResource.get(resource) ?? this.fallback ?? IDENTITY;
  }

  toStorage(key: string, value: Buffer): Buffer {
    return this.of(key).toStorage(key, value);
  }

  fromStorage(key: string, value: Buffer): { value: Buffer; stale: boolean } {
    return this.of(key).fromStorage(key, value);
  }
}

interface ConfigFile {
  kind?: string;
  resources?: { resources?: string[]; providers?: Record<string, { keys?: { name?: string; secret?: string }[] } | null>[] }[];
}

export function loadEncryptionConfig(file: string): Transformer {
  const doc = parse(fs.readFileSync(file, 'utf8')) as ConfigFile;
  if (doc?.kind !== 'EncryptionConfiguration') throw new Error(`${file}: kind must be EncryptionConfiguration`);
  const byResource = new Map<string, Transformer>();
  let fallback: Transformer | undefined;
  (doc.resources ?? []).forEach((entry, i) => {
    const providers: Provider[] = (entry.providers ?? []).map((p, j) => {
      const [kind, conf] = Object.entries(p)[0] ?? [];
      const where = `${file}: resources[${i}].providers[${j}]`;
      if (kind === 'identity') return { kind: 'identity' };
      if (kind !== 'aescbc' && kind !== 'aesgcm') throw new Error(`${where}: provider ${kind ?? '<none>'} is not supported (aescbc, aesgcm, identity)`);
      const keys = (conf?.keys ?? []).map((k, n) => {
        const secret = Buffer.from(k.secret ?? '', 'base64');
        if (!k.name) throw new Error(`${where}.keys[${n}].name: Required value`);
        if (![16, 24, 32].includes(secret.length)) throw new Error(`${where}.keys[${n}].secret: must be a base64-encoded 16, 24 or 32 byte key`);
        return { name: k.name, secret };
      });
      if (!keys.length) throw new Error(`${where}.keys: Required value`);
      return { kind, keys };
    });
    if (!providers.length) throw new Error(`${file}: resources[${i}].providers: Required value`);
    const t = new ProvidersTransformer(providers);
    for (const r of entry.resources ?? []) {
      // `secrets`, `deployments.apps` (tinykube keys by plural alone), `*.*` for everything.
      if (r === '*.*') fallback ??= t;
      else if (!byResource.has(r.split('.')[0] ?? r)) byResource.set(r.split('.')[0] ?? r, t);
    }
  });
  return new ByResource(byResource, fallback);
}
