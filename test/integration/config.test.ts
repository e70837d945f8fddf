// ConfigMap and Secret on a real apiserver over a real etcd: stored, validated with Kubernetes'
// messages, printed as kubectl prints them, and watched as any other kind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { R, type ConfigMap, type Secret } from '@tinykube/api';
import { startTestApi, type TestCluster } from '../helpers';

let c: TestCluster;
before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
});

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ code: number; body: Record<string, unknown> & { message?: string } }> {
  const res = await c.fetch(`${c.api.url}${path}`, { method, headers: { 'Content-Type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { code: res.status, body: (await res.json()) as Record<string, unknown> & { message?: string } };
}

test('a Secret written with stringData is stored as base64 data, never echoing stringData; bad base64 is a 400', async () => {
  const created = await send('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 's3cret' } });
  assert.equal(created.code, 201, created.body.message);
  const s = await c.grpc.get<Secret>(R.secrets, 'default', 'db');
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(s.data, { password: Buffer.from('s3cret').toString('base64') });
  assert.equal(s.stringData, undefined);
  const bad = await send('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'bad' }, data: { k: 'not base64!' } });
  assert.equal(bad.code, 400);
  assert.match(bad.body.message ?? '', /Secret in version "v1" cannot be handled as a Secret: .*data\.k.*illegal base64 data at input byte 3/);
  const tls = await send('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==' } });
  assert.equal(tls.code, 422);
  assert.match(tls.body.message ?? '', /Secret "tls" is invalid: data\[tls\.key\]: Required value/);
});

test('a ConfigMap: bad keys are a 422 naming them; an immutable one refuses changes; tables have kubectl\'s columns', async () => {
  const bad = await send('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'bad' }, data: { 'a b': 'x' } });
  assert.equal(bad.code, 422);
  assert.match(bad.body.message ?? '', /ConfigMap "bad" is invalid: data\[a b\]: Invalid value: "a b": a valid config key must consist of alphanumeric characters/);
  const cm = await c.rest.create<ConfigMap>(R.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'default' }, data: { 'app.properties': 'color=blue', mode: 'fast' }, immutable: true });
  const changed = await send('PUT', '/api/v1/namespaces/default/configmaps/app', { ...cm, data: { mode: 'slow' } });
  assert.equal(changed.code, 422);
  assert.match(changed.body.message ?? '', /data: Forbidden: field is immutable when `immutable` is set/);
  const table = await send('GET', '/api/v1/namespaces/default/configmaps', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual((table.body.columnDefinitions as { name: string }[]).map((d) => d.name), ['Name', 'Data', 'Age']);
  const row = (table.body.rows as { cells: unknown[] }[]).find((r) => r.cells[0] === 'app');
  assert.equal(row?.cells[1], 2);
  const secrets = await send('GET', '/api/v1/namespaces/default/secrets', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual((secrets.body.columnDefinitions as { name: string }[]).map((d) => d.name), ['Name', 'Type', 'Data', 'Age']);
});

test('discovery lists configmaps (cm) and secrets; the default namespace may not be deleted', async () => {
  const disc = await send('GET', '/api/v1');
  const cm = (disc.body.resources as { name: string; shortNames?: string[] }[]).find((r) => r.name === 'configmaps');
  assert.deepEqual(cm?.shortNames, ['cm']);
  assert.ok((disc.body.resources as { name: string }[]).some((r) => r.name === 'secrets'));
  const del = await send('DELETE', '/api/v1/namespaces/default');
  assert.equal(del.code, 403);
  assert.match(del.body.message ?? '', /namespaces "default" is forbidden: this namespace may not be deleted/);
});
