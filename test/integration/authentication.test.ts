// TLS and authentication at every door: the apiserver's REST (401 in Kubernetes' shape, the
// public info paths open to anonymous users unless --anonymous-auth=false), its gRPC (mutual
// TLS), and the kubelet's API (the apiserver's kubelet-client certificate only).
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { R, type Pod } from '@tinykube/api';
import { startApiserver } from '@tinykube/apiserver';
import { GrpcClient, RestClient, tlsFetch } from '@tinykube/client';
import { pkiFiles } from '@tinykube/hosts';
import { startKubeletServer } from '@tinykube/kubelet';
import { createCa, issueCertificate } from '@tinykube/pki';
import * as fs from 'node:fs';
import { startTestApi, type TestCluster } from '../helpers';

let c: TestCluster;

before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
});

test('REST: no client certificate is a 401 Status, except /healthz, /livez, /readyz and /version; the admin certificate is served', async () => {
  const res = await c.anonymous(`${c.api.url}/api/v1/namespaces/default/pods`);
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  for (const path of ['/healthz', '/livez', '/readyz', '/version']) assert.equal((await c.anonymous(`${c.api.url}${path}`)).status, 200, path);
  // system:public-info-viewer names these paths only, not their named checks.
  for (const [method, path] of [['POST', '/api/v1/namespaces/default/pods'], ['GET', '/apis'], ['GET', '/metrics'], ['GET', '/openapi/v3'], ['GET', '/readyz/etcd']] as const) {
    assert.equal((await c.anonymous(`${c.api.url}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) })).status, 401, `${method} ${path}`);
  }
  assert.equal((await c.fetch(`${c.api.url}/api/v1/namespaces/default/pods`)).status, 200);
});

test('REST: a client that does not trust the cluster CA fails the handshake; a certificate of another CA, or an expired one, is a 401', async () => {
  const untrusting = await fetch(`${c.api.url}/version`).then(
    () => 'answered',
    (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
  );
  assert.match(untrusting, /SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify/i);
  const other = await createCa('someone-else');
  const foreign = await issueCertificate(other, { commonName: 'mallory', organizations: ['system:masters'], usage: 'client' });
  const ownCa = { cert: c.pki.serving.clientCa, key: fs.readFileSync(pkiFiles(c.pki.dir).key('ca'), 'utf8') };
  const expired = await issueCertificate(ownCa, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client', validForMs: -1000 });
  for (const [what, id] of [['another CA', foreign], ['expired', expired]] as const) {
    const res = await tlsFetch({ ca: c.pki.admin.ca, cert: id.cert, key: id.key })(`${c.api.url}/api/v1/namespaces/default/pods`);
    assert.equal(res.status, 401, what);
  }
  // A server certificate is not a client one: the apiserver's own key pair does not authenticate.
  const server = await tlsFetch({ ca: c.pki.admin.ca, cert: c.pki.serving.cert, key: c.pki.serving.key })(`${c.api.url}/api/v1/namespaces/default/pods`);
  assert.equal(server.status, 401);
});

test('gRPC: mutual TLS; without a client certificate, or with a foreign one, no call gets through', async () => {
  const other = await createCa('someone-else');
  const foreign = await issueCertificate(other, { commonName: 'mallory', usage: 'client' });
  for (const [what, id] of [['no certificate', { ca: c.pki.admin.ca }], ['another CA', { ca: c.pki.admin.ca, cert: foreign.cert, key: foreign.key }]] as const) {
    const client = new GrpcClient(c.api.grpcAddress, id, 3000);
    try {
      await assert.rejects(client.list(R.pods, 'default'), (err: Error & { status?: { code?: number } }) => err.status?.code === 503 || /UNAVAILABLE|handshake|certificate|deadline/i.test(err.message), what);
    } finally {
      client.close();
    }
  }
  const scheduler = new GrpcClient(c.api.grpcAddress, c.pki.identity('scheduler'));
  try {
    assert.ok(Array.isArray((await scheduler.list<Pod>(R.pods, 'default')).items));
  } finally {
    scheduler.close();
  }
});

test('--anonymous-auth=false: the public info paths need a certificate too', async () => {
  const closed = await startApiserver({
    etcdServers: [c.etcd.url],
    bindAddress: '127.0.0.1',
    port: 0,
    grpcPort: 0,
    serviceCidr: '10.96.0.0/16',
    nodePortRange: [30000, 32767],
    compactionIntervalMs: 0,
    tls: c.pki.serving,
    serviceAccount: c.pki.serviceAccount,
    anonymousAuth: false,
    log: pino({ level: 'silent' }),
    metricsRegistry: new Registry(),
  });
  try {
    assert.equal((await c.anonymous(`${closed.url}/healthz`)).status, 401);
    assert.equal((await c.anonymous(`${closed.url}/version`)).status, 401);
    assert.equal((await new RestClient(closed.url, { tls: c.pki.admin }).list(R.namespaces)).items.length > 0, true);
  } finally {
    await closed.stop();
  }
});

test("the kubelet's API: only the apiserver's kubelet-client certificate (or system:masters) may use it; others are 401 or 403", async () => {
  const f = pkiFiles(c.pki.dir);
  const server = await startKubeletServer({
    address: '127.0.0.1',
    port: 0,
    tls: { cert: fs.readFileSync(f.crt('kubelet-node-1-serving'), 'utf8'), key: fs.readFileSync(f.key('kubelet-node-1-serving'), 'utf8'), clientCa: c.pki.admin.ca },
    metrics: new Registry(),
    log: pino({ level: 'silent' }),
    healthy: () => true,
    logs: () => Promise.reject(Object.assign(new Error('container "c" in pod "p" is waiting to start'), { code: 400 })),
    exec: (_req, socket) => socket.end(),
    portForward: (_req, socket) => socket.end(),
  });
  try {
    const url = `https://127.0.0.1:${server.address().port}`;
    const as = (name?: string) => tlsFetch(name ? c.pki.identity(name) : { ca: c.pki.admin.ca });
    assert.equal((await as()(`${url}/healthz`)).status, 200);
    assert.equal((await as()(`${url}/containerLogs/default/p/c`)).status, 401);
    assert.equal((await as('scheduler')(`${url}/containerLogs/default/p/c`)).status, 403);
    assert.equal((await as('kubelet-node-1')(`${url}/metrics`)).status, 403, 'another node');
    const ok = await as('apiserver-kubelet-client')(`${url}/containerLogs/default/p/c`);
    assert.equal(ok.status, 400, 'past authentication, the kubelet answers the request itself');
    assert.match(await ok.text(), /waiting to start/);
  } finally {
    server.close();
  }
});

test('bootstrap tokens: <id>.<secret> of a bootstrap-token-<id> Secret authenticates as system:bootstrap:<id> in system:bootstrappers; a wrong secret, an expired token or one not for authentication is a 401', async () => {
  const secret = (id: string, data: Record<string, string>) =>
    c.rest.create(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' }, type: 'bootstrap.kubernetes.io/token', stringData: { 'token-id': id, ...data } } as never);
  await secret('abcdef', { 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token', expiration: new Date(Date.now() + 3600_000).toISOString() });
  await secret('oldold', { 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', expiration: '2020-01-01T00:00:00Z' });
  await secret('signin', { 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true' });
  const whoami = async (token: string): Promise<unknown> => {
    const res = await c.anonymous(`${c.api.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' });
    return res.status === 201 ? ((await res.json()) as { status: { userInfo: unknown } }).status.userInfo : res.status;
  };
  assert.deepEqual(await whoami('abcdef.0123456789abcdef'), { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] });
  assert.equal(await whoami('abcdef.0123456789abcdeX'), 401, 'wrong secret');
  assert.equal(await whoami('abcdef.fedcba9876543210'), 401, 'wrong secret');
  assert.equal(await whoami('oldold.0123456789abcdef'), 401, 'expired');
  assert.equal(await whoami('signin.0123456789abcdef'), 401, 'not for authentication');
  assert.equal(await whoami('nosuch.0123456789abcdef'), 401, 'no Secret');
});
