// The cluster's X.509 certificates, made with @peculiar/x509 over Node's WebCrypto: a CA, and
// certificates it signs for servers (with SANs) and clients (CN = user, O = groups, as
// Kubernetes reads them). Keys are ECDSA P-256, which Kubernetes, kubectl and Node all accept.
import 'reflect-metadata'; // tsyringe, under @peculiar/x509, needs the Reflect metadata API
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface CertAndKey {
  cert: string;
  key: string;
}

export type Usage = 'server' | 'client' | 'server+client';

export interface CertSpec {
  commonName: string;
  /** Subject O values: the groups of a client certificate. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: Usage;
  /** Lifetime; one year unless given. */
  validForMs?: number;
}

/** Escapes a value for an RFC 4514 name (commas, pluses, quotes and the like). */
function rdn(type: string, value: string): string {
  return `${type}=${value.replace(/([,+"\\<>;=])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ')}`;
}

export function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive, as RFC 5280 wants
  return b.toString('hex');
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A private key as PKCS#8 PEM. */
export async function keyPem(k: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

/** The CA's private key, ready to sign. */
export function signingKeyOf(ca: CertAndKey): Promise<CryptoKey> {
  return importKey(ca.key);
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

/** A self-signed CA (ten years unless told otherwise). */
export async function createCa(commonName: string, validForMs = 3650 * DAY_MS): Promise<CertAndKey> {
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: rdn('CN', commonName),
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validForMs),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

/** The extensions of a certificate the CA issues: not a CA, its usages, its SANs, the CA's key id. */
export async function leafExtensions(caCert: x509.X509Certificate, usage: Usage, dnsNames: string[], ipAddresses: string[]): Promise<x509.Extension[]> {
  const usages: string[] = [];
  if (usage !== 'client') usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (usage !== 'server') usages.push(x509.ExtendedKeyUsage.clientAuth);
  const names = [...dnsNames.map((value) => ({ type: 'dns' as const, value })), ...ipAddresses.map((value) => ({ type: 'ip' as const, value }))];
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    ...(names.length ? [new x509.SubjectAlternativeNameExtension(names, false)] : []),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
}

/** A certificate signed by `ca`, with a key of its own. */
export async function issueCertificate(ca: CertAndKey, spec: CertSpec): Promise<CertAndKey> {
  const caCert = new x509.X509Certificate(ca.cert);
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [rdn('CN', spec.commonName), ...(spec.organizations ?? []).map((o) => rdn('O', o))].join(', '),
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(Math.min(now + (spec.validForMs ?? 365 * DAY_MS), caCert.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.key),
    signingAlgorithm: ALG,
    extensions: await leafExtensions(caCert, spec.usage, spec.dnsNames ?? [], spec.ipAddresses ?? []),
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

/** A key pair for signing tokens (the ServiceAccount issuer's): private PKCS#8 and public SPKI, PEM. */
export async function createSigningKey(): Promise<{ privateKey: string; publicKey: string }> {
  const keys = await keyPair();
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  return { privateKey: await keyPem(keys.privateKey), publicKey: `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PUBLIC KEY-----\n` };
}
