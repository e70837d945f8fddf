import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { ConfigMap, Pod, Secret, Stored } from '@tinykube/api';
import { FakeApiClient } from '@tinykube/client';
import { ContainerConfigError, ContentVolumes, containerEnv, cpuShares, dockerSecurity, podPhase, podStatus, renderHostPorts, hostPortMappings, writeVolumeFiles, type ContainerView, type PodSources } from '../src';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { LEVEL: 'debug', 'bad=name': 'x', 'app.conf': 'a=1' } };
const secret: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'ns' }, data: { password: b64('s3cret'), user: b64('admin') } };

function sources(withSecret = true): PodSources {
  return { configMaps: new Map([['cfg', cm], ['gone', undefined]]), secrets: new Map([['creds', withSecret ? secret : undefined]]), allocatable: { cpu: '2', memory: '4Gi' } };
}

function pod(spec: Partial<Pod['spec']>): Stored<Pod> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.35' }], ...spec } } as Stored<Pod>;
}

test('env from ConfigMaps and Secrets: keys, optional, envFrom with prefix (invalid names skipped), resource fields; then env wins', () => {
  const p = pod({
    containers: [
      {
        name: 'c',
        image: 'busybox:1.35',
        resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } },
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }, { configMapRef: { name: 'gone', optional: true } }],
        env: [
          { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } },
          { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'MAYBE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope', optional: true } } },
          { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
          { name: 'user', value: 'override-$(CFG_LEVEL)' },
        ],
      },
    ],
  });
  const { env, skipped } = containerEnv(p, p.spec.containers[0]!, [], '10.244.1.2', '10.240.0.11', sources());
  assert.equal(env.CFG_LEVEL, 'debug');
  assert.equal(env['CFG_app.conf'], 'a=1', 'printable names are allowed, as in Kubernetes 1.32');
  assert.equal(env.password, 's3cret');
  assert.equal(env.user, 'override-debug');
  assert.equal(env.LEVEL, 'debug');
  assert.equal(env.PASS, 's3cret');
  assert.equal('MAYBE' in env, false);
  assert.equal(env.MEM_MI, '64');
  assert.equal(env.CPU_LIMIT, '2', 'no cpu limit: the node allocatable');
  assert.equal(env.CPU_REQ_M, '250');
  assert.deepEqual(skipped, ['Keys [CFG_bad=name] from the EnvFrom configMap ns/cfg were skipped since they are considered invalid environment variable names.']);
});

test('a missing required source is a CreateContainerConfigError in Kubernetes\' words', () => {
  const run = (env: Pod['spec']['containers'][number]): void => {
    const p = pod({ containers: [env] });
    containerEnv(p, p.spec.containers[0]!, [], '', '', sources(false));
  };
  assert.throws(() => run({ name: 'c', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }] }), (e: Error) => e instanceof ContainerConfigError && e.message === 'secret "creds" not found');
  assert.throws(() => run({ name: 'c', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }] }), /^Error: couldn't find key nope in ConfigMap ns\/cfg$/);
  assert.throws(() => run({ name: 'c', envFrom: [{ configMapRef: { name: 'gone' } }] }), /configmap "gone" not found/);
});

test('the atomic writer: files behind ..data, swapped whole, removed keys go, an unchanged volume is left alone', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-atomic-'));
  try {
    const f = (s: string, mode = 0o644): { data: Buffer; mode: number } => ({ data: Buffer.from(s), mode });
    assert.equal(writeVolumeFiles(dir, new Map([['a', f('1')], ['sub/b', f('2', 0o400)]])), true);
    assert.equal(fs.readlinkSync(path.join(dir, 'a')), '..data/a');
    assert.equal(fs.readFileSync(path.join(dir, 'sub/b'), 'utf8'), '2');
    assert.equal(fs.statSync(path.join(dir, 'sub/b')).mode & 0o777, 0o400);
    const first = fs.readlinkSync(path.join(dir, '..data'));
    assert.equal(writeVolumeFiles(dir, new Map([['a', f('1')], ['sub/b', f('2', 0o400)]])), false);
    assert.equal(fs.readlinkSync(path.join(dir, '..data')), first);
    assert.equal(writeVolumeFiles(dir, new Map([['a', f('changed')]])), true);
    assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'changed');
    assert.equal(fs.existsSync(path.join(dir, 'sub')), false);
    assert.equal(fs.existsSync(path.join(dir, first)), false, 'the old version is removed');
    assert.deepEqual(fs.readdirSync(dir).filter((e) => !e.startsWith('..')), ['a']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('configMap, secret and downwardAPI volumes: items, modes, optional, and Kubernetes\' mount errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-content-'));
  try {
    const p = pod({
      containers: [{ name: 'c', image: 'busybox:1.35', resources: { limits: { cpu: '500m' } } }],
      volumes: [
        { name: 'conf', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'etc/app.conf', mode: 0o600 }] } },
        { name: 'sec', secret: { secretName: 'creds', defaultMode: 0o400 } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'limits.cpu', divisor: '1m' } }] } },
        { name: 'opt', configMap: { name: 'gone', optional: true } },
      ],
    });
    const dirs = new Map(['conf', 'sec', 'info', 'opt'].map((n) => [n, path.join(dir, n)]));
    await new ContentVolumes(new FakeApiClient()).write(p, dirs, sources());
    assert.equal(fs.readFileSync(path.join(dir, 'conf/etc/app.conf'), 'utf8'), 'a=1');
    assert.equal(fs.statSync(path.join(dir, 'conf/etc/app.conf')).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'conf')).filter((e) => !e.startsWith('..')), ['etc'], 'only the items named');
    assert.equal(fs.readFileSync(path.join(dir, 'sec/password'), 'utf8'), 's3cret');
    assert.equal(fs.statSync(path.join(dir, 'sec/user')).mode & 0o777, 0o400);
    assert.equal(fs.readFileSync(path.join(dir, 'info/labels'), 'utf8'), 'app="web"');
    assert.equal(fs.readFileSync(path.join(dir, 'info/cpu'), 'utf8'), '500');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'opt')).filter((e) => !e.startsWith('..')), []);
    const missingKey = pod({ volumes: [{ name: 'conf', configMap: { name: 'cfg', items: [{ key: 'nope', path: 'x' }] } }] });
    await assert.rejects(new ContentVolumes(new FakeApiClient()).write(missingKey, dirs, sources()), /^Error: MountVolume.SetUp failed for volume "conf" : configmap references non-existent config key: nope$/);
    const missing = pod({ volumes: [{ name: 'sec', secret: { secretName: 'creds' } }] });
    await assert.rejects(new ContentVolumes(new FakeApiClient()).write(missing, dirs, sources(false)), /MountVolume.SetUp failed for volume "sec" : secret "creds" not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function view(name: string, o: { running?: boolean; exitCode?: number; started?: boolean; waiting?: string; restartPolicy?: 'Always' }): ContainerView {
  const details = { id: name, running: o.running ?? false, exitCode: o.exitCode ?? 0, oomKilled: false, error: '', startedAt: '2026-01-01T00:00:00Z', ...(o.running ? {} : { finishedAt: '2026-01-01T00:00:05Z' }), imageId: 'sha256:1', ip: '', pid: 0 };
  const spec = { name, image: 'busybox:1.35', ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}) };
  if (o.waiting) return { spec, ready: false, started: false, waiting: { reason: o.waiting } };
  return { spec, ready: !!o.running, started: o.started ?? !!o.running, current: { id: name, attempt: 0, details } };
}

test('init containers and native sidecars decide the phase and the Initialized condition as the kubelet does', () => {
  const p = pod({ initContainers: [{ name: 'setup', image: 'busybox:1.35' }, { name: 'proxy', image: 'busybox:1.35', restartPolicy: 'Always' }] });
  const pending = podStatus(p, [view('c', { waiting: 'PodInitializing' })], '', '', [view('setup', { running: true }), view('proxy', { waiting: 'PodInitializing', restartPolicy: 'Always' })], false);
  assert.equal(pending.phase, 'Pending');
  const init = pending.conditions!.find((c) => c.type === 'Initialized')!;
  assert.equal(init.status, 'False');
  assert.equal(init.message, 'containers with incomplete status: [setup proxy]');
  const running = podStatus(p, [view('c', { running: true })], '', '', [view('setup', { exitCode: 0 }), view('proxy', { running: true, restartPolicy: 'Always' })], true);
  assert.equal(running.phase, 'Running');
  assert.equal(running.initContainerStatuses![0]!.ready, true, 'a finished init container is ready');
  assert.equal(running.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
  const never = { ...p, spec: { ...p.spec, restartPolicy: 'Never' as const } };
  assert.equal(podPhase(never, [], [{ name: 'setup', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 1 } } }], false), 'Failed');
  const done = { ...p, spec: { ...p.spec, restartPolicy: 'OnFailure' as const } };
  const st = podStatus(done, [view('c', { exitCode: 0 })], '', '', [view('setup', { exitCode: 0 }), view('proxy', { running: true, restartPolicy: 'Always' })], true);
  assert.equal(st.phase, 'Running', 'a running sidecar keeps the pod Running until the kubelet stops it');
  assert.equal(podStatus(done, [view('c', { exitCode: 0 })], '', '', [view('setup', { exitCode: 0 }), view('proxy', { exitCode: 137, restartPolicy: 'Always' })], true).phase, 'Succeeded', 'a stopped sidecar does not count');
});

test('securityContext to Docker: users, groups, capabilities, no-new-privileges; runAsNonRoot checked against the image user', () => {
  const p = pod({ securityContext: { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000] } });
  const c = { name: 'c', image: 'x', securityContext: { runAsGroup: 100, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } };
  assert.deepEqual(dockerSecurity(p, c, ''), { User: '1000:100', GroupAdd: ['3000', '2000'], ReadonlyRootfs: true, CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] });
  const nonRoot = pod({ securityContext: { runAsNonRoot: true } });
  assert.throws(() => dockerSecurity(nonRoot, { name: 'c' }, ''), /^Error: container has runAsNonRoot and image will run as root \(pod: "p_ns\(u1\)", container: c\)$/);
  assert.throws(() => dockerSecurity(nonRoot, { name: 'c' }, 'nginx'), /image has non-numeric user \(nginx\), cannot verify user is non-root/);
  assert.throws(() => dockerSecurity(nonRoot, { name: 'c', securityContext: { runAsUser: 0 } }, '1000'), /container's runAsUser breaks non-root policy/);
  assert.deepEqual(dockerSecurity(nonRoot, { name: 'c' }, '1000:1000'), {});
  assert.equal(cpuShares(0), 2);
  assert.equal(cpuShares(250), 256);
  assert.equal(cpuShares(2000), 2048);
});

test('hostPort rules: DNAT to the pod (by hostIP when set), hairpin masquerade, none for hostNetwork or finished pods', () => {
  const withPorts = (name: string, ip: string, extra: Partial<Pod['spec']> = {}, phase = 'Running'): Pod => ({
    ...pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8081, protocol: 'TCP' }, { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '10.240.0.11' }] }], ...extra }),
    metadata: { name, namespace: 'ns' },
    status: { podIP: ip, phase: phase as 'Running' },
  });
  const rules = renderHostPorts(hostPortMappings([withPorts('a', '10.244.1.5'), withPorts('b', '10.240.0.11', { hostNetwork: true }), withPorts('c', '10.244.1.6', {}, 'Succeeded')]));
  assert.equal(
    rules,
    [
      '*nat',
      ':TK-HOSTPORTS - [0:0]',
      ':TK-HOSTPORTS-SNAT - [0:0]',
      '-A TK-HOSTPORTS -m comment --comment "ns/a hostPort 5353" -p udp -m udp -d 10.240.0.11/32 --dport 5353 -j DNAT --to-destination 10.244.1.5:53',
      '-A TK-HOSTPORTS-SNAT -m comment --comment "ns/a hostPort 5353" -s 10.244.1.5/32 -d 10.244.1.5/32 -p udp -m udp --dport 53 -j MASQUERADE',
      '-A TK-HOSTPORTS -m comment --comment "ns/a hostPort 8081" -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.244.1.5:80',
      '-A TK-HOSTPORTS-SNAT -m comment --comment "ns/a hostPort 8081" -s 10.244.1.5/32 -d 10.244.1.5/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
      'COMMIT',
      '',
    ].join('\n'),
  );
});
