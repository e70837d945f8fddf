// @tinykube/scheduler: filter, score and bind.
export * from './predicates';
export * from './scheduler';
