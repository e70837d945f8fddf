// Secrets encrypted at rest: etcd, read directly, holds no plaintext of a Secret; the API reads
// it back; data written before encryption stays readable through identity; a new first key
// takes over writes, and rewriting every Secret moves them to it (key rotation).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { R, type ConfigMap, type Secret } from '@tinykube/api';
import { loadEncryptionConfig, startApiserver, type Apiserver } from '@tinykube/apiserver';
import { RestClient } from '@tinykube/client';
import { startTestApi, testPki, TestEtcd, type TestCluster } from '../helpers';

let c: TestCluster;
let etcd: Etcd3;
let dir: string;

before(async () => {
  c = await startTestApi();
  etcd = new Etcd3({ hosts: c.etcd.url });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-enc-'));
});
after(async () => {
  etcd?.close();
  await c?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const raw = async (e: Etcd3, key: string): Promise<Buffer> => (await e.get(key).buffer()) ?? Buffer.alloc(0);

test('etcd holds no plaintext of a Secret (aescbc with the key made at install); ConfigMaps are not encrypted; the API reads both back', async () => {
  await c.rest.create<Secret>(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, stringData: { password: 'hunter2-plaintext' } });
  await c.rest.create<ConfigMap>(R.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'open', namespace: 'default' }, data: { note: 'visible-plaintext' } });
  const stored = await raw(etcd, '/registry/secrets/default/db');
  assert.equal(stored.subarray(0, 'k8s:enc:aescbc:v1:key1:'.length).toString(), 'k8s:enc:aescbc:v1:key1:');
  for (const needle of ['hunter2-plaintext', Buffer.from('hunter2-plaintext').toString('base64'), '"db"', 'password']) assert.ok(!stored.includes(needle), `no ${needle} in etcd`);
  assert.ok((await raw(etcd, '/registry/configmaps/default/open')).includes('visible-plaintext'), 'only the configured resources are encrypted');
  const back = await c.rest.get<Secret>(R.secrets, 'default', 'db');
  assert.equal(Buffer.from(back.data?.['password'] ?? '', 'base64').toString(), 'hunter2-plaintext');
});

test('old plaintext stays readable through identity; a new first key takes over writes and rewriting moves every Secret to it, after which the old key can go', async () => {
  const e = await new TestEtcd().start();
  const pki = await testPki();
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');
  const config = (name: string, providers: string[]): string => {
    const f = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(f, ['apiVersion: apiserver.config.k8s.io/v1', 'kind: EncryptionConfiguration', 'resources:', '  - resources: [secrets]', '    providers:', ...providers.map((p) => `      - ${p}`), ''].join('\n'));
    return f;
  };
  const aes = (kind: string, name: string, secret: string): string => `${kind}: {keys: [{name: ${name}, secret: ${secret}}]}`;
  const direct = new Etcd3({ hosts: e.url });
  let api: Apiserver | undefined;
  const start = async (file?: string): Promise<RestClient> => {
    await api?.stop();
    api = await startApiserver({ tls: pki.serving, serviceAccount: pki.serviceAccount, ...(file ? { encryption: loadEncryptionConfig(file) } : {}), etcdServers: [e.url], bindAddress: '127.0.0.1', port: 0, grpcPort: 0, serviceCidr: '10.96.0.0/16', nodePortRange: [30000, 32767], compactionIntervalMs: 0, log: pino({ level: 'silent' }) });
    return new RestClient(api.url, { tls: pki.admin });
  };
  try {
    let rest = await start();
    await rest.create<Secret>(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'old', namespace: 'default' }, stringData: { v: 'before-encryption' } });
    assert.ok((await raw(direct, '/registry/secrets/default/old')).includes('"old"'), 'written in plaintext');
    rest.close();

    rest = await start(config('a', [aes('aesgcm', 'a', keyA), 'identity: {}']));
    assert.equal((await rest.get<Secret>(R.secrets, 'default', 'old')).data?.['v'], Buffer.from('before-encryption').toString('base64'));
    await rest.update<Secret>(R.secrets, await rest.get<Secret>(R.secrets, 'default', 'old'));
    assert.equal((await raw(direct, '/registry/secrets/default/old')).subarray(0, 20).toString(), 'k8s:enc:aesgcm:v1:a:');
    rest.close();

    // Rotation: b first, a still readable; a rewrite moves the Secret to b.
    rest = await start(config('ba', [aes('aescbc', 'b', keyB), aes('aesgcm', 'a', keyA)]));
    assert.equal((await rest.get<Secret>(R.secrets, 'default', 'old')).data?.['v'], Buffer.from('before-encryption').toString('base64'));
    await rest.update<Secret>(R.secrets, await rest.get<Secret>(R.secrets, 'default', 'old'));
    assert.equal((await raw(direct, '/registry/secrets/default/old')).subarray(0, 20).toString(), 'k8s:enc:aescbc:v1:b:');
    rest.close();

    rest = await start(config('b', [aes('aescbc', 'b', keyB)]));
    assert.equal((await rest.get<Secret>(R.secrets, 'default', 'old')).data?.['v'], Buffer.from('before-encryption').toString('base64'), 'a no longer needed once everything is rewritten');
    rest.close();
  } finally {
    await api?.stop();
    direct.close();
    await e.stop();
  }
});
