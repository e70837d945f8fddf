// The kubelet's client certificate, as Kubernetes' TLS bootstrap and rotation: with no valid
// certificate in --cert-dir, it makes a key and a CertificateSigningRequest for
// system:node:<name> (O system:nodes), sent with the bootstrap token, and waits for the
// controller-manager to approve and sign it; once 70-90% of the certificate's life has passed it
// asks again, with the certificate it holds, and hands the new identity over without a restart.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { R, SIGNERS, type CertificateSigningRequest } from '@tinykube/api';
import { RestClient, type TlsIdentity } from '@tinykube/client';
import { createCertificateRequest } from '@tinykube/pki';
import type { Logger } from 'pino';
import { writeFileAtomic } from './atomic-file';

export interface CertificateManagerOptions {
  nodeName: string;
  /** Holds kubelet-client-current.crt and .key. */
  certDir: string;
  /** The apiserver's REST address and CA, and the bootstrap token, from the bootstrap kubeconfig. */
  server: string;
  ca: string;
  bootstrapToken?: string;
  log: Logger;
  /** How long to wait for a request to be signed. */
  timeoutMs?: number;
}

const CERT = 'kubelet-client-current.crt';
const KEY = 'kubelet-client-current.key';

function usable(id: { cert: string; key: string }, ca: string, now = Date.now()): boolean {
  try {
    const c = new X509Certificate(id.cert);
    return c.verify(new X509Certificate(ca).publicKey) && c.checkPrivateKey(createPrivateKey(id.key)) && Date.parse(c.validTo) > now + 60_000;
  } catch {
    return false;
  }
}

export class CertificateManager {
  private timer?: NodeJS.Timeout;
  /** Where in a certificate's life it is renewed: Kubernetes' 70-90%, jittered. */
  private readonly fraction = 0.7 + Math.random() * 0.2;

  constructor(private readonly o: CertificateManagerOptions) {}

  /** The identity in the cert dir if still good, else a new one by TLS bootstrap. */
  async identity(): Promise<Required<TlsIdentity>> {
    const held = this.read();
    if (held && usable(held, this.o.ca)) return held;
    if (!this.o.bootstrapToken) throw new Error(`no valid client certificate in ${this.o.certDir} and no bootstrap token to ask for one`);
    this.o.log.info({ certDir: this.o.certDir }, 'no valid client certificate: requesting one with the bootstrap token');
    return this.request(new RestClient(this.o.server, { tls: { ca: this.o.ca }, token: this.o.bootstrapToken }));
  }

  /** Renews the certificate when it is due, then calls `rotated` with the new identity. */
  startRotation(rotated: (id: Required<TlsIdentity>) => void): void {
    const check = async (): Promise<void> => {
      const held = this.read();
      if (!held) return;
      const c = new X509Certificate(held.cert);
      const from = Date.parse(c.validFrom);
      const due = from + this.fraction * (Date.parse(c.validTo) - from);
      if (Date.now() < due) return;
      this.o.log.info({ validTo: c.validTo }, 'rotating the client certificate');
      // A certificate that ran out while the kubelet was away cannot renew itself: bootstrap again.
      const api = Date.parse(c.validTo) > Date.now() + 5000 || !this.o.bootstrapToken ? new RestClient(this.o.server, { tls: held }) : new RestClient(this.o.server, { tls: { ca: this.o.ca }, token: this.o.bootstrapToken });
      const next = await this.request(api);
      rotated(next);
      this.o.log.info({ validTo: new X509Certificate(next.cert).validTo }, 'client certificate rotated');
    };
    let running = false;
    this.timer = setInterval(() => {
      if (running) return;
      running = true;
      check()
        .catch((err: unknown) => this.o.log.warn({ err: String(err) }, 'certificate rotation failed; retrying'))
        .finally(() => (running = false));
    }, 2000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private read(): Required<TlsIdentity> | undefined {
    try {
      return { ca: this.o.ca, cert: fs.readFileSync(path.join(this.o.certDir, CERT), 'utf8'), key: fs.readFileSync(path.join(this.o.certDir, KEY), 'utf8') };
    } catch {
      return undefined;
    }
  }

  private async request(api: RestClient): Promise<Required<TlsIdentity>> {
    try {
      const { request, key } = await createCertificateRequest({ commonName: `system:node:${this.o.nodeName}`, organizations: ['system:nodes'] });
      const created = await api.create<CertificateSigningRequest>(R.csrs, {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { generateName: `node-csr-${this.o.nodeName}-` },
        spec: { request: Buffer.from(request).toString('base64'), signerName: SIGNERS.kubeletClient, usages: ['digital signature', 'client auth'] },
      });
      const deadline = Date.now() + (this.o.timeoutMs ?? 600_000);
      for (;;) {
        const csr = await api.get<CertificateSigningRequest>(R.csrs, undefined, created.metadata.name);
        const refused = csr.status?.conditions?.find((c) => (c.type === 'Denied' || c.type === 'Failed') && c.status === 'True');
        if (refused) throw new Error(`certificate request ${csr.metadata.name} ${refused.type.toLowerCase()}: ${refused.message ?? refused.reason ?? ''}`);
        if (csr.status?.certificate) {
          const cert = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
          fs.mkdirSync(this.o.certDir, { recursive: true, mode: 0o700 });
          // The key first: a certificate is never on disk without its key.
          writeFileAtomic(path.join(this.o.certDir, KEY), key, 0o600);
          writeFileAtomic(path.join(this.o.certDir, CERT), cert, 0o644);
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
