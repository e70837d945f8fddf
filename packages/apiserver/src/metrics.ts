// Prometheus metrics of the apiserver.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requestDuration: Histogram<'verb' | 'code'>;
  grpcRequests: Counter<'method' | 'code'>;
  watchers: Gauge;
}

/** The apiserver's metrics, in the daemon's registry (which has the process metrics) or a new one. */
export function createMetrics(given?: Registry): Metrics {
  let registry = given;
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return {
    registry,
    requestDuration: new Histogram({ name: 'apiserver_request_duration_seconds', help: 'REST request latency', labelNames: ['verb', 'code'], registers: [registry], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] }),
    grpcRequests: new Counter({ name: 'apiserver_grpc_requests_total', help: 'gRPC requests by method and status code', labelNames: ['method', 'code'], registers: [registry] }),
    watchers: new Gauge({ name: 'apiserver_registered_watchers', help: 'Open watch streams (REST and gRPC)', registers: [registry] }),
  };
}
