// tkctl as a user runs it (the built CLI in a child process) against a real apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderKubeconfig } from '@tinykube/client';
import { startTestApi, type TestCluster } from '../helpers';

const run = promisify(execFile);
const cli = join(__dirname, '../../../packages/ctl/dist/src/main.js');
let c: TestCluster;
let dir: string;

before(async () => {
  c = await startTestApi();
  dir = mkdtempSync(join(tmpdir(), 'tkctl-'));
  writeFileSync(join(dir, 'kubeconfig'), renderKubeconfig(c.api.url, c.pki.admin));
});
after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function tkctl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, [cli, '--kubeconfig', join(dir, 'kubeconfig'), ...args]);
    return { ...r, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { stdout: x.stdout, stderr: x.stderr, code: x.code };
  }
}

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.22", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`;

test('apply creates, then is a no-op, then configures what changed', async () => {
  const f = join(dir, 'web.yaml');
  writeFileSync(f, manifest);
  assert.equal((await tkctl('apply', '-f', f)).stdout, 'deployment.apps/web created\nservice/web created\n');
  assert.equal((await tkctl('apply', '-f', f)).stdout, 'deployment.apps/web unchanged\nservice/web unchanged\n');
  writeFileSync(f, manifest.replace('replicas: 2', 'replicas: 2\n  minReadySeconds: 1'));
  assert.equal((await tkctl('apply', '-f', f)).stdout, 'deployment.apps/web configured\nservice/web unchanged\n');
});

test('get prints the server table; -o yaml, -l, -A and wide work', async () => {
  const t = await tkctl('get', 'deployments');
  assert.match(t.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+\d+s\n$/);
  const wide = await tkctl('get', 'deploy', '-o', 'wide');
  assert.match(wide.stdout, /CONTAINERS\s+IMAGES\s+SELECTOR\n.*nginx\s+nginx:1.22\s+app=web/);
  const y = await tkctl('get', 'svc', 'web', '-o', 'yaml');
  assert.match(y.stdout, /clusterIP: 10\.96\./);
  const all = await tkctl('get', 'svc', '-A', '-l', 'app!=none');
  assert.match(all.stdout, /^NAMESPACE\s+NAME\s+TYPE/);
  const none = await tkctl('get', 'pods');
  // As kubectl: the note goes to stderr, so scripts reading stdout see no rows.
  assert.equal(none.stdout, '');
  assert.equal(none.stderr, 'No resources found in default namespace.\n');
});

test('scale, describe and delete', async () => {
  assert.equal((await tkctl('scale', 'deployment/web', '--replicas', '5')).stdout, 'deployment.apps/web scaled\n');
  const d = await tkctl('describe', 'deployment', 'web');
  assert.match(d.stdout, /Name:\s+web\nNamespace:\s+default/);
  assert.match(d.stdout, /replicas: 5/);
  assert.equal((await tkctl('delete', 'svc', 'web')).stdout, 'service "web" deleted\n');
});

test('errors are clear: not found, invalid, unreachable', async () => {
  const nf = await tkctl('get', 'deploy', 'nope');
  assert.equal(nf.code, 1);
  assert.match(nf.stderr, /Error from server \(NotFound\): deployments.apps "nope" not found/);
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, 'apiVersion: v1\nkind: Pod\nmetadata: {name: "bad;name"}\nspec: {containers: [{name: c, image: "busybox:1.35"}]}\n');
  const inv = await tkctl('apply', '-f', f);
  assert.match(inv.stderr, /Invalid.*metadata\.name: Invalid value: "bad;name"/);
  const down = await run(process.execPath, [cli, '--kubeconfig', join(dir, 'kubeconfig'), '--server', 'https://127.0.0.1:1', 'get', 'pods']).catch((e: { stderr: string }) => e);
  assert.match((down).stderr, /connection to the server 127.0.0.1:1 was refused/);
});

test('apply validates fields strictly, as kubectl does: a typo is refused by its path and nothing is created', async () => {
  const f = join(dir, 'typo.yaml');
  writeFileSync(f, manifest.split('---')[0]!.replace('name: web', 'name: typo').replace('  replicas: 2', '  replica: 2'));
  const out = await tkctl('apply', '-f', f);
  assert.notEqual(out.code, 0);
  assert.match(out.stderr, /strict decoding error: unknown field "spec\.replica"/);
  assert.notEqual((await tkctl('get', 'deployment', 'typo')).code, 0);
});
