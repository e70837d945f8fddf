// Test helpers: a real etcd, an in-process apiserver, and condition waits.
export * from './etcd';
export * from './wait';
export * from './apiserver';
export * from './cluster';
export * from './workloads';
export * from './pki';
