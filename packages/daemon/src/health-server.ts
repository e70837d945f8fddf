// /livez, /readyz, /healthz (named checks) and /metrics (Prometheus text) for a daemon, on its own port.
import * as http from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthChecks } from './health';

export function serveHealthAndMetrics(address: string, port: number, metrics: Registry, health: HealthChecks): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (health.handle(req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      void metrics.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType });
        res.end(text);
      });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}
