// Public entry of @tinykube/api: Kubernetes-shaped types, defaulting, validation, selectors.
export * from './meta';
export * from './core';
export * from './apps';
export * from './resources';
export * from './errors';
export * from './selectors';
export * from './quantity';
export * from './intstr';
export * from './names';
export * from './defaults';
export * from './validation';
export * from './qos';
export * from './config';
export * from './object-util';
export * from './net';
export * from './time';
export * from './json';
