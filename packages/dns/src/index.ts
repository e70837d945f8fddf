// @tinykube/dns: cluster DNS as Kubernetes' DNS specification describes it.
export * from './cluster-zone';
export * from './dns-server';
