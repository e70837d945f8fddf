import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { R, SIGNERS, type CertificateSigningRequest, type Node, type Secret } from '@tinykube/api';
import { createCa, createCertificateRequest } from '@tinykube/pki';
import type { FakeApiClient } from '@tinykube/client';
import { startOnFake, until } from './fake-cluster';
import { kubeletClientPermission, notKubeletClient, notKubeletServing, notKubeProxyClient } from '../src/controllers/csr-approving';
import { signingTokens } from '../src/controllers/bootstrap-signer';

async function csr(subject: { commonName: string; organizations?: string[]; ipAddresses?: string[]; dnsNames?: string[] }, requester: { username: string; groups: string[] }, o: { signerName?: string; usages?: string[] } = {}): Promise<CertificateSigningRequest> {
  const { request } = await createCertificateRequest(subject);
  return { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'x' }, spec: { request: Buffer.from(request).toString('base64'), signerName: o.signerName ?? SIGNERS.kubeletClient, usages: o.usages ?? ['digital signature', 'client auth'], ...requester } };
}

const node = { commonName: 'system:node:n1', organizations: ['system:nodes'] };
const bootstrapper = { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] };

test('the kubelet client approver: exactly system:node:<name> in system:nodes, client usages, no SANs; RBAC is asked about selfnodeclient for the node itself, nodeclient for anyone else', async () => {
  assert.equal(notKubeletClient(await csr(node, bootstrapper)), undefined);
  assert.equal(kubeletClientPermission(await csr(node, bootstrapper)), 'nodeclient');
  assert.equal(kubeletClientPermission(await csr(node, { username: 'system:node:n1', groups: ['system:nodes'] })), 'selfnodeclient');
  assert.equal(kubeletClientPermission(await csr(node, { username: 'system:node:n2', groups: ['system:nodes'] })), 'nodeclient');
  assert.equal(notKubeletClient(await csr({ ...node, organizations: ['system:nodes', 'system:masters'] }, bootstrapper)), 'O is not exactly system:nodes');
  assert.equal(notKubeletClient(await csr({ commonName: 'admin', organizations: ['system:nodes'] }, bootstrapper)), 'CN is not system:node:<name>');
  assert.equal(notKubeletClient(await csr({ ...node, ipAddresses: ['10.0.0.1'] }, bootstrapper)), 'has subject alternative names');
  assert.equal(notKubeletClient(await csr(node, bootstrapper, { usages: ['client auth', 'server auth'] })), 'usages are not client auth');
  assert.equal(notKubeletClient(await csr(node, bootstrapper, { signerName: SIGNERS.apiserverClient })), 'another signer');
});

test('csrapproving and csrsigning over the fake API: a bootstrapper\'s kubelet request is approved and signed by the CA for the requester\'s key; one RBAC does not allow stays pending', async () => {
  const ca = await createCa('test-ca');
  const good = await csr(node, bootstrapper);
  const other = await csr({ commonName: 'system:node:n2', organizations: ['system:nodes'] }, { username: 'system:node:n1', groups: ['system:nodes'] });
  const asked: string[] = [];
  // The bootstrap bindings: bootstrappers may ask for new node certificates, nodes renew their own.
  const rbac = (api: FakeApiClient): void => {
    api.allows = (r) => {
      const sub = r.spec.resourceAttributes?.subresource ?? '';
      asked.push(`${r.spec.user} ${sub}`);
      return (sub === 'nodeclient' && !!r.spec.groups?.includes('system:bootstrappers')) || (sub === 'selfnodeclient' && !!r.spec.groups?.includes('system:nodes'));
    };
  };
  const c = await startOnFake(['csrapproving', 'csrsigning'], [[R.csrs, { ...good, metadata: { name: 'good' } }], [R.csrs, { ...other, metadata: { name: 'other' } }]], { clusterSigning: { cert: ca.cert, key: ca.key, durationMs: 3600_000 } }, rbac);
  try {
    const signed = await until('a certificate', () => c.api.find<CertificateSigningRequest>(R.csrs, undefined, 'good')?.status?.certificate);
    const cert = new X509Certificate(Buffer.from(signed, 'base64'));
    assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
    assert.equal(c.api.find<CertificateSigningRequest>(R.csrs, undefined, 'good')?.status?.conditions?.[0]?.reason, 'AutoApproved');
    await until('the other one reviewed', () => asked.includes('system:node:n1 nodeclient'));
    assert.equal(c.api.find<CertificateSigningRequest>(R.csrs, undefined, 'other')?.status?.conditions, undefined);
    assert.ok(asked.includes('system:bootstrap:abcdef nodeclient'));
  } finally {
    await c.stop();
  }
});

test('the kubelet serving approver: asked by system:node:<name> for itself, naming only <name> and addresses its Node reports, server usages', async () => {
  const nodes = (name: string): Node | undefined => (name === 'n1' ? { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } } : undefined);
  const self = { username: 'system:node:n1', groups: ['system:nodes'] };
  const serving = { signerName: SIGNERS.kubeletServing, usages: ['digital signature', 'server auth'] };
  assert.equal(notKubeletServing(await csr({ ...node, dnsNames: ['n1'], ipAddresses: ['10.0.0.1'] }, self, serving), nodes), undefined);
  assert.equal(notKubeletServing(await csr({ ...node, ipAddresses: ['10.0.0.2'] }, self, serving), nodes), "an IP address that is not the Node's");
  assert.equal(notKubeletServing(await csr({ ...node, dnsNames: ['n2'] }, self, serving), nodes), 'a DNS name other than the node name');
  assert.equal(notKubeletServing(await csr({ ...node, ipAddresses: ['10.0.0.1'] }, bootstrapper, serving), nodes), 'not asked by that node');
  assert.equal(notKubeletServing(await csr(node, self, serving), nodes), 'names no address');
  assert.equal(notKubeletServing(await csr({ ...node, ipAddresses: ['10.0.0.1'] }, self, { ...serving, usages: ['server auth', 'client auth'] }), nodes), 'usages are not server auth');
  assert.equal(notKubeletServing(await csr({ commonName: 'system:node:n3', organizations: ['system:nodes'], ipAddresses: ['10.0.0.1'] }, { username: 'system:node:n3', groups: ['system:nodes'] }, serving), nodes), "an IP address that is not the Node's", 'no Node yet: no address is known');
});

test('the kube-proxy approver: exactly CN=system:kube-proxy with client usages, from a bootstrapper or kube-proxy itself', async () => {
  const proxy = { commonName: 'system:kube-proxy' };
  const client = { signerName: SIGNERS.apiserverClient };
  assert.equal(notKubeProxyClient(await csr(proxy, bootstrapper, client)), undefined);
  assert.equal(notKubeProxyClient(await csr(proxy, { username: 'system:kube-proxy', groups: ['system:authenticated'] }, client)), undefined);
  assert.equal(notKubeProxyClient(await csr(proxy, { username: 'alice', groups: ['system:authenticated'] }, client)), 'the requester is neither a bootstrapper nor kube-proxy');
  assert.equal(notKubeProxyClient(await csr({ ...proxy, organizations: ['system:masters'] }, bootstrapper, client)), 'subject is not exactly CN=system:kube-proxy');
  assert.equal(notKubeProxyClient(await csr({ commonName: 'admin' }, bootstrapper, client)), 'subject is not exactly CN=system:kube-proxy');
  assert.equal(notKubeProxyClient(await csr(proxy, bootstrapper)), 'another signer');
});

test('the bootstrap signer signs with tokens of kube-system that allow signing and have not expired', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const token = (id: string, extra: Record<string, string> = {}, ns = 'kube-system'): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `bootstrap-token-${id}`, namespace: ns }, type: 'bootstrap.kubernetes.io/token', data: Object.fromEntries(Object.entries({ 'token-id': id, 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true', ...extra }).map(([k, v]) => [k, b64(v)])) });
  const now = Date.parse('2026-01-01T00:00:00Z');
  const { tokens, nextExpiry } = signingTokens([token('aaaaaa'), token('bbbbbb', { 'usage-bootstrap-signing': 'false' }), token('cccccc', { expiration: '2025-12-31T00:00:00Z' }), token('dddddd', { expiration: '2026-01-02T00:00:00Z' }), token('eeeeee', {}, 'default')], now);
  assert.deepEqual([...tokens.keys()], ['aaaaaa', 'dddddd']);
  assert.equal(nextExpiry, Date.parse('2026-01-02T00:00:00Z'));
});
