// @tinykube/pki: the cluster's certificate authority and the certificates it signs.
export * from './certificates';
export * from './pki-dir';
export * from './certificate-requests';
export * from './peer';
export * from './cluster-info';
