// Public entry of @tinykube/client: ApiClient over gRPC and REST, informers and the work queue.
export * from './api-client';
export * from './grpc-client';
export * from './rest-client';
export * from './informer';
export * from './work-queue';
export * from './kubeconfig';
export * from './event-recorder';
export * from './leader-election';
export * from './leader-daemon';
export * from './pager';
export * from './fake-api-client';
export * from './queue-controller';
export * from './tls';
export * from './swappable-client';
export * from './certificate-manager';
export * from './atomic-file';
