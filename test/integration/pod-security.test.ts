// Pod Security admission against the real apiserver, driven by the machine's kubectl: a baseline
// namespace refuses a hostPath or privileged pod in Kubernetes' words; in warn mode the pod is
// made and kubectl prints the warning; a workload's template is warned about, not refused.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startTestApi, type TestCluster } from '../helpers';

const run = promisify(execFile);
let c: TestCluster;
let dir: string;

before(async () => {
  c = await startTestApi();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-psa-'));
});
after(async () => {
  await c?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const kubectl = (...args: string[]) =>
  run('kubectl', ['--kubeconfig', c.kubeconfig, ...args]).then(
    (r) => ({ code: 0, out: `${r.stdout}${r.stderr}` }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );

function manifest(name: string, obj: unknown): string {
  const f = path.join(dir, `${name}.json`);
  fs.writeFileSync(f, JSON.stringify(obj));
  return f;
}

const risky = (ns: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { volumes: [{ name: 'root', hostPath: { path: '/' } }], containers: [{ name: 'c', image: 'busybox:1.35', securityContext: { privileged: true }, volumeMounts: [{ name: 'root', mountPath: '/host' }] }] },
});

test('a baseline namespace refuses a hostPath and privileged pod with Kubernetes\' message; a plain pod is admitted', async () => {
  await kubectl('create', 'namespace', 'psa-enforce');
  await kubectl('label', 'namespace', 'psa-enforce', 'pod-security.kubernetes.io/enforce=baseline');
  const refused = await kubectl('apply', '-f', manifest('risky', risky('psa-enforce', 'risky')));
  assert.notEqual(refused.code, 0);
  assert.match(refused.out, /pods "risky" is forbidden: violates PodSecurity "baseline:latest": privileged \(container "c" must not set securityContext.privileged=true\), hostPath volume \("root"\)/);
  assert.equal((await kubectl('get', 'pod', 'risky', '-n', 'psa-enforce')).code, 1, 'nothing was made');
  const plain = await kubectl('run', 'plain', '-n', 'psa-enforce', '--image', 'busybox:1.35');
  assert.equal(plain.code, 0, plain.out);
});

test('in warn mode the pod is made and kubectl shows the warning; a Deployment in an enforcing namespace is warned about, not refused', async () => {
  await kubectl('create', 'namespace', 'psa-warn');
  await kubectl('label', 'namespace', 'psa-warn', 'pod-security.kubernetes.io/warn=baseline');
  const made = await kubectl('apply', '-f', manifest('warned', risky('psa-warn', 'warned')));
  assert.equal(made.code, 0, made.out);
  assert.match(made.out, /Warning: would violate PodSecurity "baseline:latest": privileged \(container "c" must not set securityContext.privileged=true\), hostPath volume \("root"\)/);
  assert.match(made.out, /pod\/warned created/);
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'psa-enforce' }, spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox:1.35' }] } } } };
  const d = await kubectl('apply', '-f', manifest('deploy', deployment));
  assert.equal(d.code, 0, d.out);
  assert.match(d.out, /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
  // A CronJob's pods are in its job template.
  const cronJob = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj', namespace: 'psa-enforce' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', hostPID: true, containers: [{ name: 'c', image: 'busybox:1.35' }] } } } } } };
  const cj = await kubectl('apply', '-f', manifest('cronjob', cronJob));
  assert.equal(cj.code, 0, cj.out);
  assert.match(cj.out, /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostPID=true\)/);
});
