// Unknown fields, as Kubernetes treats them: refused under fieldValidation=Strict (kubectl's
// default), dropped with a Warning header under Warn (the server's default), dropped silently
// under Ignore. Kubernetes fields tinykube only stores are known fields, so manifests written
// for Kubernetes still pass.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { R, type Deployment } from '@tinykube/api';
import { run, startTestApi, type TestCluster } from '../helpers';
import type { TlsResponse } from '@tinykube/client';

let c: TestCluster;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinykube-fields-'));
before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function deployment(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.22' }] } },
      ...extra,
    },
  };
}

async function post(body: unknown, validation?: string): Promise<TlsResponse> {
  const q = validation ? `?fieldValidation=${validation}` : '';
  return c.fetch(`${c.api.url}/apis/apps/v1/namespaces/default/deployments${q}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

test('Strict refuses unknown fields by path, in document order, and writes nothing; Warn drops them with a Warning; Ignore drops them', async () => {
  const before = await c.api.registry.store.currentRevision();
  const strict = await post(deployment('strict', { replica: 3, template: { metadata: { labels: { app: 'strict' } }, spec: { containers: [{ name: 'web', imagee: 'x' }] } } }), 'Strict');
  assert.equal(strict.status, 400);
  const status = (await strict.json()) as { reason: string; message: string };
  assert.equal(status.reason, 'BadRequest');
  assert.equal(status.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.replica"');
  assert.equal(await c.api.registry.store.currentRevision(), before);

  const warned = await post(deployment('warned', { replica: 3 }));
  assert.equal(warned.status, 201);
  assert.equal(warned.headers.get('warning'), '299 - "unknown field \\"spec.replica\\""');
  const stored = await c.rest.get<Deployment>(R.deployments, 'default', 'warned');
  assert.equal((stored.spec as Record<string, unknown>)['replica'], undefined);
  assert.equal(stored.spec.replicas, 2);

  const ignored = await post(deployment('ignored', { replica: 3 }), 'Ignore');
  assert.equal(ignored.status, 201);
  assert.equal(ignored.headers.get('warning'), null);
  assert.equal(((await c.rest.get<Deployment>(R.deployments, 'default', 'ignored')).spec as Record<string, unknown>)['replica'], undefined);

  const bad = await post(deployment('bad'), 'Loose');
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /fieldValidation: Invalid value: "Loose"/);
});

test('patches are checked after patching: a merge patch adding an unknown field is refused under Strict', async () => {
  assert.equal((await post(deployment('patched'))).status, 201);
  const url = `${c.api.url}/apis/apps/v1/namespaces/default/deployments/patched`;
  const strict = await c.fetch(`${url}?fieldValidation=Strict`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ spec: { paused: true, pasued: true } }) });
  assert.equal(strict.status, 400);
  assert.match(await strict.text(), /unknown field \\"spec.pasued\\"/);
  assert.equal((await c.rest.get<Deployment>(R.deployments, 'default', 'patched')).spec.paused, undefined);
});

test("kubectl apply (default strict validation) refuses a typo and nothing is created; Kubernetes fields tinykube only stores pass", async () => {
  const kubectl = (...args: string[]): Promise<string> => run('kubectl', ['--kubeconfig', c.kubeconfig, ...args]);
  const typo = path.join(dir, 'typo.yaml');
  fs.writeFileSync(typo, JSON.stringify(deployment('typo', { replica: 3 })));
  await assert.rejects(
    kubectl('apply', '-f', typo),
    /Error from server \(BadRequest\): error when creating ".*typo\.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.replica"/,
  );
  await assert.rejects(c.rest.get(R.deployments, 'default', 'typo'), /not found/);

  const full = path.join(dir, 'full.yaml');
  const spec = {
    securityContext: { runAsNonRoot: true },
    imagePullSecrets: [{ name: 'registry' }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
    containers: [{ name: 'web', image: 'nginx:1.22', securityContext: { allowPrivilegeEscalation: false }, envFrom: [{ configMapRef: { name: 'settings' } }] }],
  };
  fs.writeFileSync(full, JSON.stringify({ ...deployment('full'), spec: { ...(deployment('full')['spec'] as object), template: { metadata: { labels: { app: 'full' } }, spec } } }));
  assert.match(await kubectl('apply', '-f', full), /deployment\.apps\/full created/);
  const stored = await c.rest.get<Deployment>(R.deployments, 'default', 'full');
  assert.deepEqual((stored.spec.template.spec as unknown as Record<string, unknown>)['imagePullSecrets'], [{ name: 'registry' }]);
});
