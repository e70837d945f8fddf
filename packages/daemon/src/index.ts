// @tinykube/daemon: what every daemon shares (flags, logger, metrics, named health checks, stop).
export * from './daemon';
export * from './health';
export * from './health-server';
