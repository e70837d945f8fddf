import type { Container, EnvVar, Pod, Service } from '@tinykube/api';

// A container's environment as Kubernetes builds it: service variables of the pod's namespace
// first, then the container's own env with fieldRef values and $(VAR) references expanded.

/** `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT` and the Docker-link style variables. */
export function serviceEnv(services: Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of services) {
    const ip = s.spec.clusterIP;
    if (!ip || ip === 'None' || !s.spec.ports?.length) continue;
    const name = (s.metadata.name ?? '').toUpperCase().replace(/-/g, '_');
    const first = s.spec.ports[0]!;
    env[`${name}_SERVICE_HOST`] = ip;
    env[`${name}_SERVICE_PORT`] = String(first.port);
    for (const p of s.spec.ports) if (p.name) env[`${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    env[`${name}_PORT`] = `${proto}://${ip}:${first.port}`;
    for (const p of s.spec.ports) {
      const pr = (p.protocol ?? 'TCP').toLowerCase();
      const prefix = `${name}_PORT_${p.port}_${pr.toUpperCase()}`;
      env[prefix] = `${pr}://${ip}:${p.port}`;
      env[`${prefix}_PROTO`] = pr;
      env[`${prefix}_PORT`] = String(p.port);
      env[`${prefix}_ADDR`] = ip;
    }
  }
  return env;
}

export function fieldRefValue(pod: Pod, fieldPath: string, podIP: string, hostIP: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
      return podIP;
    case 'status.hostIP':
      return hostIP;
  }
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label) return pod.metadata.labels?.[label[1]!] ?? '';
  const ann = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (ann) return pod.metadata.annotations?.[ann[1]!] ?? '';
  throw new Error(`unsupported fieldRef ${fieldPath}`);
}

/** Expands $(NAME) from `vars`; $$ is a literal $; unknown references stay as written. */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : name !== undefined && name in vars ? vars[name]! : m));
}

/**
 * `services` are those of the pod's namespace; `master` is default/kubernetes, whose variables
 * (KUBERNETES_SERVICE_HOST, ...) every pod gets, even with enableServiceLinks false, as in
 * Kubernetes, unless a Service of the same name in the pod's namespace takes its place.
 */
export function containerEnv(pod: Pod, c: Container, services: Service[], podIP: string, hostIP: string, master?: Service): Record<string, string> {
  const linked = pod.spec.enableServiceLinks === false ? [] : services;
  const withMaster = master && !linked.some((s) => s.metadata.name === master.metadata.name) ? [...linked, master] : linked;
  const env: Record<string, string> = serviceEnv(withMaster);
  for (const e of c.env ?? []) env[e.name] = valueOf(pod, e, env, podIP, hostIP);
  return env;
}

function valueOf(pod: Pod, e: EnvVar, env: Record<string, string>, podIP: string, hostIP: string): string {
  if (e.valueFrom?.fieldRef) return fieldRefValue(pod, e.valueFrom.fieldRef.fieldPath, podIP, hostIP);
  if (e.valueFrom) throw new Error(`env ${e.name}: only value and valueFrom.fieldRef are supported`);
  return expand(e.value ?? '', env);
}
