// Public entry of @tinykube/ctl, for tests.
export * from './commands';
export * from './table-printer';
export * from './manifests';
