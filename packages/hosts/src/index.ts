// @tinykube/hosts: the local multi-host cluster (network namespaces, dockerds, registry, images).
export * from './plan';
export * from './safety';
export * from './processes';
export * from './cluster';
export * from './exec';
export * from './daemon-args';
export * from './units';
export * from './network';
export * from './pki';
export * from './join';
