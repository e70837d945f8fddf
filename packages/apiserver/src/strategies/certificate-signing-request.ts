// certificates.k8s.io/v1 CertificateSigningRequest: the apiserver records who asked (the
// requester's name, uid, groups and extra, never the client's say), checks that the request is a
// PKCS#10 PEM, the signer name and usages; the spec is immutable; approval (Approved/Denied,
// exclusive) and the issued certificate are status, written by approvers and signers.
import { canonicalJson, KEY_USAGES, type CertificateSigningRequest, type Errs } from '@tinykube/api';
import { readCertificateRequest } from '@tinykube/pki';
import { age, ageCol, humanDuration, nameCol } from '../rest/table';
import { strategy } from './strategy';

const SIGNER_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)\/[^/\s]+$/;

function validateRequest(e: Errs, request: unknown): void {
  if (typeof request !== 'string' || request === '') return e.required('spec.request');
  const pem = Buffer.from(request, 'base64').toString('utf8');
  if (!/^-----BEGIN CERTIFICATE REQUEST-----/m.test(pem)) return e.invalid('spec.request', '<request>', 'PEM block type must be CERTIFICATE REQUEST');
  try {
    readCertificateRequest(pem);
  } catch (err) {
    e.invalid('spec.request', '<request>', `${(err as Error).message}`);
  }
}

function validateCsr(e: Errs, csr: CertificateSigningRequest): void {
  const spec = csr.spec;
  if (!spec || typeof spec !== 'object') return e.required('spec');
  validateRequest(e, spec.request);
  if (!spec.signerName) e.required('spec.signerName');
  else if (!SIGNER_NAME.test(spec.signerName)) e.invalid('spec.signerName', spec.signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'");
  if (!Array.isArray(spec.usages) || spec.usages.length === 0) e.required('spec.usages');
  else {
    const seen = new Set<string>();
    spec.usages.forEach((u, i) => {
      if (!KEY_USAGES.includes(u)) e.notSupported(`spec.usages[${i}]`, u, KEY_USAGES);
      if (seen.has(u)) e.duplicate(`spec.usages[${i}]`, u);
      seen.add(u);
    });
  }
  if (spec.expirationSeconds !== undefined && (!Number.isInteger(spec.expirationSeconds) || spec.expirationSeconds < 600)) e.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)');
  const conds = csr.status?.conditions ?? [];
  const seenTypes = new Set<string>();
  conds.forEach((c, i) => {
    if (!['Approved', 'Denied', 'Failed'].includes(c?.type)) e.notSupported(`status.conditions[${i}].type`, c?.type, ['Approved', 'Denied', 'Failed']);
    if (!['True', 'False', 'Unknown'].includes(c?.status)) e.notSupported(`status.conditions[${i}].status`, c?.status, ['True', 'False', 'Unknown']);
    if ((c?.type === 'Approved' || c?.type === 'Denied') && seenTypes.has(c.type)) e.duplicate(`status.conditions[${i}].type`, c.type);
    seenTypes.add(c?.type);
  });
  if (seenTypes.has('Approved') && seenTypes.has('Denied')) e.invalid('status.conditions', 'Approved', 'Approved and Denied conditions are mutually exclusive');
  const cert = csr.status?.certificate;
  if (cert !== undefined && cert !== '' && !/^-----BEGIN CERTIFICATE-----/m.test(Buffer.from(cert, 'base64').toString('utf8'))) e.invalid('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block');
}

export const csrStrategy = strategy<CertificateSigningRequest>({
  nameRule: 'subdomain',
  prepareForCreate(csr, user) {
    const spec = (csr.spec ?? {}) as CertificateSigningRequest['spec'];
    delete spec.username;
    delete spec.uid;
    delete spec.groups;
    delete spec.extra;
    if (user) {
      spec.username = user.name;
      if (user.uid) spec.uid = user.uid;
      spec.groups = user.groups;
      if (user.extra) spec.extra = user.extra;
    }
    csr.status = {};
  },
  validate: validateCsr,
  validateUpdate(e, next, prev) {
    if (canonicalJson(next.spec) !== canonicalJson(prev.spec)) e.invalid('spec', '<spec>', 'field is immutable');
  },
  validateStatus: true,
  printer: {
    columns: [nameCol, ageCol, ['SignerName', 'string', 0, 'The signer asked to sign the certificate.'], ['Requestor', 'string', 0, 'The user who made the request.'], ['RequestedDuration', 'string', 0, 'The lifetime asked for.'], ['Condition', 'string', 0, 'Approved, Denied, Issued, Pending.']],
    cells: (o) => {
      const c = o as CertificateSigningRequest;
      const conds = (c.status?.conditions ?? []).filter((x) => x.status === 'True').map((x) => x.type);
      const condition = [...conds, ...(c.status?.certificate ? ['Issued'] : [])].join(',') || 'Pending';
      return [c.metadata.name, age(c.metadata.creationTimestamp), c.spec?.signerName ?? '', c.spec?.username ?? '', c.spec?.expirationSeconds ? humanDuration(c.spec.expirationSeconds * 1000) : '<none>', condition];
    },
  },
});
