// Public entry of @tinykube/apiserver (used by tests and benchmarks to start one in-process).
export * from './app';
export { Registry } from './registry';
export { EtcdStore } from './storage/etcd-store';
export { WatchCache, filterEvent } from './storage/watch-cache';
export { strategicMergePatch } from './patch';
export { toTable, humanDuration, podStatusReason, podSummary } from './rest/table';
export { notActedFields, notActedMarkdown } from './openapi/not-acted-fields';
export { parseResourcePath } from './rest/server';
export { DEFAULT_ISSUER } from './authn/service-account-tokens';
export { loadEncryptionConfig, type Transformer } from './storage/encryption';
