// @tinykube/kubelet: node agent running pods through the Docker Engine API.
export * from './kubelet';
export * from './pod-status';
export * from './pod-network';
export * from './backoff';
export * from './env';
export * from './labels';
export * from './kubelet-server';
export * from './content-volumes';
export * from './atomic-writer';
export * from './volumes';
export * from './security-context';
export * from './host-ports';
