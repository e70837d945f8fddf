import { R, requestPem, SIGNERS, timestamp, type CertificateSigningRequest, type Node } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import { readCertificateRequest, type RequestSubject } from '@tinykube/pki';
import type { ControllerContext } from '../controller-context';

// Kubernetes' csrapproving controller, and the two approvals tinykube adds for what kubeadm does
// by hand or with a DaemonSet. Approved without a person:
// - kubelet client certificates (kubernetes.io/kube-apiserver-client-kubelet, exactly
//   CN=system:node:<name>, O=system:nodes, no SANs, client auth) when a SubjectAccessReview says
//   the requester may create certificatesigningrequests/selfnodeclient (the node renewing its
//   own) or /nodeclient (a new node), as Kubernetes: the bootstrap bindings grant these to
//   system:nodes and system:bootstrappers, and a request RBAC does not allow stays pending;
// - kubelet serving certificates (kubernetes.io/kubelet-serving) asked by system:node:<name> for
//   itself, naming only <name> and addresses its Node reports. Kubernetes leaves these to a person
//   or an external approver; tinykube approves them so a joined node serves logs and exec;
// - tk-proxy's client certificate (kubernetes.io/kube-apiserver-client, exactly
//   CN=system:kube-proxy, no O, no SANs) from a bootstrapper or from system:kube-proxy. A bootstrap
//   token may already make a node, which can read more than kube-proxy can.
// Anything else waits for a person (kubectl certificate approve).

const CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);
const SERVING_USAGES = new Set(['digital signature', 'key encipherment', 'server auth']);

function usagesAre(csr: CertificateSigningRequest, allowed: Set<string>, needed: string): boolean {
  const usages = csr.spec.usages ?? [];
  return usages.includes(needed) && usages.every((u) => allowed.has(u));
}

function subjectOf(csr: CertificateSigningRequest): RequestSubject | undefined {
  try {
    return readCertificateRequest(requestPem(csr));
  } catch {
    return undefined;
  }
}

const nodeNameOf = (cn: string): string | undefined => (cn.startsWith('system:node:') && cn.length > 'system:node:'.length ? cn.slice('system:node:'.length) : undefined);

/** Why the request is not a kubelet client certificate request, or undefined when it is. */
export function notKubeletClient(csr: CertificateSigningRequest): string | undefined {
  if (csr.spec.signerName !== SIGNERS.kubeletClient) return 'another signer';
  const s = subjectOf(csr);
  if (!s) return 'unreadable request';
  if (!nodeNameOf(s.commonName)) return 'CN is not system:node:<name>';
  if (s.organizations.length !== 1 || s.organizations[0] !== 'system:nodes') return 'O is not exactly system:nodes';
  if (s.dnsNames.length || s.ipAddresses.length) return 'has subject alternative names';
  if (!usagesAre(csr, CLIENT_USAGES, 'client auth')) return 'usages are not client auth';
  return undefined;
}

/** The permission Kubernetes' approver asks RBAC about: a node renewing its own certificate, or a new one. */
export function kubeletClientPermission(csr: CertificateSigningRequest): 'selfnodeclient' | 'nodeclient' {
  return subjectOf(csr)?.commonName === csr.spec.username ? 'selfnodeclient' : 'nodeclient';
}

/** Why the request is not a node's own serving certificate request, or undefined when it is. */
export function notKubeletServing(csr: CertificateSigningRequest, node: (name: string) => Node | undefined): string | undefined {
  if (csr.spec.signerName !== SIGNERS.kubeletServing) return 'another signer';
  const s = subjectOf(csr);
  if (!s) return 'unreadable request';
  const name = nodeNameOf(s.commonName);
  if (!name) return 'CN is not system:node:<name>';
  if (s.organizations.length !== 1 || s.organizations[0] !== 'system:nodes') return 'O is not exactly system:nodes';
  if (csr.spec.username !== s.commonName) return 'not asked by that node';
  if (!usagesAre(csr, SERVING_USAGES, 'server auth')) return 'usages are not server auth';
  if (!s.dnsNames.length && !s.ipAddresses.length) return 'names no address';
  if (s.dnsNames.some((d) => d !== name)) return 'a DNS name other than the node name';
  const addresses = new Set((node(name)?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address));
  if (s.ipAddresses.some((ip) => !addresses.has(ip))) return "an IP address that is not the Node's";
  return undefined;
}

/** Why the request is not tk-proxy's client certificate request, or undefined when it is. */
export function notKubeProxyClient(csr: CertificateSigningRequest): string | undefined {
  if (csr.spec.signerName !== SIGNERS.apiserverClient) return 'another signer';
  const s = subjectOf(csr);
  if (!s) return 'unreadable request';
  if (s.commonName !== 'system:kube-proxy' || s.organizations.length) return 'subject is not exactly CN=system:kube-proxy';
  if (s.dnsNames.length || s.ipAddresses.length) return 'has subject alternative names';
  if (!usagesAre(csr, CLIENT_USAGES, 'client auth')) return 'usages are not client auth';
  if (csr.spec.username === 'system:kube-proxy' || (csr.spec.groups ?? []).includes('system:bootstrappers')) return undefined;
  return 'the requester is neither a bootstrapper nor kube-proxy';
}

export class CsrApprovingController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('csrapproving', { workers: ctx.options.workers, log: ctx.log });
    const csrs = ctx.informers.get<CertificateSigningRequest>(R.csrs);
    csrs.addEventHandler({ onAdd: (c) => this.queue.add(c.metadata.name), onUpdate: (_, c) => this.queue.add(c.metadata.name) });
    // A serving request may come before its Node's addresses are known: look again when they are.
    ctx.informers.get<Node>(R.nodes).addEventHandler({
      onAdd: (n) => this.pendingServing(n),
      onUpdate: (_, n) => this.pendingServing(n),
    });
  }

  protected async sync(name: string): Promise<void> {
    const csr = this.ctx.informers.get<CertificateSigningRequest>(R.csrs).get(name);
    if (!csr || (csr.status?.conditions ?? []).some((c) => c.type === 'Approved' || c.type === 'Denied')) return;
    const nodes = this.ctx.informers.get<Node>(R.nodes);
    const kubeletClient = !notKubeletClient(csr);
    if (kubeletClient && !(await this.allowed(csr, kubeletClientPermission(csr)))) {
      this.ctx.log.info({ csr: name, permission: kubeletClientPermission(csr) }, `recognized csr "${name}" as ${kubeletClientPermission(csr)} but subject access review was not approved`);
      return;
    }
    const message = kubeletClient
      ? 'Auto approving kubelet client certificate after SubjectAccessReview.'
      : !notKubeletServing(csr, (n) => nodes.get(n))
        ? "Auto approving kubelet serving certificate: it names the node and the Node's own addresses."
        : !notKubeProxyClient(csr)
          ? 'Auto approving kube-proxy client certificate.'
          : undefined;
    if (!message) return;
    const now = timestamp();
    const conditions = [...(csr.status?.conditions ?? []), { type: 'Approved' as const, status: 'True' as const, reason: 'AutoApproved', message, lastUpdateTime: now, lastTransitionTime: now }];
    await this.ctx.api.updateStatus<CertificateSigningRequest>(R.csrs, { ...csr, status: { ...csr.status, conditions } });
  }

  /** Kubernetes' sarApprover: may the requester create certificatesigningrequests/<subresource>? */
  private async allowed(csr: CertificateSigningRequest, subresource: string): Promise<boolean> {
    const review = await this.ctx.api.reviewAccess({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: csr.spec.username ?? '',
        groups: csr.spec.groups ?? [],
        ...(csr.spec.uid ? { uid: csr.spec.uid } : {}),
        ...(csr.spec.extra ? { extra: csr.spec.extra } : {}),
        resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource },
      },
    });
    return review.status?.allowed === true;
  }

  private pendingServing(node: Node): void {
    for (const c of this.ctx.informers.get<CertificateSigningRequest>(R.csrs).list()) {
      if (c.spec.signerName === SIGNERS.kubeletServing && c.spec.username === `system:node:${node.metadata.name}` && !c.status?.conditions?.length) this.queue.add(c.metadata.name);
    }
  }
}
