// Workloads the end-to-end tests and the benchmarks share.
import type { Deployment } from '@tinykube/api';

/**
 * `replicas` busybox httpd pods on the given nodes, each answering GET / with its own hostname
 * on the named port `http` (8080), Ready once that port accepts connections. `preStopSeconds`
 * keeps a deleted pod serving while its endpoint is withdrawn, as production pods do.
 */
export function hostnameServers(name: string, namespace: string, replicas: number, nodes: string[], preStopSeconds = 0): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: nodes }] }] } } },
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'httpd',
              image: 'busybox:1.35',
              command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 },
              ...(preStopSeconds ? { lifecycle: { preStop: { exec: { command: ['sleep', String(preStopSeconds)] } } } } : {}),
            },
          ],
        },
      },
    },
  };
}
