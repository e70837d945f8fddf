import { bytes, cpuMillis, secretText, type ConfigMap, type Container, type EnvVar, type Pod, type ResourceFieldSelector, type Secret, type Service } from '@tinykube/api';

// A container's environment as Kubernetes builds it (makeEnvironmentVariables): service
// variables of the pod's namespace, then envFrom's ConfigMaps and Secrets, then the container's
// own env (values, fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef) with $(VAR)
// references expanded.

/** The ConfigMaps and Secrets a pod names, as fetched for this sync; undefined: not found. */
export interface PodSources {
  configMaps: Map<string, ConfigMap | undefined>;
  secrets: Map<string, Secret | undefined>;
  /** The node's allocatable cpu and memory: what resourceFieldRef gives for an unset limit. */
  allocatable: { cpu: string; memory: string };
}

/** What keeps a container in CreateContainerConfigError until the pod's sources change. */
export class ContainerConfigError extends Error {}

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

/** A resource of a container as resourceFieldRef gives it: rounded up to the divisor, as Kubernetes does. */
export function resourceFieldValue(pod: Pod, self: Container | undefined, ref: ResourceFieldSelector, allocatable: PodSources['allocatable']): string {
  const c = ref.containerName ? [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === ref.containerName) : self;
  if (!c) throw new ContainerConfigError(`container ${ref.containerName ?? ''} not found in the pod`);
  const [kind, resource] = ref.resource.split('.') as ['limits' | 'requests', string];
  const set = kind === 'limits' ? c.resources?.limits?.[resource] : c.resources?.requests?.[resource];
  const value = set ?? (kind === 'limits' ? (allocatable as Record<string, string>)[resource] : undefined) ?? '0';
  if (resource === 'cpu') return String(Math.ceil(cpuMillis(value) / Math.max(cpuMillis(ref.divisor ?? '1'), 1)));
  return String(Math.ceil(bytes(value) / Math.max(bytes(ref.divisor ?? '1'), 1)));
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
export interface BuiltEnv {
  env: Record<string, string>;
  /** Kubernetes' InvalidEnvironmentVariableNames events: keys envFrom skipped. */
  skipped: string[];
}

/** Any printable ASCII but '=', as Kubernetes 1.32 allows for env names. */
const ENV_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;

export function containerEnv(pod: Pod, c: Container, services: Service[], podIP: string, hostIP: string, sources: PodSources, master?: Service): BuiltEnv {
  const linked = pod.spec.enableServiceLinks === false ? [] : services;
  const withMaster = master && !linked.some((s) => s.metadata.name === master.metadata.name) ? [...linked, master] : linked;
  const env: Record<string, string> = serviceEnv(withMaster);
  const ns = pod.metadata.namespace ?? 'default';
  const skipped: string[] = [];
  for (const f of c.envFrom ?? []) {
    const prefix = f.prefix ?? '';
    let values: Record<string, string> | undefined;
    let what = '';
    if (f.configMapRef) {
      const name = f.configMapRef.name ?? '';
      const cm = sources.configMaps.get(name);
      what = `configMap ${ns}/${name}`;
      if (!cm && !f.configMapRef.optional) throw new ContainerConfigError(`configmap "${name}" not found`);
      values = cm?.data;
    } else if (f.secretRef) {
      const name = f.secretRef.name ?? '';
      const s = sources.secrets.get(name);
      what = `secret ${ns}/${name}`;
      if (!s && !f.secretRef.optional) throw new ContainerConfigError(`secret "${name}" not found`);
      values = s ? Object.fromEntries(Object.keys(s.data ?? {}).map((k) => [k, secretText(s, k)!])) : undefined;
    }
    const bad: string[] = [];
    for (const [k, v] of Object.entries(values ?? {})) {
      if (ENV_NAME.test(prefix + k)) env[prefix + k] = v;
      else bad.push(prefix + k);
    }
    if (bad.length) skipped.push(`Keys [${bad.sort().join(', ')}] from the EnvFrom ${what} were skipped since they are considered invalid environment variable names.`);
  }
  for (const e of c.env ?? []) {
    const v = valueOf(pod, c, e, env, podIP, hostIP, sources);
    if (v !== undefined) env[e.name] = v;
  }
  return { env, skipped };
}

/** undefined: an optional source that is missing, so the variable is not set. */
function valueOf(pod: Pod, c: Container, e: EnvVar, env: Record<string, string>, podIP: string, hostIP: string, sources: PodSources): string | undefined {
  const from = e.valueFrom;
  if (!from) return expand(e.value ?? '', env);
  if (from.fieldRef) return fieldRefValue(pod, from.fieldRef.fieldPath, podIP, hostIP);
  if (from.resourceFieldRef) return resourceFieldValue(pod, c, from.resourceFieldRef, sources.allocatable);
  const ns = pod.metadata.namespace ?? 'default';
  if (from.configMapKeyRef) {
    const { name = '', key, optional } = from.configMapKeyRef;
    const cm = sources.configMaps.get(name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[key] ?? (cm.binaryData?.[key] !== undefined ? Buffer.from(cm.binaryData[key]!, 'base64').toString('utf8') : undefined);
    if (v === undefined && !optional) throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    return v;
  }
  if (from.secretKeyRef) {
    const { name = '', key, optional } = from.secretKeyRef;
    const s = sources.secrets.get(name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const v = secretText(s, key);
    if (v === undefined && !optional) throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    return v;
  }
  return expand(e.value ?? '', env);
}
