import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { R, SIGNERS, type CertificateSigningRequest } from '@tinykube/api';
import { createCa, createCertificateRequest } from '@tinykube/pki';
import { startOnFake, until } from './fake-cluster';
import { notKubeletClient } from '../src/controllers/csr-approving';

async function csr(subject: { commonName: string; organizations?: string[]; ipAddresses?: string[] }, requester: { username: string; groups: string[] }, o: { signerName?: string; usages?: string[] } = {}): Promise<CertificateSigningRequest> {
  const { request } = await createCertificateRequest(subject);
  return { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'x' }, spec: { request: Buffer.from(request).toString('base64'), signerName: o.signerName ?? SIGNERS.kubeletClient, usages: o.usages ?? ['digital signature', 'client auth'], ...requester } };
}

const node = { commonName: 'system:node:n1', organizations: ['system:nodes'] };
const bootstrapper = { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] };

test('the kubelet client approver: a bootstrapper or the node itself, exactly system:node:<name> in system:nodes, client usages, no SANs', async () => {
  assert.equal(notKubeletClient(await csr(node, bootstrapper)), undefined);
  assert.equal(notKubeletClient(await csr(node, { username: 'system:node:n1', groups: ['system:nodes'] })), undefined);
  assert.equal(notKubeletClient(await csr(node, { username: 'system:node:n2', groups: ['system:nodes'] })), 'the requester is neither a bootstrapper nor that node');
  assert.equal(notKubeletClient(await csr({ ...node, organizations: ['system:nodes', 'system:masters'] }, bootstrapper)), 'O is not exactly system:nodes');
  assert.equal(notKubeletClient(await csr({ commonName: 'admin', organizations: ['system:nodes'] }, bootstrapper)), 'CN is not system:node:<name>');
  assert.equal(notKubeletClient(await csr({ ...node, ipAddresses: ['10.0.0.1'] }, bootstrapper)), 'has subject alternative names');
  assert.equal(notKubeletClient(await csr(node, bootstrapper, { usages: ['client auth', 'server auth'] })), 'usages are not client auth');
  assert.equal(notKubeletClient(await csr(node, bootstrapper, { signerName: SIGNERS.apiserverClient })), 'another signer');
});

test('csrapproving and csrsigning over the fake API: a bootstrapper\'s kubelet request is approved and signed by the CA for the requester\'s key; another stays pending', async () => {
  const ca = await createCa('test-ca');
  const good = await csr(node, bootstrapper);
  const other = await csr({ commonName: 'system:node:n2', organizations: ['system:nodes'] }, { username: 'system:node:n1', groups: ['system:nodes'] });
  const c = await startOnFake(['csrapproving', 'csrsigning'], [[R.csrs, { ...good, metadata: { name: 'good' } }], [R.csrs, { ...other, metadata: { name: 'other' } }]], { clusterSigning: { cert: ca.cert, key: ca.key, durationMs: 3600_000 } });
  try {
    const signed = await until('a certificate', () => c.api.find<CertificateSigningRequest>(R.csrs, undefined, 'good')?.status?.certificate);
    const cert = new X509Certificate(Buffer.from(signed, 'base64'));
    assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
    assert.equal(c.api.find<CertificateSigningRequest>(R.csrs, undefined, 'good')?.status?.conditions?.[0]?.reason, 'AutoApproved');
    assert.equal(c.api.find<CertificateSigningRequest>(R.csrs, undefined, 'other')?.status?.conditions, undefined);
  } finally {
    await c.stop();
  }
});
