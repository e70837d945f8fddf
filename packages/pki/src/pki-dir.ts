// A cluster's PKI on disk, laid out as kubeadm's: ca.crt/ca.key, sa.key/sa.pub, and a
// <name>.crt/<name>.key pair per identity. Made once: running it again keeps every file that is
// still right (signed by the CA, SANs covering what is asked, not near expiry) and issues only
// what is missing or wrong. Keys are 0600 in a 0700 directory.
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCa, createSigningKey, issueCertificate, type CertAndKey, type CertSpec } from './certificates';

export interface PkiSpec {
  dir: string;
  /** The CA's common name, e.g. `tinykube-ca`. */
  caName: string;
  /** Certificates by file name (`apiserver` gives apiserver.crt and apiserver.key). */
  certs: Record<string, CertSpec>;
}

const RENEW_BEFORE_MS = 30 * 86_400_000;

function write(file: string, text: string, mode: number): void {
  fs.writeFileSync(`${file}.tmp`, text, { mode });
  fs.chmodSync(`${file}.tmp`, mode);
  fs.renameSync(`${file}.tmp`, file);
}

function read(dir: string, name: string): CertAndKey | undefined {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  if (!fs.existsSync(cert) || !fs.existsSync(key)) return undefined;
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}

/** Whether an existing certificate still serves the spec. */
export function stillGood(pair: CertAndKey, ca: CertAndKey, spec: CertSpec, now = Date.now()): boolean {
  const c = new X509Certificate(pair.cert);
  if (!c.verify(new X509Certificate(ca.cert).publicKey)) return false;
  if (Date.parse(c.validTo) - now < RENEW_BEFORE_MS) return false;
  const want = [`CN=${spec.commonName}`, ...(spec.organizations ?? []).map((o) => `O=${o}`)].sort();
  const have = c.subject.split('\n').sort();
  if (want.join('\n') !== have.join('\n')) return false;
  const sans = new Set((c.subjectAltName ?? '').split(', ').filter(Boolean));
  for (const d of spec.dnsNames ?? []) if (!sans.has(`DNS:${d}`)) return false;
  for (const ip of spec.ipAddresses ?? []) if (!sans.has(`IP Address:${ip}`)) return false;
  return true;
}

/** Makes or completes the PKI in spec.dir; returns the directory's paths. */
export async function ensurePki(spec: PkiSpec): Promise<void> {
  fs.mkdirSync(spec.dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(spec.dir, 0o700);
  let ca = read(spec.dir, 'ca');
  if (!ca) {
    ca = await createCa(spec.caName);
    write(path.join(spec.dir, 'ca.key'), ca.key, 0o600);
    write(path.join(spec.dir, 'ca.crt'), ca.cert, 0o644);
  }
  if (!fs.existsSync(path.join(spec.dir, 'sa.key'))) {
    const sa = await createSigningKey();
    write(path.join(spec.dir, 'sa.key'), sa.privateKey, 0o600);
    write(path.join(spec.dir, 'sa.pub'), sa.publicKey, 0o644);
  }
  for (const [name, certSpec] of Object.entries(spec.certs)) {
    const existing = read(spec.dir, name);
    if (existing && stillGood(existing, ca, certSpec)) continue;
    const pair = await issueCertificate(ca, certSpec);
    write(path.join(spec.dir, `${name}.key`), pair.key, 0o600);
    write(path.join(spec.dir, `${name}.crt`), pair.cert, 0o644);
  }
}
