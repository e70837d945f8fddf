import type { Endpoints, Service } from '@tinykube/api';
import type { ServicePortInfo } from './rules';

// Services and Endpoints to the rules' model: one entry per service port with its ready
// endpoints, matched by port name and protocol as Kubernetes does. Headless and ExternalName
// services get no rules.

export function servicePorts(services: Service[], endpoints: Map<string, Endpoints>): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const s of services) {
    const ip = s.spec.clusterIP;
    if (!ip || ip === 'None' || s.spec.type === 'ExternalName') continue;
    const key = `${s.metadata.namespace}/${s.metadata.name}`;
    const ep = endpoints.get(key);
    for (const p of s.spec.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      if (protocol !== 'TCP' && protocol !== 'UDP') continue;
      const list: { ip: string; port: number }[] = [];
      for (const subset of ep?.subsets ?? []) {
        const port = subset.ports?.find((x) => (x.name ?? '') === (p.name ?? '') && (x.protocol ?? 'TCP') === protocol);
        if (!port) continue;
        for (const a of subset.addresses ?? []) list.push({ ip: a.ip, port: port.port });
      }
      list.sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
      const affinity = s.spec.sessionAffinity === 'ClientIP' ? (s.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined;
      out.push({
        name: `${key}:${p.name ?? ''}`,
        clusterIP: ip,
        port: p.port,
        protocol,
        ...(p.nodePort && (s.spec.type === 'NodePort' || s.spec.type === 'LoadBalancer') ? { nodePort: p.nodePort } : {}),
        ...(affinity ? { sessionAffinitySeconds: affinity } : {}),
        endpoints: list,
      });
    }
  }
  return out;
}
