// Watches over a real etcd: resume without gaps, etcd restarts, 410 and informer relists, gRPC.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { R, type KubeObject, type Pod, type WatchEventType } from '@tinykube/api';
import { Etcd3 } from 'etcd3';
import { GrpcClient, Informer, RestClient } from '@tinykube/client';
import { freePort, startTestApi, TestEtcd, waitFor, type TestCluster } from '../helpers';

let etcd: TestEtcd;
let c: TestCluster;
let ports: { port: number; grpcPort: number };

before(async () => {
  etcd = await new TestEtcd().start();
  ports = { port: await freePort(), grpcPort: await freePort() };
  c = await startTestApi(etcd, ports);
});
after(async () => {
  await c?.stop();
  await etcd?.stop();
});

const pod = (name: string, labels: Record<string, string> = {}, nodeName?: string): Pod => ({
  metadata: { name, namespace: 'default', labels },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox:1.35' }] },
});

function collect(client: RestClient | GrpcClient, opts: { resourceVersion?: string; labelSelector?: string; fieldSelector?: string }) {
  const events: { type: WatchEventType; name: string; rv: string }[] = [];
  const h = client.watch(R.pods, 'default', opts, (type, o: KubeObject) => events.push({ type, name: o.metadata.name ?? '', rv: o.metadata.resourceVersion ?? '' }), () => undefined);
  return { events, stop: () => h.stop() };
}

test('a REST watch from a resourceVersion delivers every later event once, in order, filtered', async () => {
  const start = (await c.rest.list(R.pods, 'default')).resourceVersion;
  await c.rest.create(R.pods, pod('w-early', { watch: 'yes' }));
  const w = collect(c.rest, { resourceVersion: start, labelSelector: 'watch=yes' });
  await c.rest.create(R.pods, pod('w-other'));
  await c.rest.create(R.pods, pod('w-late', { watch: 'yes' }));
  // Leaving the selector is a DELETED for this watcher.
  await c.rest.patch(R.pods, 'default', 'w-early', 'merge', { metadata: { labels: { watch: 'no' } } });
  await waitFor(() => w.events.length >= 3, { what: '3 events' });
  w.stop();
  assert.deepEqual(w.events.map((e) => `${e.type} ${e.name}`), ['ADDED w-early', 'ADDED w-late', 'DELETED w-early']);
  const rvs = w.events.map((e) => Number(e.rv));
  assert.deepEqual([...rvs].sort((a, b) => a - b), rvs);
});

test('a gRPC watch filtered on spec.nodeName sees only that node', async () => {
  const w = collect(c.grpc, { fieldSelector: 'spec.nodeName=node-a' });
  await c.grpc.create(R.pods, pod('on-a', {}, 'node-a'));
  await c.grpc.create(R.pods, pod('on-b', {}, 'node-b'));
  await c.grpc.create(R.pods, pod('unbound'));
  await c.grpc.bind('default', 'unbound', 'node-a');
  await waitFor(() => w.events.length >= 2, { what: 'events for node-a' });
  w.stop();
  assert.deepEqual(w.events.map((e) => `${e.type} ${e.name}`), ['ADDED on-a', 'ADDED unbound']);
});

test('a watcher misses no event across an etcd restart', async () => {
  const start = (await c.grpc.list(R.pods, 'default')).resourceVersion;
  const w = collect(c.grpc, { resourceVersion: start, labelSelector: 'restart=yes' });
  after(() => w.stop());
  for (let i = 0; i < 3; i++) await c.grpc.create(R.pods, pod(`before-${i}`, { restart: 'yes' }));
  await etcd.kill();
  await etcd.start();
  for (let i = 0; i < 3; i++) {
    // The apiserver's etcd client reconnects on its own; retry until it has.
    await waitFor(() => c.grpc.create(R.pods, pod(`after-${i}`, { restart: 'yes' })).then(() => true), { what: 'create after etcd restart', timeoutMs: 30_000, intervalMs: 200 });
  }
  await waitFor(() => w.events.length >= 6, { what: 'all 6 events', timeoutMs: 30_000 });
  w.stop();
  assert.deepEqual(
    w.events.map((e) => e.name),
    ['before-0', 'before-1', 'before-2', 'after-0', 'after-1', 'after-2'],
  );
});

test('a too-old resourceVersion gets 410 and the informer relists', async () => {
  const client = new GrpcClient(`127.0.0.1:${ports.grpcPort}`, c.pki.admin);
  const informer = new Informer<Pod>(client, R.pods, { namespace: 'default', minBackoffMs: 50, maxBackoffMs: 200 });
  try {
    informer.start();
    await informer.waitForSync();
    const oldRv = informer.resourceVersion;
    assert.equal(informer.listCount, 1);
    // While no apiserver runs, etcd moves on; the next apiserver's watch cache starts there,
    // so the informer's resourceVersion is too old to resume from.
    await c.stop();
    const direct = new Etcd3({ hosts: etcd.url });
    await direct.put('/tinykube-test/bump').value('1');
    direct.close();
    c = await startTestApi(etcd, ports);
    await c.rest.create(R.pods, pod('after-apiserver-restart'));
    const res = await c.fetch(`${c.api.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${oldRv}&timeoutSeconds=1`);
    const first = JSON.parse((await res.text()).split('\n')[0] as string) as { type: string; object: { code: number; reason: string } };
    assert.equal(first.type, 'ERROR');
    assert.equal(first.object.code, 410);
    assert.equal(first.object.reason, 'Expired');
    await waitFor(() => informer.get('default/after-apiserver-restart'), { what: 'informer to relist and see the new pod', timeoutMs: 20_000 });
    assert.ok(informer.listCount >= 2, 'the informer relisted');
    assert.ok(Number(informer.resourceVersion) > Number(oldRv));
  } finally {
    informer.stop();
    client.close();
  }
});

test('readyz?verbose fails naming etcd while etcd is stopped, and recovers when it is back', async () => {
  const readyz = async (): Promise<{ code: number; text: string }> => {
    const res = await c.anonymous(`${c.api.url}/readyz?verbose`);
    return { code: res.status, text: await res.text() };
  };
  const ok = await readyz();
  assert.equal(ok.code, 200);
  assert.match(ok.text, /^\[\+\]etcd ok$/m);
  assert.match(ok.text, /^readyz check passed$/m);
  await etcd.kill();
  const down = await waitFor(async () => {
    const r = await readyz();
    return r.code === 500 ? r : undefined;
  }, { what: 'readyz to fail', timeoutMs: 15_000 });
  assert.match(down.text, /^\[-\]etcd failed: /m);
  assert.match(down.text, /^readyz check failed$/m);
  assert.equal((await c.fetch(`${c.api.url}/livez/etcd`)).status, 500);
  // /version stays readable without etcd.
  assert.equal((await c.anonymous(`${c.api.url}/version`)).status, 200);
  await etcd.start();
  await waitFor(async () => (await readyz()).code === 200, { what: 'readyz to recover', timeoutMs: 30_000 });
});
