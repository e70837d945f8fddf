// Hostile input against a real apiserver over a real etcd, as a client trying to break it
// would send it: wrong types at every field of real objects (seeded, so a failure replays),
// out-of-range numbers, deep nesting, oversized bodies, foreign media types. Every answer must
// be a 4xx Status (never a 5xx), a refused write must leave etcd's revision where it was, and
// another client reading meanwhile must never see an error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { R, type Deployment, type Pod, type Service } from '@tinykube/api';
import { startTestApi, type TestCluster } from '../helpers';

let c: TestCluster;
before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
});

/** Objects the cases below bend into wrong shapes on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

const SEED = Number(process.env.TK_FUZZ_SEED ?? 20261202);

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pod = (name: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'x' } },
  spec: {
    containers: [{ name: 'c', image: 'busybox:1.35', command: ['sleep', '1'], env: [{ name: 'A', value: 'b' }], ports: [{ containerPort: 80 }], resources: { limits: { memory: '64Mi' } }, readinessProbe: { tcpSocket: { port: 80 } } }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
    volumes: [{ name: 'v', emptyDir: {} }],
  },
});
const deployment = (name: string): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } } },
});
const service = (name: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: 'x' }, type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
});

const KINDS = [
  { make: pod, path: '/api/v1/namespaces/default/pods' },
  { make: deployment, path: '/apis/apps/v1/namespaces/default/deployments' },
  { make: service, path: '/api/v1/namespaces/default/services' },
];

function nested(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** What a hostile client puts where a field's value belongs. */
const HOSTILE: unknown[] = ['x', '', ' 1Gi', 'abc', 42, -1, 0.5, 2147483648, 9007199254740993, 1e308, true, null, {}, [], ['x'], [{}], { a: 1 }, 'é'.repeat(300), nested(50)];

/** Every path of a JSON value, as key lists. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  if (at.length) out.push(at);
  return out;
}

function setAt(obj: unknown, path: (string | number)[], value: unknown): void {
  let o = obj as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path.at(-1)!] = value;
}

interface Answer {
  code: number;
  body: { kind?: string; code?: number; status?: string; message?: string };
}

async function send(method: string, path: string, body: string | Buffer, contentType = 'application/json'): Promise<Answer> {
  const res = await c.fetch(`${c.api.url}${path}`, { method, body, headers: { 'Content-Type': contentType } });
  const text = await res.text();
  let parsed: Answer['body'] = {};
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch {
    // asserted below
  }
  return { code: res.status, body: parsed };
}

/** The answer is a 4xx with a Status body, and etcd did not move. */
async function refused(what: string, a: Answer, revisionBefore: string): Promise<void> {
  assert.ok(a.code >= 400 && a.code < 500, `${what}: HTTP ${a.code} ${a.body.message ?? ''}`);
  assert.equal(a.body.kind, 'Status', `${what}: no Status body`);
  assert.equal(a.body.code, a.code, what);
  assert.equal(await c.api.registry.store.currentRevision(), revisionBefore, `${what}: a refused write reached etcd`);
}

/** A well-behaved client reading all along: it must never see an error. */
function bystander(): { stop(): Promise<number> } {
  let running = true;
  let reads = 0;
  const loop = (async () => {
    while (running) {
      const res = await c.fetch(`${c.api.url}/api/v1/namespaces/default/pods?limit=5`);
      assert.equal(res.status, 200, `a bystander's read failed: ${await res.text()}`);
      await res.arrayBuffer().catch(() => undefined);
      reads++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return reads;
    },
  };
}

test(`seeded fuzz (seed ${SEED}): wrong values at every field of a Pod, Deployment and Service never answer 5xx; refused ones write nothing`, async () => {
  const random = rng(SEED);
  const reader = bystander();
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < 300; i++) {
    const kind = KINDS[Math.floor(random() * KINDS.length)]!;
    const obj = kind.make(`fuzz-${i}`);
    const all = paths(obj).filter((p) => p[0] !== 'apiVersion' && p[0] !== 'kind');
    const at = all[Math.floor(random() * all.length)]!;
    const value = structuredClone(HOSTILE[Math.floor(random() * HOSTILE.length)]);
    setAt(obj, at, value);
    const what = `#${i} ${kind.path} ${at.join('.')} = ${JSON.stringify(value)?.slice(0, 60)}`;
    const rev = await c.api.registry.store.currentRevision();
    const a = await send('POST', kind.path, JSON.stringify(obj));
    if (a.code === 201) {
      accepted++;
      // What was accepted reads back, and goes.
      const name = (obj.metadata as { name?: unknown }).name;
      if (typeof name === 'string') assert.equal((await c.fetch(`${c.api.url}${kind.path}/${name}`)).status, 200, what);
      continue;
    }
    rejected++;
    await refused(what, a, rev);
  }
  const reads = await reader.stop();
  assert.ok(rejected > 100 && accepted > 0, `accepted ${accepted}, rejected ${rejected}`);
  assert.ok(reads > 0);
  // Every stored object still lists.
  for (const k of KINDS) assert.equal((await c.fetch(`${c.api.url}${k.path}`)).status, 200);
});

test('wrong types answer 400 naming the field; Kubernetes refusals the schemas carry are 4xx', async () => {
  const cases: [string, (o: Loose) => void, number, RegExp][] = [
    ['spec as a string', (o) => (o.spec = 'x'), 400, /spec: Invalid value: "string": must be of type object/],
    ['containers as an object', (o) => (o.spec.containers = {}), 400, /spec\.containers: Invalid value: "object": must be of type array/],
    ['image 42', (o) => (o.spec.containers[0].image = 42), 400, /spec\.containers\[0\]\.image: Invalid value: "integer": must be of type string/],
    ['env value 5', (o) => (o.spec.containers[0].env[0].value = 5), 400, /env\[0\]\.value/],
    ['env as an object', (o) => (o.spec.containers[0].env = {}), 400, /env: Invalid value: "object": must be of type array/],
    ['tolerations "x"', (o) => (o.spec.tolerations = 'x'), 400, /spec\.tolerations/],
    ['volumes {}', (o) => (o.spec.volumes = {}), 400, /spec\.volumes/],
    ['hostNetwork "yes"', (o) => (o.spec.hostNetwork = 'yes'), 400, /spec\.hostNetwork: Invalid value: "string": must be of type boolean/],
    ['priority "high"', (o) => (o.spec.priority = 'high'), 400, /spec\.priority/],
    ['a quantity with a space', (o) => (o.spec.containers[0].resources.limits.memory = ' 1Gi'), 400, /quantities must match/],
    ['a quantity "abc"', (o) => (o.spec.containers[0].resources.limits.memory = 'abc'), 400, /quantities must match/],
    ['creationTimestamp "garbage"', (o) => (o.metadata.creationTimestamp = 'garbage'), 400, /creationTimestamp/],
  ];
  for (const [what, change, code, re] of cases) {
    const o = pod(`typed-${what.replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}`) as unknown as Loose;
    change(o);
    const rev = await c.api.registry.store.currentRevision();
    const a = await send('POST', '/api/v1/namespaces/default/pods', JSON.stringify(o));
    await refused(what, a, rev);
    assert.equal(a.code, code, `${what}: ${a.body.message}`);
    assert.match(a.body.message ?? '', re, what);
  }
  for (const replicas of [2147483648, 1e308, 9007199254740993, -2147483649, 'string']) {
    const d = deployment('huge') as unknown as Loose;
    d.spec.replicas = replicas;
    const rev = await c.api.registry.store.currentRevision();
    const a = await send('POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(d));
    await refused(`replicas ${replicas}`, a, rev);
    assert.match(a.body.message ?? '', /spec\.replicas/);
  }
  const svc = service('svc-bad') as unknown as Loose;
  svc.spec.externalTrafficPolicy = 'X';
  const a = await send('POST', '/api/v1/namespaces/default/services', JSON.stringify(svc));
  assert.equal(a.code, 422, a.body.message);
  assert.match(a.body.message ?? '', /spec\.externalTrafficPolicy: Unsupported value: "X": supported values: "Cluster", "Local"/);
});

test('JSON nested 10,000 deep is a 400 for create, merge patch and strategic merge patch', async () => {
  // Written as text: JSON.stringify itself cannot go that deep.
  const deepText = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const deep = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":${deepText(10_000)}}`;
  const rev = await c.api.registry.store.currentRevision();
  await refused('deep create', await send('POST', '/api/v1/namespaces/default/pods', deep), rev);
  await c.rest.create(R.pods, pod('target'));
  const rev2 = await c.api.registry.store.currentRevision();
  const deepPatch = `{"metadata":{"annotations":${deepText(10_000)}}}`;
  for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json']) {
    await refused(`deep ${type}`, await send('PATCH', '/api/v1/namespaces/default/pods/target', deepPatch, type), rev2);
  }
});

test('a 2.5 MiB object is refused with 413, again and again, and no other client sees an error', async () => {
  const reader = bystander();
  for (let i = 0; i < 5; i++) {
    // Under the 3 MiB request limit, over what etcd takes (annotations have their own 256 KiB limit).
    const big = pod(`big-${i}`);
    big.spec.containers[0]!.args = ['x'.repeat(2.5 * 1024 * 1024)];
    const rev = await c.api.registry.store.currentRevision();
    const a = await send('POST', '/api/v1/namespaces/default/pods', JSON.stringify(big));
    await refused(`big #${i}`, a, rev);
    assert.equal(a.code, 413);
    // Another client's write goes through at once.
    await c.rest.create(R.pods, pod(`after-big-${i}`));
  }
  assert.ok((await reader.stop()) > 0);
});

test('bodies in foreign media types are refused with 415, as Kubernetes does; JSON, YAML and no type at all are read', async () => {
  const body = JSON.stringify(pod('typed-body'));
  for (const ct of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'garbage']) {
    const rev = await c.api.registry.store.currentRevision();
    const a = await send('POST', '/api/v1/namespaces/default/pods', body, ct);
    await refused(ct, a, rev);
    assert.equal(a.code, 415, ct);
    assert.match(a.body.message ?? '', /accepted media types include: application\/json, application\/yaml/);
  }
  // Protobuf is read only for the kinds kubectl sends that way: JSON labelled protobuf, a
  // protobuf Pod and a truncated envelope are refused, none with a 5xx.
  const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer => {
    const ld = (n: number, b: Buffer): Buffer => Buffer.concat([Buffer.from([(n << 3) | 2, b.length]), b]);
    return Buffer.concat([Buffer.from('k8s\0', 'latin1'), ld(1, Buffer.concat([ld(1, Buffer.from(apiVersion)), ld(2, Buffer.from(kind))])), ld(2, raw)]);
  };
  for (const [what, b, code] of [
    ['JSON labelled protobuf', body, 400],
    ['a protobuf Pod', envelope('v1', 'Pod', Buffer.alloc(0)), 415],
    ['a truncated envelope', Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f, 0x01]), 400],
  ] as const) {
    const rev = await c.api.registry.store.currentRevision();
    const a = await send('POST', '/api/v1/namespaces/default/pods', b, 'application/vnd.kubernetes.protobuf');
    await refused(what, a, rev);
    assert.equal(a.code, code, what);
  }
  const bad = await send('PATCH', '/api/v1/namespaces/default/pods/target', '{}', 'text/plain');
  assert.equal(bad.code, 415);
  assert.equal((await send('POST', '/api/v1/namespaces/default/pods', body, 'application/json; charset=utf-8')).code, 201);
  const yaml = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: busybox:1.35\n`;
  assert.equal((await send('POST', '/api/v1/namespaces/default/pods', yaml, 'application/yaml')).code, 201);
  // A byte body gets no Content-Type from fetch: Kubernetes reads that as JSON, its first type.
  const res = await c.fetch(`${c.api.url}/api/v1/namespaces/default/pods`, { method: 'POST', body: Buffer.from(JSON.stringify(pod('untyped'))) });
  assert.equal(res.status, 201, await res.text());
});

test('selectors over 16 KiB are a 400 over gRPC as over REST (431 there), and other clients carry on', async () => {
  const reader = bystander();
  const long = Array.from({ length: 5000 }, (_, i) => `k${i}=v`).join(',');
  assert.ok(long.length > 16384);
  for (const opts of [{ labelSelector: long }, { fieldSelector: long }]) {
    await assert.rejects(c.grpc.list(R.pods, 'default', opts), (e: unknown) => {
      const err = e as { code?: number; message?: string };
      assert.equal(err.code, 400, err.message);
      assert.match(err.message ?? '', /(label|field)Selector: Too long: may not be more than 16384 bytes/);
      return true;
    });
  }
  const rest = await c.fetch(`${c.api.url}/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(long)}`);
  assert.equal(rest.status, 431);
  assert.ok((await reader.stop()) > 0);
});
