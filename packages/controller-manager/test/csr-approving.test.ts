import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { SIGNERS, type CertificateSigningRequest } from '@tinykube/api';
import { createCertificateRequest } from '@tinykube/pki';
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
