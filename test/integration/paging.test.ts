// Lists in pages, as Kubernetes serves them: limit and continue on REST and gRPC, every page
// from one snapshot, remainingItemCount, filtered pages filled, and a token that outlived
// compaction answered 410 with a token to go on with.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { R, type KubeList, type Pod } from '@tinykube/api';
import { startTestApi, type TestCluster } from '../helpers';

let c: TestCluster;
before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
});

const N = 5000;
const pod = (i: number): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p-${String(i).padStart(5, '0')}`, namespace: 'default', labels: { even: String(i % 2 === 0) } },
  spec: { containers: [{ name: 'c', image: 'busybox:1.35' }] },
});

async function get(query: string): Promise<{ code: number; body: KubeList & { message?: string; reason?: string } }> {
  const res = await c.fetch(`${c.api.url}/api/v1/namespaces/default/pods?${query}`);
  return { code: res.status, body: (await res.json()) as KubeList & { message?: string } };
}

test(`a list of ${N} pods with limit=500 comes back in 10 pages with continue tokens, from one snapshot`, async () => {
  for (let i = 0; i < N; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => c.grpc.create(R.pods, pod(i + j))));
  const names: string[] = [];
  let token: string | undefined;
  let pages = 0;
  let rv: string | undefined;
  do {
    const { code, body } = await get(`limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    assert.equal(code, 200, body.message);
    pages++;
    assert.equal(body.items.length, 500);
    rv ??= body.metadata.resourceVersion;
    assert.equal(body.metadata.resourceVersion, rv, 'every page is the first page\'s snapshot');
    if (pages === 1) {
      assert.equal(body.metadata.remainingItemCount, N - 500);
      // A write between pages is not in the snapshot.
      await c.grpc.create(R.pods, pod(N));
    }
    names.push(...body.items.map((p) => p.metadata.name!));
    token = body.metadata.continue;
  } while (token);
  assert.equal(pages, 10);
  assert.equal(new Set(names).size, N);
  assert.deepEqual(names, [...names].sort());
  // The whole list through both clients, which page it themselves.
  assert.equal((await c.rest.list(R.pods, 'default')).items.length, N + 1);
  assert.equal((await c.grpc.list(R.pods, 'default')).items.length, N + 1);
});

test('a label-selected page is filled from further keys, and carries no remainingItemCount', async () => {
  const { body } = await get('limit=300&labelSelector=even%3Dtrue');
  assert.equal(body.items.length, 300);
  assert.ok(body.items.every((p) => p.metadata.labels?.even === 'true'));
  assert.ok(body.metadata.continue);
  assert.equal(body.metadata.remainingItemCount, undefined);
});

test('a continue token past compaction is 410 Expired with a fresh token; a forged one is 400', async () => {
  const first = await get('limit=100');
  await c.grpc.create(R.pods, pod(N + 1));
  await c.api.registry.store.compact(await c.api.registry.store.currentRevision());
  const stale = await get(`limit=100&continue=${encodeURIComponent(first.body.metadata.continue!)}`);
  assert.equal(stale.code, 410);
  assert.equal(stale.body.reason, 'Expired');
  assert.match(stale.body.message ?? '', /The provided continue parameter is too old/);
  const fresh = await get(`limit=100&continue=${encodeURIComponent(stale.body.metadata.continue!)}`);
  assert.equal(fresh.code, 200);
  assert.equal(fresh.body.items[0]!.metadata.name, 'p-00100');
  for (const bad of ['garbage', Buffer.from('{"v":"meta.k8s.io/v1","rv":1,"start":"../secrets/x"}').toString('base64')]) {
    const r = await get(`limit=10&continue=${encodeURIComponent(bad)}`);
    assert.equal(r.code, 400, r.body.message);
    assert.match(r.body.message ?? '', /continue key is not valid/);
  }
  assert.equal((await get('limit=-1')).code, 400);
});
