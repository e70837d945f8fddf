// /healthz and /metrics (Prometheus text) for a daemon, on its own port.
import * as http from 'node:http';
import type { Registry } from 'prom-client';

export function serveHealthAndMetrics(address: string, port: number, metrics: Registry, healthy: () => boolean): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain' });
      res.end(ok ? 'ok' : 'not healthy');
    } else if (path === '/metrics') {
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
