import { R, requestPem, SIGNERS, timestamp, type CertificateSigningRequest } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import { readCertificateRequest, signCertificateRequest, type Usage } from '@tinykube/pki';
import type { ControllerContext } from '../controller-context';

// Kubernetes' csrsigning controller: an approved request to one of Kubernetes' signers gets a
// certificate from the cluster CA (--cluster-signing-cert-file/-key-file) for its own key, for
// the lifetime asked (at most --cluster-signing-duration). A request the signer may not sign
// (a kubelet signer for a non-node subject, a bad signature) gets a Failed condition instead.

const USAGE: Record<string, Usage> = { [SIGNERS.kubeletClient]: 'client', [SIGNERS.apiserverClient]: 'client', [SIGNERS.kubeletServing]: 'server' };

export class CsrSigningController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('csrsigning', { workers: ctx.options.workers, log: ctx.log });
    const csrs = ctx.informers.get<CertificateSigningRequest>(R.csrs);
    csrs.addEventHandler({ onAdd: (c) => this.queue.add(c.metadata.name), onUpdate: (_, c) => this.queue.add(c.metadata.name) });
  }

  protected async sync(name: string): Promise<void> {
    const signing = this.ctx.options.clusterSigning;
    const csr = this.ctx.informers.get<CertificateSigningRequest>(R.csrs).get(name);
    if (!signing || !csr || csr.status?.certificate) return;
    const conds = csr.status?.conditions ?? [];
    if (!conds.some((c) => c.type === 'Approved' && c.status === 'True') || conds.some((c) => c.type === 'Denied' || c.type === 'Failed')) return;
    const usage = USAGE[csr.spec.signerName];
    if (!usage) return; // not ours
    const pem = requestPem(csr);
    const refuse = (message: string): Promise<unknown> => {
      const now = timestamp();
      return this.ctx.api.updateStatus(R.csrs, { ...csr, status: { ...csr.status, conditions: [...conds, { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message, lastUpdateTime: now, lastTransitionTime: now }] } });
    };
    let subject;
    try {
      subject = readCertificateRequest(pem);
    } catch (err) {
      await refuse(`invalid certificate request: ${(err as Error).message}`);
      return;
    }
    if (csr.spec.signerName !== SIGNERS.apiserverClient && (!subject.commonName.startsWith('system:node:') || subject.organizations.join() !== 'system:nodes')) {
      await refuse(`subject must be CN=system:node:<name>, O=system:nodes for ${csr.spec.signerName}`);
      return;
    }
    const wantMs = (csr.spec.expirationSeconds ?? Infinity) * 1000;
    let cert: string;
    try {
      cert = await signCertificateRequest(signing, pem, { usage, validForMs: Math.min(wantMs, signing.durationMs) });
    } catch (err) {
      await refuse((err as Error).message);
      return;
    }
    await this.ctx.api.updateStatus<CertificateSigningRequest>(R.csrs, { ...csr, status: { ...csr.status, certificate: Buffer.from(cert).toString('base64') } });
    this.ctx.log.info({ csr: name, subject: subject.commonName }, 'signed');
  }
}
