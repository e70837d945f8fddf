// @tinykube/controller-manager: the cluster's control loops on the shared informer runtime.
export * from './controller-context';
export * from './controller-manager';
export * from './controllers/zone-disruption';
export { aggregatedRules } from './controllers/clusterrole-aggregation';
