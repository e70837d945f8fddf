import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultDeployment,
  cronJobRules,
  defaultCronJob,
  defaultJob,
  type CronJob,
  defaultReplicationController,
  jobRules,
  type Job,
  replicationControllerRules,
  type ReplicationController,
  defaultService,
  deploymentRules,
  podRules,
  podUpdateRules,
  serviceRules,
  serviceUpdateRules,
  validateChange,
  validateNew,
  workloadUpdateRules,
  type Deployment,
  type KubeObject,
  type Pod,
  type Service,
} from '../src';

const pod = (name: string, extra: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'busybox:1.35' }], ...extra },
});

// The rules each kind's strategy in the apiserver applies (names: Services and Namespaces are labels).
function validateObject(kind: string, o: KubeObject, namespaced = true): ReturnType<typeof validateNew> {
  if (kind === 'Pod') return validateNew(o as Pod, namespaced, 'subdomain', podRules);
  if (kind === 'Deployment') return validateNew(o as Deployment, namespaced, 'subdomain', deploymentRules);
  if (kind === 'Service') return validateNew(o as Service, namespaced, 'label', serviceRules);
  return validateNew(o, namespaced, 'label');
}

function fields(kind: string, o: KubeObject, namespaced = true): string[] {
  return validateObject(kind, o, namespaced).map((e) => `${e.field}:${e.type}`);
}

test('names that would reach docker, iptables or paths are rejected', () => {
  for (const bad of ['a;b', 'has space', 'a/b', 'UPPER', '-lead', 'trail-', '', 'x'.repeat(254)]) {
    const errs = fields('Pod', pod(bad));
    assert.ok(errs.some((e) => e.startsWith('metadata.name:')), `expected ${JSON.stringify(bad)} to be rejected, got ${errs}`);
  }
  assert.deepEqual(fields('Pod', pod('web-0.example')), []);
  // Services and namespaces are DNS-1123 labels: no dots.
  assert.ok(fields('Namespace', { metadata: { name: 'a.b' } }, false).includes('metadata.name:FieldValueInvalid'));
});

test('container fields are checked with their paths', () => {
  const p = pod('p');
  p.spec.containers.push({ name: 'app', image: '' }, { name: 'Bad_Name', image: 'x', ports: [{ containerPort: 70000 }] });
  const errs = fields('Pod', p);
  assert.ok(errs.includes('spec.containers[1].name:FieldValueDuplicate'));
  assert.ok(errs.includes('spec.containers[1].image:FieldValueRequired'));
  assert.ok(errs.includes('spec.containers[2].name:FieldValueInvalid'));
  assert.ok(errs.includes('spec.containers[2].ports[0].containerPort:FieldValueInvalid'));
});

test('resource quantities must parse and requests stay within limits', () => {
  const p = pod('p');
  p.spec.containers[0]!.resources = { limits: { memory: '64Mi', cpu: 'lots' }, requests: { memory: '128Mi' } };
  const errs = fields('Pod', p);
  assert.ok(errs.includes('spec.containers[0].resources.limits[cpu]:FieldValueInvalid'));
  assert.ok(errs.includes('spec.containers[0].resources.requests:FieldValueInvalid'));
});

test('a workload selector must match its template labels', () => {
  const d: Deployment = {
    metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } } },
  };
  const errs = validateObject('Deployment', d, true);
  const e = errs.find((x) => x.field === 'spec.template.metadata.labels');
  assert.ok(e);
  assert.match(e.detail, /selector.*does not match template.*labels/);
});

test('service ports, types and clusterIP are validated; clusterIP is immutable', () => {
  const svc: Service = { metadata: { name: 's' }, spec: { type: 'Weird' as never, ports: [{ port: 0 }, { port: 80 }] } };
  const errs = fields('Service', svc);
  assert.ok(errs.includes('spec.type:FieldValueNotSupported'));
  assert.ok(errs.includes('spec.ports[0].port:FieldValueInvalid'));
  assert.ok(errs.includes('spec.ports[0].name:FieldValueRequired'));
  const a: Service = { metadata: { name: 's' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 80 }] } };
  const b: Service = { metadata: { name: 's' }, spec: { clusterIP: '10.96.0.11', ports: [{ port: 80 }] } };
  assert.deepEqual(validateChange(b, a, serviceUpdateRules).map((e) => e.field), ['spec.clusterIP']);
});

test('workload selectors are immutable; pod specs only change images', () => {
  const mk = (app: string): Deployment => ({ metadata: { name: 'd' }, spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } });
  assert.deepEqual(validateChange(mk('b'), mk('a'), workloadUpdateRules).map((e) => e.field), ['spec.selector']);
  const p1 = pod('p');
  const p2 = pod('p');
  p2.spec.containers[0]!.image = 'busybox:1.36';
  assert.deepEqual(validateChange(p2, p1, podUpdateRules), []);
  p2.spec.restartPolicy = 'Never';
  assert.deepEqual(validateChange(p2, p1, podUpdateRules).map((e) => e.type), ['FieldValueForbidden']);
});

test('defaults follow Kubernetes', () => {
  const d: Deployment = { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }, { name: 'e', image: 'nginx:1.22' }] } } } };
  defaultDeployment(d);
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  const ps = d.spec.template.spec;
  assert.equal(ps.restartPolicy, 'Always');
  assert.equal(ps.terminationGracePeriodSeconds, 30);
  assert.equal(ps.dnsPolicy, 'ClusterFirst');
  assert.equal(ps.containers[0]!.imagePullPolicy, 'Always');
  assert.equal(ps.containers[1]!.imagePullPolicy, 'IfNotPresent');
  const svc: Service = { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } };
  defaultService(svc);
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.equal(svc.spec.ports![0]!.targetPort, 80);
  assert.equal(svc.spec.ports![0]!.protocol, 'TCP');
});

test('the pod spec fields real manifests use are checked with Kubernetes\' paths and words', () => {
  const errs = (extra: Partial<Pod['spec']>): string[] => validateObject('Pod', pod('p', extra)).map((e) => `${e.field}: ${e.detail}`);
  const c = { name: 'app', image: 'busybox:1.35' };
  assert.deepEqual(errs({ containers: [{ ...c, restartPolicy: 'Always' }] }), ['spec.containers[0].restartPolicy: may not be set for non-init containers']);
  assert.deepEqual(errs({ initContainers: [{ ...c, name: 'i', readinessProbe: { exec: { command: ['true'] } } }] }), ['spec.initContainers[0].readinessProbe: may not be set for init containers without restartPolicy=Always']);
  assert.deepEqual(errs({ initContainers: [{ ...c, name: 'i', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } }] }), [], 'a sidecar may have probes');
  assert.deepEqual(errs({ hostNetwork: true, containers: [{ ...c, ports: [{ containerPort: 80, hostPort: 8080 }] }] }), ['spec.containers[0].ports[0].hostPort: must match `containerPort` when `hostNetwork` is true']);
  assert.deepEqual(errs({ containers: [{ ...c, envFrom: [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }] }] }), ['spec.containers[0].envFrom[0]: may not have more than one field specified at a time']);
  assert.deepEqual(errs({ containers: [{ ...c, env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }] }] }).map((e) => e.split(':')[0]), ['spec.containers[0].env[0].valueFrom.resourceFieldRef.resource']);
  assert.deepEqual(errs({ containers: [{ ...c, volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 'a', subPathExpr: '$(X)' }] }], volumes: [{ name: 'v', emptyDir: {} }] }), ['spec.containers[0].volumeMounts[0].subPathExpr: subPathExpr and subPath are mutually exclusive']);
  assert.deepEqual(errs({ containers: [{ ...c, securityContext: { privileged: true, allowPrivilegeEscalation: false } }] }), ['spec.containers[0].securityContext: cannot set `allowPrivilegeEscalation` to false and `privileged` to true']);
  assert.deepEqual(errs({ volumes: [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: '../x' }], defaultMode: 0o1777 } }] }), ["spec.volumes[0].configMap.items[0].path: must not contain '..'", 'spec.volumes[0].configMap.defaultMode: must be a number between 0 and 0777 (octal), both inclusive']);
  assert.deepEqual(errs({ volumes: [{ name: 'v', downwardAPI: { items: [{ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } }] } }] }), ['spec.volumes[0].downwardAPI.items[0].resourceFieldRef.containerName: '], 'a volume names its container');
});

test("a ReplicationController's selector and labels default to the template's labels; an empty or mismatched selector is refused in Kubernetes' words", () => {
  const rc = (selector?: Record<string, string>, restartPolicy?: 'Never'): ReplicationController => ({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'web', namespace: 'default' },
    spec: { ...(selector ? { selector } : {}), template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...(restartPolicy ? { restartPolicy } : {}) } } },
  });
  const check = (o: ReplicationController): string[] => validateNew(o, true, 'subdomain', replicationControllerRules).map((e) => `${e.field}: ${e.type}${e.detail ? ` ${e.detail}` : ''}`);
  const defaulted = rc();
  defaultReplicationController(defaulted);
  assert.deepEqual([defaulted.spec.selector, defaulted.metadata.labels, defaulted.spec.replicas], [{ app: 'web' }, { app: 'web' }, 1]);
  assert.deepEqual(check(defaulted), []);
  assert.deepEqual(check(rc()), ['spec.selector: FieldValueRequired']);
  assert.deepEqual(check(rc({ app: 'db' })), ['spec.template.metadata.labels: FieldValueInvalid selector does not match template labels']);
  assert.deepEqual(check(rc({ app: 'web' }, 'Never')), ['spec.template.spec.restartPolicy: FieldValueNotSupported supported values: "Always"']);
});

test("a Job needs restartPolicy Never or OnFailure and a selector the server generated, unless manualSelector", () => {
  const job = (restartPolicy: 'Never' | undefined, selector: Record<string, string>, manualSelector?: boolean): Job => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default', uid: 'u1' },
    spec: { selector: { matchLabels: selector }, ...(manualSelector ? { manualSelector } : {}), template: { metadata: { labels: selector }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...(restartPolicy ? { restartPolicy } : {}) } } },
  });
  const check = (j: Job): string[] => {
    defaultJob(j);
    return validateNew(j, true, 'subdomain', jobRules).map((e) => `${e.field}: ${e.type}${e.detail ? ` ${e.detail}` : ''}`);
  };
  const generated = { 'batch.kubernetes.io/controller-uid': 'u1' };
  assert.deepEqual(check(job('Never', generated)), []);
  assert.deepEqual(check(job(undefined, generated)), ['spec.template.spec.restartPolicy: FieldValueNotSupported supported values: "OnFailure", "Never"']);
  assert.deepEqual(check(job('Never', { app: 'x' })), ['spec.selector: FieldValueInvalid `selector` not auto-generated']);
  assert.deepEqual(check(job('Never', { app: 'x' }, true)), []);
  const defaulted = job('Never', generated);
  defaultJob(defaulted);
  assert.deepEqual([defaulted.spec.completions, defaulted.spec.parallelism, defaulted.spec.backoffLimit, defaulted.spec.completionMode], [1, 1, 6, 'NonIndexed']);
  // podFailurePolicy: restartPolicy Never, one matcher per rule, exit codes ascending and not 0 under In.
  const withPolicy = (rp: 'Never' | undefined, rules: NonNullable<Job['spec']['podFailurePolicy']>['rules']): Job => ({ ...job(rp, generated), spec: { ...job(rp, generated).spec, podFailurePolicy: { rules } } });
  assert.deepEqual(check(withPolicy('Never', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 42] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }])), []);
  assert.deepEqual(check(withPolicy('Never', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42, 0] } }, { action: 'Ignore' }, { action: 'Explode' as 'Ignore', onPodConditions: [{ type: 'X' }] }])), [
    'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: FieldValueInvalid must not be 0 for the In operator',
    'spec.podFailurePolicy.rules[1]: FieldValueInvalid specifying one of OnExitCodes and OnPodConditions is required',
    'spec.podFailurePolicy.rules[2].action: FieldValueNotSupported supported values: "Count", "FailIndex", "FailJob", "Ignore"',
  ]);
  const onFailure = withPolicy('Never', [{ action: 'Count', onExitCodes: { operator: 'NotIn', values: [3, 2] } }]);
  onFailure.spec.template.spec.restartPolicy = 'OnFailure';
  assert.deepEqual(check(onFailure), ['spec.template.spec.restartPolicy: FieldValueInvalid only "Never" is supported when podFailurePolicy is specified', 'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: FieldValueInvalid must be ordered']);
});

test("a CronJob's schedule is five fields or a macro, its zone a real one, in Kubernetes' words", () => {
  const cj = (schedule: string, timeZone?: string): CronJob => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'c', namespace: 'default' },
    spec: { schedule, ...(timeZone ? { timeZone } : {}), jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  });
  const check = (o: CronJob): string[] => {
    defaultCronJob(o);
    return validateNew(o, true, 'subdomain', cronJobRules).map((e) => `${e.field}: ${e.detail}`);
  };
  assert.deepEqual(check(cj('*/5 * * * *')), []);
  assert.deepEqual(check(cj('@hourly', 'Europe/Berlin')), []);
  assert.deepEqual(check(cj('* * * *')), ['spec.schedule: expected exactly 5 fields, found 4: * * * *']);
  assert.deepEqual(check(cj('0 * * * * *')), ['spec.schedule: expected exactly 5 fields, found 6: 0 * * * * *']);
  assert.equal(check(cj('61 * * * *')).length, 1);
  assert.deepEqual(check(cj('* * * * *', 'Mars/Olympus')), ['spec.timeZone: unknown time zone Mars/Olympus']);
  assert.deepEqual(check(cj('CRON_TZ=UTC * * * * *', 'UTC')), ['spec.schedule: cannot use both timeZone field and TZ or CRON_TZ in schedule']);
});
