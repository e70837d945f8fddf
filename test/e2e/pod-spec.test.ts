// The pod spec real manifests use, on real containers across two hosts, driven by the machine's
// kubectl and the manifests in examples/pod-spec: ConfigMaps and Secrets as env and files, a
// missing Secret, init containers and native sidecars, hostPort and hostNetwork, termination
// messages, kubectl attach and port-forward, and the warning for a field tinykube does not act on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getCondition, R, type Event, type Pod } from '@tinykube/api';
import { REPO_DIR, run, startCluster, waitFor, type LocalCluster } from '../helpers';

let cluster: LocalCluster;
const examples = path.join(REPO_DIR, 'examples/pod-spec');

before(async () => {
  cluster = await startCluster({ nodes: 2 });
});

after(async () => {
  await cluster?.down();
});

function kubectl(...args: string[]): Promise<string> {
  return run('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args]);
}

/** stdout and stderr of a kubectl that succeeds. */
function kubectlBoth(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve({ stdout, stderr })));
  });
}

function exec(pod: string, script: string, container?: string): Promise<string> {
  return kubectl('exec', pod, ...(container ? ['-c', container] : []), '--', 'sh', '-c', script);
}

function ready(name: string, timeoutMs?: number): Promise<Pod> {
  return cluster.waitForPod('default', name, (p) => getCondition(p.status?.conditions, 'Ready')?.status === 'True', 'ready', timeoutMs);
}

async function events(name: string): Promise<Event[]> {
  return (await cluster.api.list<Event>(R.events, 'default', { fieldSelector: `involvedObject.name=${name}` })).items;
}

function nodeIP(name: string): string {
  return cluster.plan.nodes.find((n) => n.name === name)!.ip;
}

test('a pod reads a ConfigMap and a Secret as env, envFrom with prefix, files with items, modes and subPath, and a projected volume; an update reaches the files', async () => {
  await kubectl('apply', '-f', path.join(examples, 'config.yaml'));
  await ready('config-demo');
  const env = await exec('config-demo', 'echo "$LEVEL|$DB_PASSWORD|$CFG_COLOR|$CFG_LOG_LEVEL|$MEMORY_LIMIT_MI"');
  assert.equal(env.trim(), 'debug|s3cr3t|blue|debug|64');
  const files = await exec('config-demo', 'cat /etc/config/color; echo; stat -Lc %a /etc/config/color; cat /etc/app.properties; cat /etc/secret/password; echo; stat -Lc %a /etc/secret/username; cat /etc/projected/color /etc/projected/username; echo; cat /etc/projected/labels');
  assert.deepEqual(files.trim().split('\n'), ['blue', '600', 'greeting=hello', 's3cr3t', '400', 'blueadmin', 'app="config-demo"']);
  // Secrets live in memory on the node, and content volumes are read-only.
  assert.match(await exec('config-demo', 'grep " /etc/secret " /proc/mounts'), /^tmpfs /);
  await assert.rejects(exec('config-demo', 'touch /etc/config/new'), /Read-only file system/);

  await kubectl('patch', 'configmap', 'app-config', '--type=merge', '-p', JSON.stringify({ data: { COLOR: 'green', 'app.properties': 'greeting=changed\n' } }));
  // The housekeeping period is 10 s; the file flips whole, through the ..data symlink.
  await waitFor(async () => ((await exec('config-demo', 'cat /etc/config/color')) === 'green' ? true : undefined), { timeoutMs: 60_000, intervalMs: 1000, what: 'the mounted ConfigMap to change' });
  assert.equal(await exec('config-demo', 'cat /etc/projected/color'), 'green');
  assert.equal((await exec('config-demo', 'cat /etc/app.properties')).trim(), 'greeting=hello', 'a subPath mount keeps the version it started with, as in Kubernetes');
  assert.equal(await exec('config-demo', 'echo $LEVEL'), 'debug\n', 'env is read once, at container start');
});

test('a pod whose Secret is missing shows CreateContainerConfigError with an event, then starts once the Secret is created', async () => {
  await kubectl('apply', '-f', path.join(examples, 'late-secret.yaml'));
  const waiting = await cluster.waitForPod('default', 'late-secret', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError', 'in CreateContainerConfigError');
  assert.equal(waiting.status!.containerStatuses![0]!.state!.waiting!.message, 'secret "late-secret" not found');
  assert.match(await kubectl('get', 'pod', 'late-secret'), /CreateContainerConfigError/);
  assert.ok((await events('late-secret')).some((e) => e.reason === 'Failed' && e.message === 'Error: secret "late-secret" not found'));
  await kubectl('create', 'secret', 'generic', 'late-secret', '--from-literal=token=t0ken');
  await ready('late-secret', 60_000);
  assert.equal((await cluster.log('default', 'late-secret')).trim(), 'token=t0ken');
});

test('init containers run in order before the app, which reads what they wrote; a native sidecar runs beside it', async () => {
  await kubectl('apply', '-f', path.join(examples, 'init.yaml'));
  const p = await ready('init-demo');
  assert.deepEqual(p.status!.initContainerStatuses!.map((s) => [s.name, s.state?.terminated?.reason ?? (s.state?.running ? 'Running' : '?')]), [['write-page', 'Completed'], ['check-page', 'Completed'], ['log-shipper', 'Running']]);
  const written = p.status!.initContainerStatuses!.map((s) => s.state?.terminated?.finishedAt ?? s.state?.running?.startedAt ?? '');
  const appStarted = p.status!.containerStatuses![0]!.state!.running!.startedAt!;
  assert.ok(written[0]! <= written[1]! && written[1]! <= written[2]! && written[2]! <= appStarted, `in order: ${written.join(' ')} then ${appStarted}`);
  assert.equal(getCondition(p.status?.conditions, 'Initialized')?.status, 'True');
  assert.equal((await exec('init-demo', 'wget -qO- http://localhost:8080/', 'web')).trim(), 'written-by-init');
  assert.match(await kubectl('get', 'pod', 'init-demo', '--no-headers'), /^init-demo\s+2\/2\s+Running/);
});

test('a failing init container keeps the app from starting and backs off; kubectl shows Init:', async () => {
  await cluster.api.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'init-fails', namespace: 'default' },
    spec: { initContainers: [{ name: 'migrate', image: 'busybox:1.35', command: ['sh', '-c', 'echo migration failed; exit 1'] }], containers: [{ name: 'app', image: 'busybox:1.35', command: ['sleep', '3600'] }] },
  });
  const p = await cluster.waitForPod('default', 'init-fails', (x) => (x.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1 && x.status?.initContainerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 'restarting its init container with back-off', 60_000);
  assert.equal(p.status!.phase, 'Pending');
  assert.equal(p.status!.containerStatuses![0]!.state!.waiting!.reason, 'PodInitializing');
  assert.equal(getCondition(p.status?.conditions, 'Initialized')?.message, 'containers with incomplete status: [migrate]');
  assert.match(await kubectl('get', 'pod', 'init-fails', '--no-headers'), /Init:(CrashLoopBackOff|Error|0\/1)/);
});

test('a Job-like pod with a native sidecar completes: the sidecar is stopped after the app and the pod Succeeds', async () => {
  await cluster.api.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'with-sidecar', namespace: 'default' },
    spec: {
      restartPolicy: 'Never',
      initContainers: [{ name: 'sidecar', image: 'busybox:1.35', restartPolicy: 'Always', command: ['sh', '-c', "trap 'echo sidecar-stopped; exit 0' TERM; echo sidecar-up; while true; do sleep 1; done"] }],
      containers: [{ name: 'main', image: 'busybox:1.35', command: ['sh', '-c', 'sleep 2; echo main-done'] }],
    },
  });
  const p = await cluster.waitForPod('default', 'with-sidecar', (x) => x.status?.phase === 'Succeeded', 'Succeeded', 90_000);
  const side = p.status!.initContainerStatuses![0]!.state!.terminated!;
  const main = p.status!.containerStatuses![0]!.state!.terminated!;
  assert.ok(side.finishedAt! >= main.finishedAt!, `sidecar stopped (${side.finishedAt}) after main (${main.finishedAt})`);
  assert.match(await cluster.log('default', 'with-sidecar', 'sidecar'), /sidecar-up\nsidecar-stopped/);
});

test('a hostPort answers on its node from another host and from the node itself; a hostNetwork pod has the node IP', async () => {
  const manifest = fs.readFileSync(path.join(examples, 'hostport.yaml'), 'utf8').replace('spec:\n', 'spec:\n  nodeName: node-1\n');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tk-hostport-')), 'hostport.yaml');
  fs.writeFileSync(file, manifest);
  await kubectl('apply', '-f', file);
  await ready('hostport-demo');
  const url = `http://${nodeIP('node-1')}:18081/`;
  const curl = (node: string): Promise<string> => cluster.onNode(node, 'curl', ['-sS', '--max-time', '5', url]);
  assert.equal((await waitFor(async () => (await curl('node-2').catch(() => '')) || undefined, { timeoutMs: 30_000, what: 'the hostPort from node-2' })).trim(), 'served-through-hostport');
  assert.equal((await curl('node-1')).trim(), 'served-through-hostport');

  await cluster.api.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'on-host-net', namespace: 'default' },
    spec: { nodeName: 'node-2', hostNetwork: true, containers: [{ name: 'web', image: 'busybox:1.35', command: ['sh', '-c', 'echo on-the-node > /tmp/index.html; exec httpd -f -p 18082 -h /tmp'], ports: [{ containerPort: 18082 }] }] },
  });
  const hn = await ready('on-host-net');
  assert.equal(hn.status!.podIP, nodeIP('node-2'));
  assert.equal(hn.spec.containers[0]!.ports![0]!.hostPort, 18082, 'hostPort defaults to containerPort');
  const got = await waitFor(async () => (await cluster.onNode('node-1', 'curl', ['-sS', '--max-time', '5', `http://${nodeIP('node-2')}:18082/`]).catch(() => '')) || undefined, { timeoutMs: 30_000, what: 'the hostNetwork pod' });
  assert.equal(got.trim(), 'on-the-node');
});

test('termination messages show in describe; applying a field tinykube does not act on prints a warning', async () => {
  await kubectl('apply', '-f', path.join(examples, 'termination.yaml'));
  const p = await cluster.waitForPod('default', 'termination-demo', (x) => x.status?.phase === 'Failed', 'Failed');
  const msg = (name: string): string | undefined => p.status!.containerStatuses!.find((s) => s.name === name)!.state!.terminated!.message;
  assert.equal(msg('writes-file'), 'database unreachable\n');
  assert.equal(msg('logs-only'), 'panic: out of cheese\n');
  const described = await kubectl('describe', 'pod', 'termination-demo');
  assert.match(described, /Message:\s+database unreachable/);
  assert.match(described, /Message:\s+panic: out of cheese/);

  const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unacted', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox:1.35', command: ['sleep', '3600'], resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] }], priorityClassName: 'high' } };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tk-unacted-')), 'unacted.json');
  fs.writeFileSync(file, JSON.stringify(manifest));
  const { stdout, stderr } = await kubectlBoth('apply', '-f', file);
  assert.equal(stdout.trim(), 'pod/unacted created');
  assert.match(stderr, /Warning: spec\.containers\[0\]\.resizePolicy: not acted on by tinykube/);
  assert.match(stderr, /Warning: spec\.priorityClassName: not acted on by tinykube/);
});

test('kubectl attach shows what the container prints and leaves it running', async () => {
  await cluster.api.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'ticker', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.5; done'] }] },
  });
  await ready('ticker');
  const child = spawn('kubectl', ['--kubeconfig', cluster.kubeconfig, 'attach', 'ticker', '-c', 'c'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor(async () => (/tick-\d+\n[\s\S]*tick-\d+\n/.test(out) ? true : undefined), { timeoutMs: 30_000, what: 'two ticks through kubectl attach' });
  } finally {
    child.kill('SIGINT');
  }
  await new Promise((r) => child.once('exit', r));
  const p = await cluster.api.get<Pod>(R.pods, 'default', 'ticker');
  assert.equal(p.status!.containerStatuses![0]!.restartCount, 0);
  assert.ok(p.status!.containerStatuses![0]!.state!.running, 'leaving attach leaves the container running');
});

/** Runs `kubectl port-forward` until `use` is done, once it says it is forwarding; returns what it wrote to stderr. */
async function portForward(args: string[], env: NodeJS.ProcessEnv, use: () => Promise<void>): Promise<string> {
  const child = spawn('kubectl', ['--kubeconfig', cluster.kubeconfig, 'port-forward', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitFor(async () => (out.includes('Forwarding from 127.0.0.1') ? true : child.exitCode !== null ? Promise.reject(new Error(`kubectl port-forward exited: ${err}`)) : undefined), { timeoutMs: 30_000, what: 'kubectl port-forward to say it is forwarding' });
    await use();
  } finally {
    child.kill('SIGINT');
    await exited;
  }
  return err;
}

test('kubectl port-forward reaches a server on the pod\'s localhost, over WebSocket and over SPDY, large answers included; a closed port is reported', async () => {
  await kubectl('apply', '-f', path.join(examples, 'port-forward.yaml'));
  await ready('port-forward-demo');
  const get = async (port: number, file: string): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${port}/${file}`);
    assert.equal(res.status, 200);
    return res.text();
  };
  for (const [transport, env] of [['WebSocket', {}], ['SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
    await portForward(['pod/port-forward-demo', '18080:80'], env, async () => {
      assert.equal(await get(18080, 'index.html'), 'through-port-forward\n', transport);
      const big = await get(18080, 'big');
      assert.equal(big.length, 300_000, `${transport}: the whole of a 300 kB answer`);
      assert.match(big, /^x+$/);
      const both = await Promise.all([get(18080, 'index.html'), get(18080, 'big')]);
      assert.deepEqual(both.map((b) => b.length), [21, 300_000], `${transport}: two connections at once`);
    });
  }
  const stderr = await portForward(['pod/port-forward-demo', '18082:81'], {}, async () => {
    await assert.rejects(get(18082, 'index.html'));
  });
  assert.match(stderr, /error forwarding port 81 to pod port-forward-demo.*connect ECONNREFUSED 127\.0\.0\.1:81/);
});

test('a kind tinykube does not serve is reported by itself and the other documents of the file apply, with and without validation', async () => {
  for (const flags of [[], ['--validate=false']]) {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile('kubectl', ['--kubeconfig', cluster.kubeconfig, 'apply', ...flags, '-f', path.join(examples, 'unserved-kind.yaml')], (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }));
    });
    assert.notEqual(result.code, 0, 'kubectl fails for the unserved kind');
    assert.match(result.stderr, /no matches for kind "NetworkPolicy" in version "networking\.k8s\.io\/v1"/);
    assert.doesNotMatch(result.stderr, /error validating|could not find the requested resource/);
    for (const name of ['before-unserved', 'after-unserved']) await cluster.api.get(R.configmaps, 'default', name);
    await kubectl('delete', 'configmap', 'before-unserved', 'after-unserved');
  }
});
