import { strict as assert } from 'node:assert';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { caCertHash, createCa, createCertificateRequest, detachedSignature, ensurePki, verifyDetachedSignature, issueCertificate, readCertificateRequest, signCertificateRequest, verifyCertificateRequest, type CertAndKey } from '../src';

test('a CA signs server certificates with the SANs asked for and client certificates carrying user and groups', async () => {
  const ca = await createCa('tinykube-ca');
  const caCert = new X509Certificate(ca.cert);
  assert.ok(caCert.ca);
  const server = await issueCertificate(ca, { commonName: 'kube-apiserver', dnsNames: ['kubernetes', 'kubernetes.default.svc.cluster.local', 'localhost'], ipAddresses: ['10.96.0.1', '127.0.0.1'], usage: 'server' });
  const s = new X509Certificate(server.cert);
  assert.ok(s.verify(caCert.publicKey));
  assert.equal(s.checkHost('kubernetes.default.svc.cluster.local'), 'kubernetes.default.svc.cluster.local');
  assert.equal(s.checkIP('10.96.0.1'), '10.96.0.1');
  assert.equal(s.checkHost('evil.example'), undefined);
  assert.equal(s.ca, false);
  const client = await issueCertificate(ca, { commonName: 'system:node:node-1', organizations: ['system:nodes'], usage: 'client' });
  assert.deepEqual(new X509Certificate(client.cert).subject.split('\n').sort(), ['CN=system:node:node-1', 'O=system:nodes']);
  assert.match(client.key, /^-----BEGIN PRIVATE KEY-----\n/);
});

async function handshake(serverPair: CertAndKey, ca: CertAndKey, client: { ca?: string; cert?: CertAndKey }): Promise<{ cn?: string; groups?: string[] } | Error> {
  const srv = https.createServer({ cert: serverPair.cert, key: serverPair.key, ca: ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const sock = req.socket as TLSSocket;
    const peer = sock.authorized ? sock.getPeerCertificate() : undefined;
    const o = peer?.subject?.O;
    res.end(JSON.stringify(peer?.subject ? { cn: peer.subject.CN, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] } : {}));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const port = (srv.address() as AddressInfo).port;
    return await new Promise((resolve) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/', ca: client.ca, cert: client.cert?.cert, key: client.cert?.key, servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(JSON.parse(body) as { cn?: string }));
      });
      req.on('error', (err) => resolve(err));
    });
  } finally {
    srv.close();
  }
}

test('TLS with these certificates: the client trusts only the CA; the server tells a CA-signed client from others, expired or foreign', async () => {
  const ca = await createCa('tinykube-ca');
  const other = await createCa('someone-else');
  const server = await issueCertificate(ca, { commonName: 'kube-apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server' });
  const admin = await issueCertificate(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
  assert.deepEqual(await handshake(server, ca, { ca: ca.cert, cert: admin }), { cn: 'kubernetes-admin', groups: ['system:masters'] });
  const untrusting = await handshake(server, ca, { cert: admin });
  assert.ok(untrusting instanceof Error && /self.signed|unable to (get|verify)/i.test(untrusting.message), String(untrusting));
  assert.deepEqual(await handshake(server, ca, { ca: ca.cert, cert: await issueCertificate(other, { commonName: 'mallory', organizations: ['system:masters'], usage: 'client' }) }), {});
  assert.deepEqual(await handshake(server, ca, { ca: ca.cert, cert: await issueCertificate(ca, { commonName: 'old', usage: 'client', validForMs: -1000 }) }), {});
  assert.deepEqual(await handshake(server, ca, { ca: ca.cert }), {});
});

test('ensurePki makes the CA, the signing key and each certificate once, keys 0600; a second run keeps them and reissues only what changed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-pki-'));
  try {
    const spec = { dir: path.join(dir, 'pki'), caName: 'tinykube-ca', certs: { apiserver: { commonName: 'kube-apiserver', dnsNames: ['kubernetes'], ipAddresses: ['10.96.0.1'], usage: 'server' as const }, admin: { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' as const } } };
    await ensurePki(spec);
    const mode = (f: string): number => fs.statSync(path.join(spec.dir, f)).mode & 0o777;
    assert.equal(mode('.'), 0o700);
    for (const f of ['ca.key', 'sa.key', 'apiserver.key', 'admin.key']) assert.equal(mode(f), 0o600, f);
    const before = Object.fromEntries(fs.readdirSync(spec.dir).map((f) => [f, fs.readFileSync(path.join(spec.dir, f), 'utf8')]));
    await ensurePki(spec);
    for (const [f, text] of Object.entries(before)) assert.equal(fs.readFileSync(path.join(spec.dir, f), 'utf8'), text, `${f} kept`);
    await ensurePki({ ...spec, certs: { ...spec.certs, apiserver: { ...spec.certs.apiserver, ipAddresses: ['10.96.0.1', '192.168.56.10'] } } });
    assert.equal(fs.readFileSync(path.join(spec.dir, 'ca.crt'), 'utf8'), before['ca.crt']);
    assert.equal(fs.readFileSync(path.join(spec.dir, 'admin.crt'), 'utf8'), before['admin.crt']);
    assert.notEqual(fs.readFileSync(path.join(spec.dir, 'apiserver.crt'), 'utf8'), before['apiserver.crt'], 'a new SAN: reissued');
    assert.equal(new X509Certificate(fs.readFileSync(path.join(spec.dir, 'apiserver.crt'))).checkIP('192.168.56.10'), '192.168.56.10');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a certificate request carries its subject and SANs; the CA signs it for the requester\'s key', async () => {
  const ca = await createCa('tinykube-ca');
  const { request, key } = await createCertificateRequest({ commonName: 'system:node:node-9', organizations: ['system:nodes'], ipAddresses: ['10.0.0.9'] });
  assert.match(request, /^-----BEGIN CERTIFICATE REQUEST-----/);
  assert.deepEqual(readCertificateRequest(request), { commonName: 'system:node:node-9', organizations: ['system:nodes'], dnsNames: [], ipAddresses: ['10.0.0.9'] });
  assert.equal(await verifyCertificateRequest(request), true);
  const cert = new X509Certificate(await signCertificateRequest(ca, request, { usage: 'client', validForMs: 3600_000 }));
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
  assert.deepEqual(cert.subject.split('\n').sort(), ['CN=system:node:node-9', 'O=system:nodes']);
  assert.ok(cert.checkPrivateKey(createPrivateKey(key)), 'the certificate is for the requester\'s own key');
  assert.ok(Date.parse(cert.validTo) - Date.now() <= 3600_000 + 60_000);
  assert.throws(() => readCertificateRequest('-----BEGIN CERTIFICATE REQUEST-----\nbm9wZQ==\n-----END CERTIFICATE REQUEST-----\n'));
});

test("the CA pin is kubeadm's: the SHA-256 of the certificate's SubjectPublicKeyInfo", async () => {
  const ca = await createCa('pin-ca');
  const spki = new X509Certificate(ca.cert).publicKey.export({ type: 'spki', format: 'der' });
  // kubeadm's documented way: openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256
  assert.equal(caCertHash(ca.cert), `sha256:${createHash('sha256').update(spki).digest('hex')}`);
  assert.notEqual(caCertHash(ca.cert), caCertHash((await createCa('pin-ca')).cert), 'another key, another pin');
});

test('the bootstrap signature is a detached HS256 JWS keyed with the token secret, kid the token id', async () => {
  const sig = await detachedSignature('kubeconfig text', 'abcdef', '0123456789abcdef');
  const [header, payload] = sig.split('.');
  assert.equal(payload, '', 'detached: no payload');
  assert.deepEqual(JSON.parse(Buffer.from(header ?? '', 'base64url').toString()), { alg: 'HS256', kid: 'abcdef' });
  assert.ok(await verifyDetachedSignature('kubeconfig text', sig, 'abcdef', '0123456789abcdef'));
  assert.ok(!(await verifyDetachedSignature('kubeconfig text!', sig, 'abcdef', '0123456789abcdef')), 'other content');
  assert.ok(!(await verifyDetachedSignature('kubeconfig text', sig, 'abcdef', 'ffffffffffffffff')), 'other secret');
  assert.ok(!(await verifyDetachedSignature('kubeconfig text', sig, 'bcdefa', '0123456789abcdef')), 'other token id');
});
