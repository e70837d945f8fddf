// The audit log: who created, changed and deleted what, as audit.k8s.io/v1 Event lines, at the
// levels of the default policy (changes with their request, Secrets at Metadata only, reads not
// logged), for kubectl's REST requests and the daemons' gRPC calls alike.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startTestApi, waitFor, type TestCluster } from '../helpers';

const run = promisify(execFile);
let c: TestCluster;

before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
});

interface AuditEvent {
  apiVersion: string;
  kind: string;
  level: string;
  verb: string;
  stage: string;
  user: { username: string; groups: string[] };
  objectRef?: { resource: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus: { code: number };
  requestObject?: Record<string, unknown>;
  requestURI: string;
}

const events = (): AuditEvent[] => fs.readFileSync(c.auditLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);

test('kubectl creates, changes and deletes: each is an Event naming the user, verb and object; a Secret is logged without its content; reads are not logged', async () => {
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', c.kubeconfig, ...args]);
  await kubectl('create', 'configmap', 'audited', '--from-literal=k=v');
  await kubectl('label', 'configmap', 'audited', 'x=y');
  await kubectl('create', 'secret', 'generic', 'hidden', '--from-literal=password=audit-secret-value');
  await kubectl('create', 'deployment', 'web', '--image=busybox:1.35');
  await kubectl('get', 'configmap', 'audited');
  await kubectl('delete', 'configmap', 'audited');
  const find = (verb: string, resource: string, name: string): AuditEvent | undefined => events().find((e) => e.verb === verb && e.objectRef?.resource === resource && e.objectRef?.name === name);
  const deleted = await waitFor(async () => find('delete', 'configmaps', 'audited'), { what: 'the delete in the audit log', timeoutMs: 5000 });
  assert.equal(deleted.user.username, 'kubernetes-admin');
  assert.deepEqual(deleted.user.groups, ['system:masters', 'system:authenticated']);
  assert.equal(deleted.apiVersion, 'audit.k8s.io/v1');
  assert.equal(deleted.kind, 'Event');
  assert.equal(deleted.stage, 'ResponseComplete');
  assert.equal(deleted.responseStatus.code, 200);
  assert.equal(find('patch', 'configmaps', 'audited')?.user.username, 'kubernetes-admin');
  const deployment = find('create', 'deployments', 'web');
  assert.equal(deployment?.level, 'Request');
  assert.equal((deployment?.requestObject as { metadata?: { name?: string } })?.metadata?.name, 'web', 'a change is logged with its request');
  assert.equal(deployment?.objectRef?.apiGroup, 'apps');
  const secret = find('create', 'secrets', 'hidden');
  assert.equal(secret?.level, 'Metadata');
  assert.equal(secret?.requestObject, undefined);
  assert.ok(!fs.readFileSync(c.auditLog, 'utf8').includes('audit-secret-value') && !fs.readFileSync(c.auditLog, 'utf8').includes(Buffer.from('audit-secret-value').toString('base64')), 'no Secret value in the log');
  assert.ok(!events().some((e) => e.verb === 'get' || e.verb === 'list' || e.verb === 'watch'), 'reads are not logged');
  // The daemons' gRPC calls too: the controller-manager made default ServiceAccounts.
  assert.ok(events().some((e) => e.user.username === 'system:kube-controller-manager' && e.verb === 'create' && e.objectRef?.resource === 'serviceaccounts'));
});

test("Pod Security's audit mode: a pod that breaks the namespace's audit level is admitted and its audit event names the violations, with the enforce policy", async () => {
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', c.kubeconfig, ...args]);
  await kubectl('create', 'namespace', 'psa-audit');
  await kubectl('label', 'namespace', 'psa-audit', 'pod-security.kubernetes.io/audit=restricted', 'pod-security.kubernetes.io/enforce=baseline');
  await kubectl('run', 'loose', '-n', 'psa-audit', '--image=busybox:1.35');
  const created = await waitFor(async () => events().find((e) => e.verb === 'create' && e.objectRef?.resource === 'pods' && e.objectRef?.name === 'loose'), { what: 'the pod create in the audit log', timeoutMs: 5000 });
  const annotations = (created as AuditEvent & { annotations?: Record<string, string> }).annotations ?? {};
  assert.equal(annotations['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
  assert.match(annotations['pod-security.kubernetes.io/audit-violations'] ?? '', /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "loose" must set securityContext\.allowPrivilegeEscalation=false\)/);
  assert.equal(annotations['authorization.k8s.io/decision'], 'allow');
  await kubectl('delete', 'namespace', 'psa-audit', '--wait=false');
});
