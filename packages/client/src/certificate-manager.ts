// A daemon's certificate, as Kubernetes' TLS bootstrap and rotation: with no valid certificate
// in the cert dir, it makes a key and a CertificateSigningRequest for its profile's subject,
// sent with the bootstrap token (a client certificate) or with the daemon's client certificate
// (the kubelet's serving certificate), and waits for the controller-manager to approve and sign
// it; once 70-90% of the certificate's life has passed it asks again and hands the new identity
// over without a restart.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { R, SIGNERS, type CertificateSigningRequest } from '@tinykube/api';
import { createCertificateRequest } from '@tinykube/pki';
import { writeFileAtomic } from './atomic-file';
import { RestClient } from './rest-client';
import type { TlsIdentity } from './tls';

export interface CertificateProfile {
  /** Files `<name>-current.crt` and `.key` in the cert dir (Kubernetes': kubelet-client, kubelet-server). */
  name: string;
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  signerName: string;
  usages: string[];
  /** metadata.generateName of the requests. */
  generateName: string;
}

/** The kubelet's client certificate: system:node:<name> in system:nodes. */
export function kubeletClientProfile(nodeName: string): CertificateProfile {
  return { name: 'kubelet-client', commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], signerName: SIGNERS.kubeletClient, usages: ['digital signature', 'client auth'], generateName: `node-csr-${nodeName}-` };
}

/** The kubelet's serving certificate for :10250, naming the node and its address (Kubernetes' serverTLSBootstrap). */
export function kubeletServingProfile(nodeName: string, nodeIp: string): CertificateProfile {
  return { name: 'kubelet-server', commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], dnsNames: [nodeName], ipAddresses: [nodeIp], signerName: SIGNERS.kubeletServing, usages: ['digital signature', 'server auth'], generateName: `csr-${nodeName}-serving-` };
}

/** tk-proxy's client certificate: system:kube-proxy, as Kubernetes names kube-proxy. */
export function kubeProxyProfile(nodeName: string): CertificateProfile {
  return { name: 'kube-proxy-client', commonName: 'system:kube-proxy', signerName: SIGNERS.apiserverClient, usages: ['digital signature', 'client auth'], generateName: `csr-kube-proxy-${nodeName}-` };
}

export interface CertificateManagerOptions {
  profile: CertificateProfile;
  certDir: string;
  /** The apiserver's REST address and CA. */
  server: string;
  ca: string;
  /** Asks with this token when there is no valid certificate (from the bootstrap kubeconfig). */
  bootstrapToken?: string;
  /** Asks with this identity instead (the kubelet's client certificate, for its serving one). */
  requester?: () => TlsIdentity;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** How long to wait for a request to be signed. */
  timeoutMs?: number;
}

export class CertificateManager {
  private timer?: NodeJS.Timeout;
  /** Where in a certificate's life it is renewed: Kubernetes' 70-90%, jittered. */
  private readonly fraction = 0.7 + Math.random() * 0.2;

  constructor(private readonly o: CertificateManagerOptions) {}

  /** The identity in the cert dir if still good, else a new one by TLS bootstrap. */
  async identity(): Promise<Required<TlsIdentity>> {
    const held = this.read();
    if (held && this.usable(held)) return held;
    this.o.log.info({ certDir: this.o.certDir, certificate: this.o.profile.name }, 'no valid certificate: requesting one');
    return this.request(this.client(undefined));
  }

  /** Renews the certificate when it is due, then calls `rotated` with the new identity. */
  startRotation(rotated: (id: Required<TlsIdentity>) => void): void {
    const check = async (): Promise<void> => {
      const held = this.read();
      if (!held) return;
      const c = new X509Certificate(held.cert);
      const from = Date.parse(c.validFrom);
      const due = from + this.fraction * (Date.parse(c.validTo) - from);
      if (Date.now() < due && this.usable(held)) return;
      this.o.log.info({ validTo: c.validTo, certificate: this.o.profile.name }, 'rotating the certificate');
      const next = await this.request(this.client(held));
      rotated(next);
      this.o.log.info({ validTo: new X509Certificate(next.cert).validTo, certificate: this.o.profile.name }, 'certificate rotated');
    };
    let running = false;
    this.timer = setInterval(() => {
      if (running) return;
      running = true;
      check()
        .catch((err: unknown) => this.o.log.warn({ err: String(err), certificate: this.o.profile.name }, 'certificate rotation failed; retrying'))
        .finally(() => (running = false));
    }, 2000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Whom to ask as: the requester; else the certificate held, while it is still good (a renewal);
   * else the bootstrap token (a certificate that ran out while the daemon was away cannot renew itself).
   */
  private client(held: Required<TlsIdentity> | undefined): RestClient {
    if (this.o.requester) return new RestClient(this.o.server, { tls: { ...this.o.requester(), ca: this.o.ca } });
    if (held && Date.parse(new X509Certificate(held.cert).validTo) > Date.now() + 5000) return new RestClient(this.o.server, { tls: held });
    if (this.o.bootstrapToken) return new RestClient(this.o.server, { tls: { ca: this.o.ca }, token: this.o.bootstrapToken });
    throw new Error(`no valid ${this.o.profile.name} certificate in ${this.o.certDir} and no bootstrap token to ask for one`);
  }

  /** Signed by the CA, matching its key, naming what the profile names, not about to expire. */
  private usable(id: { cert: string; key: string }, now = Date.now()): boolean {
    try {
      const c = new X509Certificate(id.cert);
      const p = this.o.profile;
      return (
        c.verify(new X509Certificate(this.o.ca).publicKey) &&
        c.checkPrivateKey(createPrivateKey(id.key)) &&
        Date.parse(c.validTo) > now + 60_000 &&
        (p.ipAddresses ?? []).every((ip) => c.checkIP(ip) !== undefined) &&
        (p.dnsNames ?? []).every((n) => c.checkHost(n) !== undefined)
      );
    } catch {
      return false;
    }
  }

  private files(): { cert: string; key: string } {
    return { cert: path.join(this.o.certDir, `${this.o.profile.name}-current.crt`), key: path.join(this.o.certDir, `${this.o.profile.name}-current.key`) };
  }

  private read(): Required<TlsIdentity> | undefined {
    try {
      const f = this.files();
      return { ca: this.o.ca, cert: fs.readFileSync(f.cert, 'utf8'), key: fs.readFileSync(f.key, 'utf8') };
    } catch {
      return undefined;
    }
  }

  private async request(api: RestClient): Promise<Required<TlsIdentity>> {
    const p = this.o.profile;
    try {
      const { request, key } = await createCertificateRequest(p);
      const created = await api.create<CertificateSigningRequest>(R.csrs, {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { generateName: p.generateName },
        spec: { request: Buffer.from(request).toString('base64'), signerName: p.signerName, usages: p.usages },
      });
      const deadline = Date.now() + (this.o.timeoutMs ?? 600_000);
      for (;;) {
        const csr = await api.get<CertificateSigningRequest>(R.csrs, undefined, created.metadata.name);
        const refused = csr.status?.conditions?.find((c) => (c.type === 'Denied' || c.type === 'Failed') && c.status === 'True');
        if (refused) throw new Error(`certificate request ${csr.metadata.name} ${refused.type.toLowerCase()}: ${refused.message ?? refused.reason ?? ''}`);
        if (csr.status?.certificate) {
          const cert = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
          const f = this.files();
          fs.mkdirSync(this.o.certDir, { recursive: true, mode: 0o700 });
          // The key first: a certificate is never on disk without its key.
          writeFileAtomic(f.key, key, 0o600);
          writeFileAtomic(f.cert, cert, 0o644);
          return { ca: this.o.ca, cert, key };
        }
        if (Date.now() > deadline) throw new Error(`certificate request ${csr.metadata.name} was not signed in time (is it approved? kubectl get csr)`);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      api.close();
    }
  }
}
