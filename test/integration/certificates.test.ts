// CertificateSigningRequests end to end against the real apiserver and the controller-manager's
// approver and signer: a node joining with a bootstrap token gets system:node:<name>, renews it
// with its own certificate, and cannot get another node's or a more powerful one; a person
// approves other requests with kubectl certificate approve.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { R, SIGNERS, type CertificateSigningRequest, type ConfigMap, type Node, type Secret } from '@tinykube/api';
import { CertificateManager, kubeletClientProfile, kubeletServingProfile, tlsFetch, type TlsIdentity } from '@tinykube/client';
import { CLUSTER_INFO_PATH, discoverCluster, ensureClusterInfo } from '@tinykube/hosts';
import { caCertHash, createCa, createCertificateRequest } from '@tinykube/pki';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startTestApi, waitFor, type TestCluster } from '../helpers';

const run = promisify(execFile);
let c: TestCluster;
const TOKEN = 'jointk.0123456789abcdef';

before(async () => {
  c = await startTestApi();
  await c.rest.create(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bootstrap-token-jointk', namespace: 'kube-system' }, type: 'bootstrap.kubernetes.io/token', stringData: { 'token-id': 'jointk', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true' } } as never);
});
after(async () => {
  await c?.stop();
});

type As = { token: string } | TlsIdentity;

function client(as: As) {
  const f = 'token' in as ? tlsFetch({ ca: c.pki.admin.ca }) : tlsFetch(as);
  const headers: Record<string, string> = 'token' in as ? { Authorization: `Bearer ${as.token}` } : {};
  return (path: string, init: { method?: string; body?: unknown } = {}) =>
    f(`${c.api.url}${path}`, { method: init.method ?? 'GET', headers: { ...headers, 'Content-Type': 'application/json' }, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
}

async function request(as: As, name: string, subject: { commonName: string; organizations?: string[]; dnsNames?: string[]; ipAddresses?: string[] }, signerName: string = SIGNERS.kubeletClient, usages = ['digital signature', 'key encipherment', 'client auth']) {
  const { request: pem, key } = await createCertificateRequest(subject);
  const res = await client(as)('/apis/certificates.k8s.io/v1/certificatesigningrequests', {
    method: 'POST',
    body: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request: Buffer.from(pem).toString('base64'), signerName, usages, username: 'kubernetes-admin', groups: ['system:masters'] } },
  });
  return { status: res.status, csr: (await res.json()) as CertificateSigningRequest & { message?: string }, key };
}

const issued = (name: string): Promise<string> =>
  waitFor(async () => {
    const csr = await c.rest.get<CertificateSigningRequest>(R.csrs, undefined, name);
    return csr.status?.certificate ? Buffer.from(csr.status.certificate, 'base64').toString('utf8') : undefined;
  }, { what: `a certificate for ${name}`, timeoutMs: 15_000 });

async function whoami(id: TlsIdentity): Promise<{ username: string; groups: string[] } | number> {
  const res = await client(id)('/apis/authentication.k8s.io/v1/selfsubjectreviews', { method: 'POST', body: {} });
  return res.status === 201 ? ((await res.json()) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo : res.status;
}

test('a node joins with a bootstrap token: its CSR records the real requester, is approved and signed, and the certificate is system:node:<name>; it renews with that certificate', async () => {
  const first = await request({ token: TOKEN }, 'node-9-a', { commonName: 'system:node:node-9', organizations: ['system:nodes'] });
  assert.equal(first.status, 201, JSON.stringify(first.csr));
  assert.equal(first.csr.spec.username, 'system:bootstrap:jointk', 'the apiserver, not the client, says who asked');
  assert.deepEqual(first.csr.spec.groups, ['system:bootstrappers', 'system:authenticated']);
  const cert = await issued('node-9-a');
  const node = { ca: c.pki.admin.ca, cert, key: first.key };
  assert.deepEqual(await whoami(node), { username: 'system:node:node-9', groups: ['system:nodes', 'system:authenticated'] });
  const approved = (await c.rest.get<CertificateSigningRequest>(R.csrs, undefined, 'node-9-a')).status?.conditions?.find((x) => x.type === 'Approved');
  assert.equal(approved?.reason, 'AutoApproved');

  // Renewal: the node asks for itself with its current certificate.
  const renewal = await request(node, 'node-9-b', { commonName: 'system:node:node-9', organizations: ['system:nodes'] });
  assert.equal(renewal.csr.spec.username, 'system:node:node-9');
  const renewed = await issued('node-9-b');
  assert.notEqual(renewed, cert);
  assert.deepEqual(await whoami({ ca: c.pki.admin.ca, cert: renewed, key: renewal.key }), { username: 'system:node:node-9', groups: ['system:nodes', 'system:authenticated'] });

  // Not approved: a node asking for another node, a bootstrapper asking for system:masters.
  await request(node, 'node-9-for-node-10', { commonName: 'system:node:node-10', organizations: ['system:nodes'] });
  await request({ token: TOKEN }, 'grab-masters', { commonName: 'system:node:node-11', organizations: ['system:masters'] });
  await request({ token: TOKEN }, 'node-12', { commonName: 'system:node:node-12', organizations: ['system:nodes'] });
  await issued('node-12');
  for (const name of ['node-9-for-node-10', 'grab-masters']) {
    const csr = await c.rest.get<CertificateSigningRequest>(R.csrs, undefined, name);
    assert.equal(csr.status?.conditions, undefined, `${name} waits for a person`);
    assert.equal(csr.status?.certificate, undefined);
  }
});

test('kubectl certificate approve signs a request to kube-apiserver-client; kubectl get csr shows it as Kubernetes does', async () => {
  const alice = await request(c.pki.admin, 'alice', { commonName: 'alice', organizations: ['dev'] }, SIGNERS.apiserverClient, ['client auth']);
  assert.equal(alice.status, 201);
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', c.kubeconfig, ...args]);
  assert.match((await kubectl('get', 'csr', 'alice')).stdout, /alice\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+<none>\s+Pending/);
  assert.match((await kubectl('certificate', 'approve', 'alice')).stdout, /certificatesigningrequest.certificates.k8s.io\/alice approved/);
  const cert = await issued('alice');
  assert.deepEqual(await whoami({ ca: c.pki.admin.ca, cert, key: alice.key }), { username: 'alice', groups: ['dev', 'system:authenticated'] });
  assert.match((await kubectl('get', 'csr', 'alice')).stdout, /Approved,Issued/);
  await kubectl('certificate', 'deny', 'node-9-for-node-10');
  const denied = await c.rest.get<CertificateSigningRequest>(R.csrs, undefined, 'node-9-for-node-10');
  assert.equal(denied.status?.conditions?.[0]?.type, 'Denied');
});

test('bad requests are 422 with the field named; the spec is immutable', async () => {
  const admin = client(c.pki.admin);
  const bad = await admin('/apis/certificates.k8s.io/v1/certificatesigningrequests', { method: 'POST', body: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'bad' }, spec: { request: Buffer.from('hello').toString('base64'), signerName: 'nope', usages: ['flying'] } } });
  assert.equal(bad.status, 422);
  const text = await bad.text();
  assert.match(text, /spec.request: Invalid value: \\"<request>\\": PEM block type must be CERTIFICATE REQUEST/);
  assert.match(text, /spec.signerName: Invalid value: \\"nope\\"/);
  assert.match(text, /spec.usages\[0\]: Unsupported value: \\"flying\\"/);
  const csr = await c.rest.get<CertificateSigningRequest>(R.csrs, undefined, 'alice');
  const changed = await admin('/apis/certificates.k8s.io/v1/certificatesigningrequests/alice', { method: 'PUT', body: { ...csr, spec: { ...csr.spec, usages: ['client auth', 'server auth'] } } });
  assert.equal(changed.status, 422);
  assert.match(await changed.text(), /spec: Invalid value: \\"<spec>\\": field is immutable/);
});

test("the kubelet's certificate manager bootstraps with the token, keeps the certificate in its cert dir and reuses it; without a token and a certificate it says what is missing", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-certdir-'));
  try {
    const log = pino({ level: 'silent' });
    const manager = new CertificateManager({ profile: kubeletClientProfile('node-7'), certDir: dir, server: c.api.url, ca: c.pki.admin.ca, bootstrapToken: TOKEN, log });
    const id = await manager.identity();
    assert.deepEqual(await whoami(id), { username: 'system:node:node-7', groups: ['system:nodes', 'system:authenticated'] });
    assert.equal(fs.statSync(path.join(dir, 'kubelet-client-current.key')).mode & 0o777, 0o600);
    const again = await new CertificateManager({ profile: kubeletClientProfile('node-7'), certDir: dir, server: c.api.url, ca: c.pki.admin.ca, log }).identity();
    assert.equal(again.cert, id.cert, 'the kept certificate, no new request');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-certdir-'));
    await assert.rejects(new CertificateManager({ profile: kubeletClientProfile('node-8'), certDir: empty, server: c.api.url, ca: c.pki.admin.ca, log }).identity(), /no valid kubelet-client certificate in .* and no bootstrap token/);
    fs.rmSync(empty, { recursive: true, force: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a node's serving certificate: approved when it names the node and its Node's addresses, asked by that node; otherwise it waits", async () => {
  await c.rest.create(R.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-20' } } as never);
  const node = await c.rest.get<Node>(R.nodes, undefined, 'node-20');
  await c.rest.updateStatus<Node>(R.nodes, { ...node, status: { addresses: [{ type: 'InternalIP', address: '10.9.9.20' }, { type: 'Hostname', address: 'node-20' }] } });
  const log = pino({ level: 'silent' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-certdir-'));
  try {
    const client = await new CertificateManager({ profile: kubeletClientProfile('node-20'), certDir: dir, server: c.api.url, ca: c.pki.admin.ca, bootstrapToken: TOKEN, log }).identity();
    const serving = await new CertificateManager({ profile: kubeletServingProfile('node-20', '10.9.9.20'), certDir: dir, server: c.api.url, ca: c.pki.admin.ca, requester: () => client, log }).identity();
    const cert = new X509Certificate(serving.cert);
    assert.equal(cert.checkIP('10.9.9.20'), '10.9.9.20');
    assert.equal(cert.checkHost('node-20'), 'node-20');
    assert.ok(fs.existsSync(path.join(dir, 'kubelet-server-current.crt')));
    const approved = (await c.rest.list<CertificateSigningRequest>(R.csrs)).items.find((x) => x.spec.signerName === SIGNERS.kubeletServing && x.spec.username === 'system:node:node-20');
    assert.match(approved?.status?.conditions?.[0]?.message ?? '', /kubelet serving certificate/);

    // Another address, another node's name, or asked by a bootstrapper: left for a person.
    const servingUsages = ['digital signature', 'server auth'];
    await request(client, 'serve-other-ip', { commonName: 'system:node:node-20', organizations: ['system:nodes'], ipAddresses: ['10.9.9.99'] }, SIGNERS.kubeletServing, servingUsages);
    await request(client, 'serve-other-node', { commonName: 'system:node:node-21', organizations: ['system:nodes'], dnsNames: ['node-21'] }, SIGNERS.kubeletServing, servingUsages);
    await request({ token: TOKEN }, 'serve-by-bootstrapper', { commonName: 'system:node:node-20', organizations: ['system:nodes'], ipAddresses: ['10.9.9.20'] }, SIGNERS.kubeletServing, servingUsages);
    // tk-proxy's certificate from a bootstrapper is approved; one that also asks for a group is not.
    const proxy = await request({ token: TOKEN }, 'kube-proxy-1', { commonName: 'system:kube-proxy' }, SIGNERS.apiserverClient, ['digital signature', 'client auth']);
    assert.deepEqual(await whoami({ ca: c.pki.admin.ca, cert: await issued('kube-proxy-1'), key: proxy.key }), { username: 'system:kube-proxy', groups: ['system:authenticated'] });
    await request({ token: TOKEN }, 'kube-proxy-masters', { commonName: 'system:kube-proxy', organizations: ['system:masters'] }, SIGNERS.apiserverClient, ['digital signature', 'client auth']);
    for (const name of ['serve-other-ip', 'serve-other-node', 'serve-by-bootstrapper', 'kube-proxy-masters']) {
      const csr = await c.rest.get<CertificateSigningRequest>(R.csrs, undefined, name);
      assert.equal(csr.status?.conditions, undefined, `${name} waits for a person`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('token discovery: cluster-info is readable without credentials and signed with the token; a node trusts it only with the right token and CA pin', async () => {
  const anonymous = tlsFetch({ ca: c.pki.admin.ca });
  await ensureClusterInfo(c.rest, c.api.url, c.pki.admin.ca);
  assert.equal((await anonymous(`${c.api.url}/api/v1/namespaces/kube-public/configmaps/kube-root-ca.crt`)).status, 401, 'nothing else in kube-public');
  // The token of this file becomes one that signs.
  const held = await c.rest.get<Secret>(R.secrets, 'kube-system', 'bootstrap-token-jointk');
  await c.rest.update<Secret>(R.secrets, { ...held, data: { ...held.data, 'usage-bootstrap-signing': Buffer.from('true').toString('base64') } });
  const signed = await waitFor(async () => {
    const r = await anonymous(`${c.api.url}${CLUSTER_INFO_PATH}`);
    const cm = (await r.json()) as ConfigMap;
    return cm.data?.['jws-kubeconfig-jointk'] ? cm : undefined;
  }, { what: 'the bootstrap signer to sign cluster-info', timeoutMs: 15_000 });
  assert.match(signed.data?.['jws-kubeconfig-jointk'] ?? '', /^[\w-]+\.\.[\w-]+$/, 'a detached JWS');
  const address = new URL(c.api.url).host;
  const pin = caCertHash(c.pki.admin.ca);
  const found = await discoverCluster({ apiserver: address, token: TOKEN, caCertHashes: [pin] });
  assert.equal(found.server, c.api.url);
  assert.equal(found.ca, c.pki.admin.ca);
  const other = await createCa('another-ca');
  await assert.rejects(discoverCluster({ apiserver: address, token: TOKEN, caCertHashes: [caCertHash(other.cert)] }), /cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
  await assert.rejects(discoverCluster({ apiserver: address, token: 'jointk.ffffffffffffffff', caCertHashes: [pin] }), /failed to verify JWS signature/);
  await assert.rejects(discoverCluster({ apiserver: address, token: 'nosuch.0123456789abcdef', caCertHashes: [pin], timeoutMs: 1000 }), /no JWS signed token in the cluster-info ConfigMap. This token id "nosuch" is invalid/);
  // A token that is deleted loses its signature.
  await c.rest.delete(R.secrets, 'kube-system', 'bootstrap-token-jointk');
  await waitFor(async () => !(await c.rest.get<ConfigMap>(R.configmaps, 'kube-public', 'cluster-info')).data?.['jws-kubeconfig-jointk'], { what: 'the signature of the deleted token to go', timeoutMs: 15_000 });
});
