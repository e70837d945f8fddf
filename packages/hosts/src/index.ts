// @tinykube/hosts: the local multi-host cluster (network namespaces, dockerds, registry, images).
export * from './plan';
export * from './safety';
export * from './processes';
export * from './cluster';
export * from './exec';
