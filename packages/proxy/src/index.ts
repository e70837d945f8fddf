// @tinykube/proxy: Service and EndpointSlice tracking, iptables rule rendering, restore runner.
export * from './chain-names';
export * from './rules';
export * from './service-model';
export * from './proxier';
