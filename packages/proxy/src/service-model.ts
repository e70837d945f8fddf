import { SERVICE_NAME_LABEL, type EndpointSlice, type Service } from '@tinykube/api';
import type { ServicePortInfo } from './rules';

// Services and their EndpointSlices to the rules' model: one entry per service port with the
// endpoints of the slices whose port matches by name and protocol, as kube-proxy does: the
// ready ones, or, when none is ready, those still serving while they terminate. Headless and
// ExternalName services get no rules.

/** The slices of each Service, by namespace/name, from their kubernetes.io/service-name label. */
export function slicesByService(slices: EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.addressType !== 'IPv4') continue;
    const key = `${s.metadata.namespace}/${svc}`;
    out.set(key, [...(out.get(key) ?? []), s]);
  }
  return out;
}

export function servicePorts(services: Service[], slices: Map<string, EndpointSlice[]>): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const s of services) {
    const ip = s.spec.clusterIP;
    if (!ip || ip === 'None' || s.spec.type === 'ExternalName') continue;
    const key = `${s.metadata.namespace}/${s.metadata.name}`;
    for (const p of s.spec.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      if (protocol !== 'TCP' && protocol !== 'UDP') continue;
      const ready = new Map<string, { ip: string; port: number }>();
      const terminating = new Map<string, { ip: string; port: number }>();
      for (const slice of slices.get(key) ?? []) {
        const port = (slice.ports ?? []).find((x) => (x.name ?? '') === (p.name ?? '') && (x.protocol ?? 'TCP') === protocol);
        if (port?.port === undefined) continue;
        for (const e of slice.endpoints ?? []) {
          const addr = e.addresses?.[0];
          if (!addr) continue;
          const c = e.conditions ?? {};
          // An unset ready counts as ready, as the API documents it.
          if (c.ready !== false) ready.set(addr, { ip: addr, port: port.port });
          else if (c.serving && c.terminating) terminating.set(addr, { ip: addr, port: port.port });
        }
      }
      const list = [...(ready.size ? ready : terminating).values()].sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
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
