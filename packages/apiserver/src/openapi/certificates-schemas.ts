// certificates.k8s.io/v1 CertificateSigningRequest.
import { TIME, int32, kind, list, object, ref, str, strings, type Schema } from './schema-builders';

const CERTIFICATES = 'io.k8s.api.certificates.v1.';

export const CERTIFICATES_SCHEMAS: Record<string, Schema> = {
  [`${CERTIFICATES}CertificateSigningRequest`]: kind('A request for a certificate from one of the cluster\'s signers; approved or denied, then signed.', {
    spec: ref(`${CERTIFICATES}CertificateSigningRequestSpec`, 'The request. Immutable.'),
    status: ref(`${CERTIFICATES}CertificateSigningRequestStatus`, 'Approval and the issued certificate.'),
  }, ['spec']),
  [`${CERTIFICATES}CertificateSigningRequestSpec`]: object('What is asked, of whom, by whom.', {
    request: { type: 'string', format: 'byte', description: 'A PEM PKCS#10 CERTIFICATE REQUEST, base64-encoded.', 'x-kubernetes-list-type': 'atomic' },
    signerName: str('The signer: kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/kube-apiserver-client, kubernetes.io/kubelet-serving.'),
    usages: strings('Key usages asked for, e.g. "digital signature", "client auth".'),
    expirationSeconds: int32('Requested lifetime; the signer may give less. At least 600.'),
    username: str('The requester (set by the apiserver).'),
    uid: str('The requester\'s uid (set by the apiserver).'),
    groups: strings('The requester\'s groups (set by the apiserver).'),
    extra: { type: 'object', description: 'The requester\'s extra attributes (set by the apiserver).', additionalProperties: { type: 'array', items: { type: 'string', default: '' } } },
  }, ['request', 'signerName']),
  [`${CERTIFICATES}CertificateSigningRequestStatus`]: object('Approval and the issued certificate.', {
    conditions: list(`${CERTIFICATES}CertificateSigningRequestCondition`, 'Approved or Denied (exclusive), and Failed.', { mergeKey: 'type' }),
    certificate: { type: 'string', format: 'byte', description: 'The issued certificate, PEM, base64-encoded.', 'x-kubernetes-list-type': 'atomic' },
  }),
  [`${CERTIFICATES}CertificateSigningRequestCondition`]: object('A condition of a request.', {
    type: str('Approved, Denied or Failed.'),
    status: str('True, False or Unknown.'),
    reason: str('A one-word reason.'),
    message: str('A human-readable explanation.'),
    lastUpdateTime: ref(TIME, 'When the condition was last updated.'),
    lastTransitionTime: ref(TIME, 'When the status last changed.'),
  }, ['type', 'status']),
};
