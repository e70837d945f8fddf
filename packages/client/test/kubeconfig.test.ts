import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadKubeconfig, renderBootstrapKubeconfig, renderKubeconfig } from '../src';

test('kubeconfigs round-trip: the admin one with its certificate inline, the bootstrap one with its token; certificate files resolve next to the file; no CA is an error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-kubeconfig-'));
  try {
    const admin = path.join(dir, 'admin');
    fs.writeFileSync(admin, renderKubeconfig('https://10.0.0.1:6443', { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' }));
    assert.deepEqual(loadKubeconfig(admin), { server: 'https://10.0.0.1:6443', namespace: 'default', tls: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' } });
    const boot = path.join(dir, 'boot');
    fs.writeFileSync(boot, renderBootstrapKubeconfig('https://10.0.0.1:6443', 'CA PEM', 'abcdef.0123456789abcdef'));
    assert.deepEqual(loadKubeconfig(boot), { server: 'https://10.0.0.1:6443', namespace: 'default', tls: { ca: 'CA PEM' }, token: 'abcdef.0123456789abcdef' });
    fs.writeFileSync(path.join(dir, 'ca.crt'), 'FILE CA');
    const files = path.join(dir, 'files');
    fs.writeFileSync(files, 'clusters:\n- name: c\n  cluster: {server: "https://h:6443", certificate-authority: ca.crt}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {}\n');
    assert.equal(loadKubeconfig(files).tls.ca, 'FILE CA');
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'clusters:\n- name: c\n  cluster: {server: "http://h:8080"}\n');
    assert.throws(() => loadKubeconfig(plain), /has no certificate-authority\(-data\); tinykube serves only TLS/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
