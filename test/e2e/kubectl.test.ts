// The user's own kubectl against a local cluster, with default flags: apply (client-side, with
// its default strict validation), tables, rollout, scale, label, annotate, edit, logs, wait,
// and errors as Kubernetes prints them. tkctl shows the same tables (both print the server's).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { R, type Deployment, type RoleBinding } from '@tinykube/api';
import { renderKubeconfig, tlsFetch } from '@tinykube/client';
import { issueCertificate } from '@tinykube/pki';
import { REPO_DIR, run, startCluster, waitFor, type LocalCluster } from '../helpers';

let cluster: LocalCluster;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinykube-kubectl-'));

before(async () => {
  cluster = await startCluster({ nodes: 2 });
});

after(async () => {
  await cluster?.down();
  fs.rmSync(dir, { recursive: true, force: true });
});

function kubectl(...args: string[]): Promise<string> {
  return run('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args]);
}

async function kubectlFails(...args: string[]): Promise<string> {
  try {
    await kubectl(...args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded`);
}

function tkctl(...args: string[]): Promise<string> {
  return run(process.execPath, [path.join(REPO_DIR, 'packages/ctl/dist/src/main.js'), '--kubeconfig', cluster.kubeconfig, ...args]);
}

// The Deployment example of the Kubernetes documentation, with the local image tag.
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.22
        ports:
        - containerPort: 80
`;

// One container that logs five lines and stays up, one that exits at once (restarted by Always).
const TWO_CONTAINERS = `apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: steady
    image: busybox:1.35
    command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; done; trap 'exit 0' TERM; while true; do sleep 1; done"]
  - name: crashy
    image: busybox:1.35
    command: ["sh", "-c", "echo run-at-$(cat /proc/uptime); exit 1"]
`;

test('apply creates, a second apply is a no-op, an edited file changes only what was edited', async () => {
  const file = path.join(dir, 'deployment.yaml');
  fs.writeFileSync(file, DEPLOYMENT);
  assert.equal((await kubectl('apply', '-f', file)).trim(), 'deployment.apps/nginx-deployment created');
  const first = await cluster.api.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  assert.ok(first.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
  assert.equal((await kubectl('apply', '-f', file)).trim(), 'deployment.apps/nginx-deployment unchanged');
  const same = await cluster.api.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  assert.equal(same.metadata.generation, first.metadata.generation);
  assert.equal(same.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], first.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
  // Someone else scales it; the file changes an env var only: replicas stay as the file says
  // (kubectl's three-way merge) and the container list is merged by name.
  fs.writeFileSync(file, DEPLOYMENT.replace('        ports:', '        env:\n        - name: COLOR\n          value: blue\n        ports:'));
  assert.equal((await kubectl('apply', '-f', file)).trim(), 'deployment.apps/nginx-deployment configured');
  const edited = await cluster.api.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  const c = edited.spec.template.spec.containers;
  assert.equal(c.length, 1);
  assert.deepEqual(c[0]!.env, [{ name: 'COLOR', value: 'blue' }]);
  assert.deepEqual(c[0]!.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  await kubectl('rollout', 'status', 'deployment/nginx-deployment', '--timeout=120s');
});

test('get shows the same table in kubectl and tkctl; -o wide, jsonpath, labels', async () => {
  const k = (await kubectl('get', 'deployments')).split('\n')[0];
  const t = (await tkctl('get', 'deployments')).split('\n')[0];
  assert.equal(k?.replace(/\s+/g, ' '), t?.replace(/\s+/g, ' '));
  assert.match(await kubectl('get', 'pods', '-o', 'wide'), /NODE/);
  assert.equal(await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'jsonpath={.spec.replicas}'), '3');
  await kubectl('label', 'deployment', 'nginx-deployment', 'tier=web');
  await kubectl('annotate', 'deployment', 'nginx-deployment', 'owner=team-a');
  assert.match(await kubectl('get', 'deployments', '-l', 'tier=web', '--show-labels'), /tier=web/);
  assert.equal(await kubectl('get', 'deployment', 'nginx-deployment', '-o', "jsonpath={.metadata.annotations.owner}"), 'team-a');
});

test('scale, rollout restart, history, undo, wait and edit', async () => {
  await kubectl('scale', 'deployment/nginx-deployment', '--replicas=2');
  await kubectl('rollout', 'status', 'deployment/nginx-deployment', '--timeout=120s');
  await waitFor(async () => (await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'jsonpath={.status.replicas}')) === '2', { timeoutMs: 60_000, what: 'scaled down to 2 pods' });
  await kubectl('rollout', 'restart', 'deployment/nginx-deployment');
  await kubectl('rollout', 'status', 'deployment/nginx-deployment', '--timeout=120s');
  // Revisions so far: 1 (created), 2 (the env edit), 3 (the restart).
  assert.match(await kubectl('rollout', 'history', 'deployment/nginx-deployment'), /^3\s/m);
  await kubectl('rollout', 'undo', 'deployment/nginx-deployment');
  await kubectl('rollout', 'status', 'deployment/nginx-deployment', '--timeout=120s');
  // Undo goes back to revision 2's template, which becomes revision 4.
  const history = await kubectl('rollout', 'history', 'deployment/nginx-deployment');
  assert.match(history, /^3\s/m);
  assert.match(history, /^4\s/m);
  assert.doesNotMatch(history, /^2\s/m);
  await kubectl('wait', '--for=condition=Available', 'deployment/nginx-deployment', '--timeout=60s');
  // describe shows the object with its events.
  const described = await kubectl('describe', 'deployment', 'nginx-deployment');
  assert.match(described, /^Name:\s+nginx-deployment$/m);
  assert.match(described, /^Events:/m);
  assert.match(described, /ScalingReplicaSet/);
  // (undo replaced the annotations with the ReplicaSet's, as kubectl's undo does.)
  await run('kubectl', ['--kubeconfig', cluster.kubeconfig, 'edit', 'deployment/nginx-deployment'], { EDITOR: "sed -i 's/^  replicas: 2$/  replicas: 1/'" });
  assert.equal(await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'jsonpath={.spec.replicas}'), '1');
});

test('create deployment, expose, logs and delete', async () => {
  await kubectl('create', 'deployment', 'echo', '--image=busybox:1.35', '--', 'sh', '-c', 'echo hello-from-echo; exec httpd -f -p 8080');
  await kubectl('expose', 'deployment', 'echo', '--port=80', '--target-port=8080');
  await kubectl('rollout', 'status', 'deployment/echo', '--timeout=120s');
  const pod = (await kubectl('get', 'pods', '-l', 'app=echo', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
  assert.match(await kubectl('logs', pod), /hello-from-echo/);
  assert.match(await kubectl('get', 'endpoints', 'echo'), /:8080/);
  await kubectl('delete', 'deployment', 'echo');
  await kubectl('delete', 'service', 'echo');
  // The delete cascades (background): the garbage collector removes the ReplicaSet and its pods.
  await waitFor(async () => (await kubectl('get', 'replicasets,pods', '-l', 'app=echo', '-o', 'name')).trim() === '', { timeoutMs: 60_000, what: "echo's ReplicaSet and pods deleted" });
  assert.match(await kubectlFails('get', 'endpoints', 'echo'), /NotFound/);
});

test('kubectl create configmap and secret, get them as kubectl prints them, and read the values back', async () => {
  const file = path.join(dir, 'app.properties');
  fs.writeFileSync(file, 'color=blue\n');
  assert.match(await kubectl('create', 'configmap', 'app-config', '--from-literal=mode=fast', `--from-file=${file}`), /configmap\/app-config created/);
  assert.match(await kubectl('create', 'secret', 'generic', 'db', '--from-literal=password=s3cret'), /secret\/db created/);
  assert.match(await kubectl('get', 'cm', 'app-config'), /^NAME\s+DATA\s+AGE\napp-config\s+2\s+/);
  assert.match(await kubectl('get', 'secret', 'db'), /^NAME\s+TYPE\s+DATA\s+AGE\ndb\s+Opaque\s+1\s+/);
  assert.equal(await kubectl('get', 'configmap', 'app-config', '-o', 'jsonpath={.data.app\\.properties}'), 'color=blue\n');
  assert.equal(Buffer.from(await kubectl('get', 'secret', 'db', '-o', 'jsonpath={.data.password}'), 'base64').toString(), 's3cret');
  assert.match(await kubectlFails('create', 'configmap', 'bad', '--from-literal=a b=x'), /error|invalid/i);
  await kubectl('delete', 'configmap', 'app-config');
  await kubectl('delete', 'secret', 'db');
});

test('errors read as Kubernetes prints them', async () => {
  assert.match(await kubectlFails('get', 'deployment', 'nope'), /Error from server \(NotFound\): deployments\.apps "nope" not found/);
  const file = path.join(dir, 'again.yaml');
  fs.writeFileSync(file, DEPLOYMENT);
  assert.match(await kubectlFails('create', '-f', file), /Error from server \(AlreadyExists\): error when creating ".*again\.yaml": deployments\.apps "nginx-deployment" already exists/);
  assert.match(await kubectlFails('scale', 'deployment/nginx-deployment', '--replicas=-1'), /replicas|Invalid/);
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(bad, DEPLOYMENT.replace('name: nginx-deployment', 'name: Bad_Name'));
  assert.match(await kubectlFails('apply', '-f', bad), /is invalid: metadata\.name: Invalid value: "Bad_Name"/);
});

test('get: each kind\'s table as tkctl prints it, -A, -o yaml|json, -w; rollout pause/resume; a stale replace is a Conflict', async () => {
  for (const kind of ['pods', 'deployments', 'replicasets', 'statefulsets', 'services', 'endpoints', 'nodes', 'events', 'namespaces', 'persistentvolumeclaims']) {
    const header = (out: string): string | undefined => out.split('\n')[0]?.replace(/\s+/g, ' ');
    assert.equal(header(await kubectl('get', kind, '-A')), header(await tkctl('get', kind, '-A')), kind);
  }
  assert.match(await kubectl('get', 'pods', '-A'), /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
  assert.match(await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'yaml'), /^kind: Deployment$/m);
  const asJson = JSON.parse(await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'json')) as Deployment;
  assert.equal(asJson.metadata.name, 'nginx-deployment');

  // -w prints the table, then a row for each change.
  const watcher = spawn('kubectl', ['--kubeconfig', cluster.kubeconfig, 'get', 'pods', '-w', '-l', 'run=watched']);
  let watched = '';
  watcher.stdout.on('data', (d: Buffer) => (watched += d.toString()));
  try {
    await kubectl('run', 'watched', '--image=busybox:1.35', '--', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done');
    await waitFor(() => /^watched\s+1\/1\s+Running/m.test(watched), { timeoutMs: 60_000, what: 'kubectl get -w showing the pod Running' });
  } finally {
    watcher.kill();
  }
  assert.match(watched, /^watched\s+0\/1\s+(Pending|ContainerCreating)/m);
  await kubectl('delete', 'pod', 'watched');

  assert.match(await kubectl('rollout', 'pause', 'deployment/nginx-deployment'), /deployment\.apps\/nginx-deployment paused/);
  assert.equal(await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'jsonpath={.spec.paused}'), 'true');
  assert.match(await kubectl('rollout', 'resume', 'deployment/nginx-deployment'), /deployment\.apps\/nginx-deployment resumed/);
  assert.equal(await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'jsonpath={.spec.paused}'), '');

  const stale = path.join(dir, 'stale.yaml');
  fs.writeFileSync(stale, await kubectl('get', 'deployment', 'nginx-deployment', '-o', 'yaml'));
  await kubectl('annotate', 'deployment', 'nginx-deployment', 'touched=yes');
  assert.match(
    await kubectlFails('replace', '-f', stale),
    /Error from server \(Conflict\): error when replacing ".*stale\.yaml": Operation cannot be fulfilled on deployments\.apps "nginx-deployment": the object has been modified; please apply your changes to the latest version and try again/,
  );
});

test('logs -c and --tail pick a container and its last lines; --previous reads the run before a restart', async () => {
  const file = path.join(dir, 'two.yaml');
  fs.writeFileSync(file, TWO_CONTAINERS);
  await kubectl('apply', '-f', file);
  await waitFor(async () => Number(await kubectl('get', 'pod', 'two', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="crashy")].restartCount}')) >= 1, { timeoutMs: 90_000, what: 'crashy restarted' });
  assert.equal(await kubectl('logs', 'two', '-c', 'steady', '--tail=2'), 'line-4\nline-5\n');
  assert.match(await kubectl('logs', 'two', '-c', 'crashy', '--previous'), /^run-at-[\d.]+ /);
  assert.match(await kubectlFails('logs', 'two', '-c', 'steady', '--previous'), /previous terminated container "steady" in pod "two" not found/);
  await kubectl('delete', 'pod', 'two', '--wait=false');
});

test('tkctl rollout pause, resume, restart, status, history and undo', async () => {
  await tkctl('rollout', 'pause', 'deployment/nginx-deployment');
  assert.equal((await cluster.api.get<Deployment>(R.deployments, 'default', 'nginx-deployment')).spec.paused, true);
  await tkctl('rollout', 'resume', 'deployment/nginx-deployment');
  assert.equal((await cluster.api.get<Deployment>(R.deployments, 'default', 'nginx-deployment')).spec.paused, undefined);
  await tkctl('rollout', 'restart', 'deployment/nginx-deployment');
  assert.match(await tkctl('rollout', 'status', 'deployment/nginx-deployment', '--timeout', '120'), /deployment "nginx-deployment" successfully rolled out/);
  assert.match(await tkctl('rollout', 'history', 'deployment/nginx-deployment'), /^5\s/m);
  assert.match(await tkctl('rollout', 'undo', 'deployment/nginx-deployment'), /rolled back/);
  await tkctl('rollout', 'status', 'deployment/nginx-deployment', '--timeout', '120');
  assert.match(await tkctl('rollout', 'history', 'deployment/nginx-deployment'), /^6\s/m);
});

test('exec runs a command in a pod on another host: output, exit code, stdin, and -it with a shell', async () => {
  await kubectl('run', 'shell', '--image=busybox:1.35', '--overrides={"spec":{"nodeName":"node-2"}}', '--', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done');
  await kubectl('wait', '--for=condition=Ready', 'pod/shell', '--timeout=60s');
  assert.equal((await kubectl('exec', 'shell', '--', 'hostname')).trim(), 'shell');
  assert.match(await kubectlFails('exec', 'shell', '--', 'sh', '-c', 'exit 3'), /command terminated with exit code 3/);
  const piped = await new Promise<string>((resolve, reject) => {
    const child = execFile('kubectl', ['--kubeconfig', cluster.kubeconfig, 'exec', '-i', 'shell', '--', 'sh', '-c', 'tr a-z A-Z'], (err, out) => (err ? reject(err) : resolve(out)));
    child.stdin?.end('through stdin\n');
  });
  assert.equal(piped, 'THROUGH STDIN\n');
  // -it needs a terminal: script(1) gives kubectl one.
  const tty = await new Promise<string>((resolve, reject) => {
    const child = execFile('script', ['-qec', `kubectl --kubeconfig ${cluster.kubeconfig} exec -it shell -- sh`, '/dev/null'], { timeout: 30_000 }, (err, out) => (err ? reject(err) : resolve(out)));
    child.stdin?.write('echo sum-$((40+2))\n');
    child.stdin?.end('exit 0\n');
  });
  assert.match(tty.replace(/\r/g, ''), /^sum-42$/m);
});

test('deleting a namespace removes everything in it, then the namespace (kubectl waits for it)', async () => {
  await kubectl('create', 'namespace', 'doomed');
  await kubectl('-n', 'doomed', 'create', 'deployment', 'd', '--image=busybox:1.35', '--replicas=2', '--', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done');
  await kubectl('-n', 'doomed', 'rollout', 'status', 'deployment/d', '--timeout=120s');
  await kubectl('delete', 'namespace', 'doomed', '--timeout=120s');
  assert.match(await kubectlFails('get', 'namespace', 'doomed'), /NotFound/);
  const left = (await cluster.api.list(R.pods, 'doomed')).items.length + (await cluster.api.list(R.replicasets, 'doomed')).items.length;
  assert.equal(left, 0);
});

type ClientNode = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

test('@kubernetes/client-node: list, create, patch, delete, Watch and informer', async () => {
  // The package is ESM-only; this test file is CommonJS.
  const k8s = (await import('@kubernetes/client-node')) as ClientNode;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const seen: string[] = [];
  const req = await new k8s.Watch(kc).watch(
    '/api/v1/namespaces/default/pods',
    { labelSelector: 'client=node' },
    (type: string, obj: { metadata?: { name?: string } }) => seen.push(`${type} ${obj.metadata?.name ?? ''}`),
    () => undefined,
  );
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default', labelSelector: 'client=node' }), 'client=node');
  const informed: string[] = [];
  informer.on('add', (p) => informed.push(p.metadata?.name ?? ''));
  await informer.start();
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'from-client-node', labels: { client: 'node' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.35', command: ['sleep', '3600'] }] } } });
  const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'client=node' });
  assert.deepEqual(list.items.map((p) => p.metadata?.name), ['from-client-node']);
  await core.patchNamespacedPod({ namespace: 'default', name: 'from-client-node', body: { metadata: { labels: { patched: 'yes' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  assert.equal((await core.readNamespacedPod({ namespace: 'default', name: 'from-client-node' })).metadata?.labels?.patched, 'yes');
  await core.deleteNamespacedPod({ namespace: 'default', name: 'from-client-node', gracePeriodSeconds: 0 });
  await waitFor(() => seen.some((s) => s === 'DELETED from-client-node') && informed.includes('from-client-node'), { what: 'watch and informer events' });
  assert.equal(seen[0], 'ADDED from-client-node');
  (req as { abort(): void }).abort();
  await informer.stop();
});

// The StatefulSet example of the Kubernetes documentation, with the local image tag.
const STATEFULSET = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx-sts
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: nginx-sts
  serviceName: "nginx"
  replicas: 2
  template:
    metadata:
      labels:
        app: nginx-sts
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: nginx:1.22
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
`;

test('a StatefulSet from the documentation: apply, rollout status, claims, history and undo; logs -f follows', async () => {
  const file = path.join(dir, 'statefulset.yaml');
  fs.writeFileSync(file, STATEFULSET);
  assert.match(await kubectl('apply', '-f', file), /statefulset\.apps\/web created/);
  assert.match(await kubectl('rollout', 'status', 'statefulset/web', '--timeout=120s'), /partitioned roll out complete|rolling update complete/);
  assert.match(await kubectl('get', 'pvc'), /www-web-0 .*Bound/);
  assert.match(await kubectl('get', 'pods', 'web-0', '-o', 'jsonpath={.spec.hostname}.{.spec.subdomain}'), /^web-0\.nginx$/);
  // A template change is revision 2; undo applies revision 1's patch, and revision 1 becomes 3.
  await kubectl('set', 'env', 'statefulset/web', 'GREETING=hello');
  await kubectl('rollout', 'status', 'statefulset/web', '--timeout=120s');
  assert.equal(await kubectl('get', 'pods', 'web-0', '-o', 'jsonpath={.spec.containers[0].env[0].value}'), 'hello');
  const before = await kubectl('rollout', 'history', 'statefulset/web');
  assert.match(before, /^1\s+<none>$/m);
  assert.match(before, /^2\s+<none>$/m);
  assert.match(await kubectl('rollout', 'undo', 'statefulset/web'), /statefulset\.apps\/web rolled back/);
  await kubectl('rollout', 'status', 'statefulset/web', '--timeout=120s');
  assert.equal(await kubectl('get', 'pods', 'web-0', 'web-1', '-o', 'jsonpath={.items[*].spec.containers[0].env}'), '');
  const after = await kubectl('rollout', 'history', 'statefulset/web');
  assert.match(after, /^3\s/m);
  assert.doesNotMatch(after, /^1\s/m);
  assert.equal((await tkctl('rollout', 'history', 'statefulset/web')).trim(), after.trim());
  await kubectl('run', 'ticker', '--image=busybox:1.35', '--', 'sh', '-c', 'i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.3; done');
  await kubectl('wait', '--for=condition=Ready', 'pod/ticker', '--timeout=60s');
  const child = spawn('kubectl', ['--kubeconfig', cluster.kubeconfig, 'logs', '-f', 'ticker']);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor(() => out.split('\n').filter((l) => l.startsWith('tick-')).length >= 6, { timeoutMs: 30_000, what: 'followed ticks' });
  } finally {
    child.kill();
  }
  assert.match(out, /^tick-0\ntick-1\n/);
});

test('apply --server-side: field managers, a conflict with kubectl scale as Kubernetes reports it, and --force-conflicts', async () => {
  const file = path.join(dir, 'ssa.yaml');
  fs.writeFileSync(file, DEPLOYMENT.replace(/nginx-deployment/g, 'ssa'));
  assert.match(await kubectl('apply', '--server-side', '-f', file), /deployment\.apps\/ssa serverside-applied/);
  assert.match(await kubectl('apply', '--server-side', '-f', file), /serverside-applied/);
  await kubectl('scale', 'deployment/ssa', '--replicas=5');
  assert.match(await kubectlFails('apply', '--server-side', '-f', file), /Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas/);
  assert.equal(await kubectl('get', 'deployment', 'ssa', '-o', 'jsonpath={.spec.replicas}'), '5', 'a refused apply changes nothing');
  await kubectl('apply', '--server-side', '--force-conflicts', '-f', file);
  assert.equal(await kubectl('get', 'deployment', 'ssa', '-o', 'jsonpath={.spec.replicas}'), '3');
  assert.equal(await kubectl('get', 'deployment', 'ssa', '-o', 'jsonpath={.metadata.managedFields[*].manager}'), 'kubectl');
});

test("the README's quick start runs verbatim (in a namespace of its own, set in a copy of the kubeconfig)", async () => {
  const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
  const block = /```sh\n(export KUBECONFIG=\$PWD\/\.tinykube\/kubeconfig\n[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the quick-start block starts with export KUBECONFIG');
  const kubeconfig = path.join(dir, 'quickstart-kubeconfig');
  fs.copyFileSync(cluster.kubeconfig, kubeconfig);
  await kubectl('create', 'namespace', 'quickstart');
  await run('kubectl', ['--kubeconfig', kubeconfig, 'config', 'set-context', '--current', '--namespace=quickstart']);
  const lines = block.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('export '));
  for (const line of lines) {
    let cmd = line;
    if (cmd.includes('<pod>')) {
      const pod = (await kubectl('get', 'pods', '-n', 'quickstart', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
      // -f follows for ever: bounded here, and ending by the bound counts as success.
      cmd = `timeout 5 ${cmd.replace('<pod>', pod)} || [ $? = 124 ]`;
    }
    await run('bash', ['-euo', 'pipefail', '-c', `cd ${REPO_DIR} && ${cmd}`], { KUBECONFIG: kubeconfig });
  }
  const pods = await kubectl('get', 'pods', '-n', 'quickstart', '-l', 'app=nginx', '-o', 'name');
  assert.equal(pods.trim().split('\n').length, 3, pods);
  assert.match(await kubectl('get', 'endpoints', 'nginx-deployment', '-n', 'quickstart'), /:80/);
  await kubectl('delete', 'namespace', 'quickstart', '--wait=false');
});

test('from inside a pod, its mounted ServiceAccount token reaches https://kubernetes.default.svc through the ClusterIP and is that account; once the pod is gone the token is refused', async () => {
  await kubectl('create', 'namespace', 'sa-e2e');
  await kubectl('create', 'serviceaccount', 'reader', '-n', 'sa-e2e');
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  // No cluster DNS yet: --resolve gives the name (the certificate's SAN) the Service's address.
  const script = `curl -sS --cacert ${sa}/ca.crt --resolve kubernetes.default.svc:443:$KUBERNETES_SERVICE_HOST -H "Authorization: Bearer $(cat ${sa}/token)" -H 'Content-Type: application/json' -X POST -d '${review}' https://kubernetes.default.svc/apis/authentication.k8s.io/v1/selfsubjectreviews; echo; echo "namespace=$(cat ${sa}/namespace)"; exec sleep 3600`;
  const file = path.join(dir, 'in-cluster.yaml');
  fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'in-cluster', namespace: 'sa-e2e' }, spec: { serviceAccountName: 'reader', containers: [{ name: 'c', image: 'curl:host', command: ['sh', '-c', script] }] } }));
  await kubectl('apply', '-f', file);
  const pod = JSON.parse(await kubectl('get', 'pod', 'in-cluster', '-n', 'sa-e2e', '-o', 'json')) as { spec: { volumes: { name: string; projected?: unknown }[]; containers: { volumeMounts: { mountPath: string }[] }[] } };
  assert.ok(pod.spec.volumes.some((v) => /^kube-api-access-/.test(v.name) && v.projected), 'ServiceAccount admission added the volume');
  assert.ok(pod.spec.containers[0]!.volumeMounts.some((m) => m.mountPath === sa));
  const out = await waitFor(async () => {
    const log = await cluster.log('sa-e2e', 'in-cluster');
    return log.includes('namespace=') ? log : undefined;
  }, { timeoutMs: 90_000, what: 'the in-cluster request' });
  const answer = JSON.parse(out.split('\n')[0]!) as { status?: { userInfo?: { username?: string; groups?: string[]; extra?: Record<string, string[]> } } };
  assert.equal(answer.status?.userInfo?.username, 'system:serviceaccount:sa-e2e:reader', out);
  assert.deepEqual(answer.status?.userInfo?.extra?.['authentication.kubernetes.io/pod-name'], ['in-cluster']);
  assert.match(out, /^namespace=sa-e2e$/m);

  // What the account may do is RBAC's: nothing until a RoleBinding grants view, then listing pods here only.
  const listPods = async (ns: string): Promise<string> =>
    (await kubectl('exec', '-n', 'sa-e2e', 'in-cluster', '--', 'sh', '-c', `curl -s -o /dev/null -w '%{http_code}' --cacert ${sa}/ca.crt --resolve kubernetes.default.svc:443:$KUBERNETES_SERVICE_HOST -H "Authorization: Bearer $(cat ${sa}/token)" https://kubernetes.default.svc/api/v1/namespaces/${ns}/pods`)).trim();
  assert.equal(await listPods('sa-e2e'), '403');
  await cluster.api.create<RoleBinding>(R.rolebindings, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader-view', namespace: 'sa-e2e' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'sa-e2e' }] });
  await waitFor(async () => ((await listPods('sa-e2e')) === '200' ? true : undefined), { timeoutMs: 20_000, what: 'the RoleBinding to let the account list pods' });
  assert.equal(await listPods('default'), '403', 'nothing in another namespace');

  const token = (await kubectl('exec', '-n', 'sa-e2e', 'in-cluster', '--', 'cat', `${sa}/token`)).trim();
  const whoami = async (): Promise<number> => (await tlsFetch({ ca: cluster.api.tls.ca })(`${cluster.file.apiserver}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: review })).status;
  assert.equal(await whoami(), 201);
  await kubectl('delete', 'pod', 'in-cluster', '-n', 'sa-e2e', '--wait=true');
  assert.equal(await whoami(), 401, 'the token of a deleted pod');
  await kubectl('delete', 'namespace', 'sa-e2e', '--wait=false');
});

test('RBAC on real hosts: view lists but creates nothing and sees no other namespace (kubectl auth can-i agrees); edit cannot grant itself cluster-admin; a kubelet cannot read another node\'s pod Secret, patch another Node or its pods\' status', async () => {
  const pki = path.join(cluster.plan.stateDir, 'pki');
  const ca = { cert: fs.readFileSync(path.join(pki, 'ca.crt'), 'utf8'), key: fs.readFileSync(path.join(pki, 'ca.key'), 'utf8') };
  const userKubeconfig = async (name: string): Promise<string> => {
    const id = await issueCertificate(ca, { commonName: name, usage: 'client' });
    const file = path.join(dir, `${name}.kubeconfig`);
    fs.writeFileSync(file, renderKubeconfig(cluster.file.apiserver, { ca: ca.cert, cert: id.cert, key: id.key }, 'tinykube', name), { mode: 0o600 });
    return file;
  };
  const as = (file: string, ...args: string[]): Promise<string> => run('kubectl', ['--kubeconfig', file, ...args]).catch((e: Error) => `failed: ${e.message}`);
  // can-i answers on stdout and says no with exit code 1.
  const canI = (file: string, ...args: string[]): Promise<string> => new Promise((resolve) => execFile('kubectl', ['--kubeconfig', file, 'auth', 'can-i', ...args], (err, stdout) => resolve(`${stdout.trim()} (exit ${err ? ((err as { code?: number }).code ?? 1) : 0})`)));
  await kubectl('create', 'namespace', 'rbac-e2e-a');
  await kubectl('create', 'namespace', 'rbac-e2e-b');
  // `kubectl create rolebinding` sends Kubernetes' protobuf; a manifest's binding goes as JSON.
  const binding = (name: string, role: string, user: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: 'rbac-e2e-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }] }) as RoleBinding;
  assert.match(await kubectl('create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice', '-n', 'rbac-e2e-a'), /rolebinding\.rbac\.authorization\.k8s\.io\/alice-view created/);
  const created = await cluster.api.get<RoleBinding>(R.rolebindings, 'rbac-e2e-a', 'alice-view');
  assert.deepEqual([created.roleRef, created.subjects], [binding('', 'view', 'alice').roleRef, binding('', 'view', 'alice').subjects]);
  await cluster.api.create<RoleBinding>(R.rolebindings, binding('eve-edit', 'edit', 'eve'));
  const alice = await userKubeconfig('alice');
  const eve = await userKubeconfig('eve');
  await waitFor(async () => ((await canI(alice, 'list', 'pods', '-n', 'rbac-e2e-a')) === 'yes (exit 0)' ? true : undefined), { timeoutMs: 20_000, what: 'alice to be able to list pods' });
  assert.equal(await canI(alice, 'create', 'pods', '-n', 'rbac-e2e-a'), 'no (exit 1)');
  assert.equal(await canI(alice, 'list', 'pods', '-n', 'rbac-e2e-b'), 'no (exit 1)');
  assert.match(await as(alice, 'get', 'pods', '-n', 'rbac-e2e-b'), /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "rbac-e2e-b"/);
  assert.match(await as(alice, 'run', 'x', '--image=busybox:1.35', '-n', 'rbac-e2e-a'), /pods is forbidden: User "alice" cannot create resource "pods"/);
  assert.match(await as(alice, 'auth', 'can-i', '--list', '-n', 'rbac-e2e-a'), /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  await waitFor(async () => ((await canI(eve, 'create', 'pods', '-n', 'rbac-e2e-a')) === 'yes (exit 0)' ? true : undefined), { timeoutMs: 20_000, what: 'eve to be an editor' });
  const root = path.join(dir, 'eve-root.json');
  fs.writeFileSync(root, JSON.stringify(binding('eve-root', 'cluster-admin', 'eve')));
  assert.match(await as(eve, 'create', '-f', root), /rolebindings\.rbac\.authorization\.k8s\.io is forbidden: User "eve" cannot create resource "rolebindings"/);

  // node-1's own kubelet certificate, against node-2's pod, Node and Secret.
  await kubectl('create', 'secret', 'generic', 'db', '--from-literal=password=x', '-n', 'rbac-e2e-a');
  const pod = path.join(dir, 'on-node-2.json');
  fs.writeFileSync(pod, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-node-2', namespace: 'rbac-e2e-a' }, spec: { nodeName: 'node-2', containers: [{ name: 'c', image: 'busybox:1.35', command: ['sleep', '3600'], env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] } }));
  await kubectl('apply', '-f', pod);
  const certDir = path.join(cluster.plan.stateDir, 'hosts', 'node-1', 'kubelet', 'pki');
  const node1 = tlsFetch({ ca: ca.cert, cert: fs.readFileSync(path.join(certDir, 'kubelet-client-current.crt'), 'utf8'), key: fs.readFileSync(path.join(certDir, 'kubelet-client-current.key'), 'utf8') });
  const call = async (method: string, p: string, body?: unknown) => {
    const r = await node1(`${cluster.file.apiserver}${p}`, { method, headers: { 'Content-Type': 'application/merge-patch+json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, message: ((await r.json()) as { message?: string }).message ?? '' };
  };
  const secret = await call('GET', '/api/v1/namespaces/rbac-e2e-a/secrets/db');
  assert.equal(secret.status, 403);
  assert.match(secret.message, /no relationship found between node 'node-1' and this object/);
  const patched = await call('PATCH', '/api/v1/nodes/node-2', { metadata: { labels: { stolen: 'yes' } } });
  assert.equal(patched.status, 403);
  assert.equal(patched.message, 'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
  const status = await call('PATCH', '/api/v1/namespaces/rbac-e2e-a/pods/on-node-2/status', { status: { conditions: [{ type: 'Ready', status: 'False' }] } });
  assert.equal(status.status, 403);
  assert.match(status.message, /node "node-1" can only update pod status for pods with spec.nodeName set to itself/);
  await kubectl('delete', 'namespace', 'rbac-e2e-a', 'rbac-e2e-b', '--wait=false');
});
