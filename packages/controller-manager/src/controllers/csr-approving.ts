import { R, requestPem, SIGNERS, timestamp, type CertificateSigningRequest } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import { readCertificateRequest } from '@tinykube/pki';
import type { ControllerContext } from '../controller-context';

// Kubernetes' csrapproving controller for kubelet client certificates: a request to
// kubernetes.io/kube-apiserver-client-kubelet for exactly CN=system:node:<name>, O=system:nodes,
// no SANs, client-auth usages, is approved when it comes from a bootstrapper (a new node joining)
// or from that node itself (renewal). Anything else waits for a person (kubectl certificate approve).

const ALLOWED_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);

/** Why the request is not a kubelet client certificate request, or undefined when it is. */
export function notKubeletClient(csr: CertificateSigningRequest): string | undefined {
  if (csr.spec.signerName !== SIGNERS.kubeletClient) return 'another signer';
  let s;
  try {
    s = readCertificateRequest(requestPem(csr));
  } catch {
    return 'unreadable request';
  }
  if (!s.commonName.startsWith('system:node:') || s.commonName.length === 'system:node:'.length) return 'CN is not system:node:<name>';
  if (s.organizations.length !== 1 || s.organizations[0] !== 'system:nodes') return 'O is not exactly system:nodes';
  if (s.dnsNames.length || s.ipAddresses.length) return 'has subject alternative names';
  const usages = csr.spec.usages ?? [];
  if (!usages.includes('client auth') || usages.some((u) => !ALLOWED_USAGES.has(u))) return 'usages are not client auth';
  const groups = csr.spec.groups ?? [];
  if (csr.spec.username === s.commonName) return undefined; // the node renewing its own
  if (groups.includes('system:bootstrappers')) return undefined; // a node joining
  return 'the requester is neither a bootstrapper nor that node';
}

export class CsrApprovingController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('csrapproving', { workers: ctx.options.workers, log: ctx.log });
    const csrs = ctx.informers.get<CertificateSigningRequest>(R.csrs);
    csrs.addEventHandler({ onAdd: (c) => this.queue.add(c.metadata.name), onUpdate: (_, c) => this.queue.add(c.metadata.name) });
  }

  protected async sync(name: string): Promise<void> {
    const csr = this.ctx.informers.get<CertificateSigningRequest>(R.csrs).get(name);
    if (!csr || (csr.status?.conditions ?? []).some((c) => c.type === 'Approved' || c.type === 'Denied')) return;
    if (notKubeletClient(csr)) return;
    const now = timestamp();
    const conditions = [...(csr.status?.conditions ?? []), { type: 'Approved' as const, status: 'True' as const, reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.', lastUpdateTime: now, lastTransitionTime: now }];
    await this.ctx.api.updateStatus<CertificateSigningRequest>(R.csrs, { ...csr, status: { ...csr.status, conditions } });
  }
}
