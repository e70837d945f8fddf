// PKCS#10 certificate requests, for CertificateSigningRequests: a node makes a key and a request
// (CN system:node:<name>, O system:nodes), the apiserver checks its shape, the controller-manager's
// signer verifies its signature and issues a certificate for its public key.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { keyPem, leafExtensions, serial, signingKeyOf, type CertAndKey, type Usage } from './certificates';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface RequestSubject {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
}

/** A new key and a PKCS#10 request for it (both PEM). */
export async function createCertificateRequest(s: { commonName: string; organizations?: string[]; dnsNames?: string[]; ipAddresses?: string[] }): Promise<{ request: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const names = [...(s.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(s.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [`CN=${s.commonName}`, ...(s.organizations ?? []).map((o) => `O=${o}`)].join(', '),
    keys: keys as never,
    signingAlgorithm: ALG,
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return { request: csr.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

/** The subject and SANs of a request; throws when it does not parse. */
export function readCertificateRequest(pem: string): RequestSubject {
  const csr = new x509.Pkcs10CertificateRequest(pem);
  const san = csr.getExtension('2.5.29.17') as x509.SubjectAlternativeNameExtension | null;
  const items = san?.names.items ?? [];
  return {
    commonName: csr.subjectName.getField('CN')[0] ?? '',
    organizations: csr.subjectName.getField('O'),
    dnsNames: items.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: items.filter((n) => n.type === 'ip').map((n) => n.value),
  };
}

/** Whether the request is signed by the key it carries (proof of possession). */
export async function verifyCertificateRequest(pem: string): Promise<boolean> {
  return new x509.Pkcs10CertificateRequest(pem).verify();
}

/** A certificate the CA signs for the request's public key, subject and SANs. */
export async function signCertificateRequest(ca: CertAndKey, pem: string, o: { usage: Usage; validForMs: number }): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(pem);
  if (!(await csr.verify())) throw new Error('the request is not signed by its own key');
  const caCert = new x509.X509Certificate(ca.cert);
  const s = readCertificateRequest(pem);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: csr.subjectName,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(Math.min(now + o.validForMs, caCert.notAfter.getTime())),
    publicKey: await csr.publicKey.export(),
    signingKey: await signingKeyOf(ca),
    signingAlgorithm: ALG,
    extensions: await leafExtensions(caCert, o.usage, s.dnsNames, s.ipAddresses),
  });
  return cert.toString('pem') + '\n';
}

