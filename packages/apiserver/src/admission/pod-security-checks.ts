// The Pod Security Standards' checks, as Kubernetes' pod-security-admission evaluates them for
// the `latest` version: each returns the words Kubernetes prints for a violation, or nothing.
// `baseline` forbids the known privilege escalations; `restricted` adds the hardening rules.
import type { Pod } from '@tinykube/api';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  appArmorProfile?: { type?: string };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: { name: string }[];
}

interface LooseContainer {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
}

interface LooseSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  volumes?: Record<string, unknown>[];
  containers?: LooseContainer[];
  initContainers?: LooseContainer[];
  ephemeralContainers?: LooseContainer[];
}

type Check = (spec: LooseSpec, meta: Pod['metadata']) => string | undefined;

const containersOf = (s: LooseSpec): LooseContainer[] => [...(s.initContainers ?? []), ...(s.containers ?? []), ...(s.ephemeralContainers ?? [])];
const quote = (xs: string[]): string => xs.map((x) => JSON.stringify(x)).join(', ');
const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);
const containersPhrase = (names: string[]): string => `${plural(names.length, 'container', 'containers')} ${quote(names)}`;

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

const BASELINE: Check[] = [
  (s) => {
    const host = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => s[k] === true);
    return host.length ? `host namespaces (${host.map((k) => `${k}=true`).join(', ')})` : undefined;
  },
  (s) => {
    const bad = containersOf(s).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
    return bad.length ? `privileged (${containersPhrase(bad)} must not set securityContext.privileged=true)` : undefined;
  },
  (s) => {
    const bad = containersOf(s).filter((c) => (c.securityContext?.capabilities?.add ?? []).some((cap) => !BASELINE_CAPABILITIES.has(cap)));
    if (!bad.length) return undefined;
    const caps = [...new Set(bad.flatMap((c) => (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap))))];
    return `non-default capabilities (${containersPhrase(bad.map((c) => c.name))} must not include ${quote(caps)} in securityContext.capabilities.add)`;
  },
  (s) => {
    const bad = (s.volumes ?? []).filter((v) => v['hostPath'] !== undefined).map((v) => String(v['name']));
    return bad.length ? `hostPath ${plural(bad.length, 'volume', 'volumes')} (${quote(bad)})` : undefined;
  },
  (s) => {
    const bad = containersOf(s).filter((c) => (c.ports ?? []).some((p) => p.hostPort));
    if (!bad.length) return undefined;
    const ports = [...new Set(bad.flatMap((c) => (c.ports ?? []).map((p) => p.hostPort).filter((p): p is number => !!p)))];
    return `hostPort (${containersPhrase(bad.map((c) => c.name))} ${plural(bad.length, 'uses', 'use')} ${plural(ports.length, 'hostPort', 'hostPorts')} ${ports.join(', ')})`;
  },
  (s) => {
    const bad = containersOf(s).filter((c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default').map((c) => c.name);
    return bad.length ? `procMount (${containersPhrase(bad)} must not set securityContext.procMount to "Unmasked")` : undefined;
  },
  (s) => {
    const podBad = s.securityContext?.seccompProfile?.type === 'Unconfined';
    const bad = containersOf(s).filter((c) => c.securityContext?.seccompProfile?.type === 'Unconfined').map((c) => c.name);
    if (!podBad && !bad.length) return undefined;
    return `seccompProfile (${[...(podBad ? ['pod'] : []), ...(bad.length ? [containersPhrase(bad)] : [])].join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined")`;
  },
  (s) => {
    const all = [s.securityContext, ...containersOf(s).map((c) => c.securityContext)];
    const bad = all.some((c) => c?.seLinuxOptions?.user || c?.seLinuxOptions?.role || (c?.seLinuxOptions?.type && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(c.seLinuxOptions.type)));
    return bad ? 'seLinuxOptions (pod or containers must not set securityContext.seLinuxOptions.user, .role, or a type other than container_t, container_init_t, container_kvm_t, container_engine_t)' : undefined;
  },
  (s) => {
    const all = [s.securityContext, ...containersOf(s).map((c) => c.securityContext)];
    return all.some((c) => c?.appArmorProfile?.type === 'Unconfined') ? 'appArmorProfile (pod or containers must not set securityContext.appArmorProfile.type to "Unconfined")' : undefined;
  },
  (s) => {
    const bad = (s.securityContext?.sysctls ?? []).map((x) => x.name).filter((n) => !SAFE_SYSCTLS.has(n));
    return bad.length ? `forbidden sysctls (${bad.join(', ')})` : undefined;
  },
  (s) => {
    const bad = [s.securityContext, ...containersOf(s).map((c) => c.securityContext)].some((c) => c?.windowsOptions?.hostProcess === true);
    return bad ? 'hostProcess (pod or containers must not set securityContext.windowsOptions.hostProcess=true)' : undefined;
  },
];

const RESTRICTED: Check[] = [
  (s) => {
    const bad = (s.volumes ?? []).map((v) => ({ name: String(v['name']), type: Object.keys(v).find((k) => k !== 'name') ?? '' })).filter((v) => !RESTRICTED_VOLUMES.has(v.type));
    if (!bad.length) return undefined;
    return `restricted volume types (${plural(bad.length, 'volume', 'volumes')} ${quote(bad.map((v) => v.name))} ${plural(bad.length, 'uses', 'use')} restricted volume ${plural(new Set(bad.map((v) => v.type)).size, 'type', 'types')} ${quote([...new Set(bad.map((v) => v.type))])})`;
  },
  (s) => {
    const bad = containersOf(s).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
    return bad.length ? `allowPrivilegeEscalation != false (${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false)` : undefined;
  },
  (s) => {
    const podNonRoot = s.securityContext?.runAsNonRoot;
    if (podNonRoot === false) return 'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)';
    const bad = containersOf(s).filter((c) => c.securityContext?.runAsNonRoot === false || (podNonRoot !== true && c.securityContext?.runAsNonRoot !== true)).map((c) => c.name);
    return bad.length ? `runAsNonRoot != true (pod or ${containersPhrase(bad)} must set securityContext.runAsNonRoot=true)` : undefined;
  },
  (s) => {
    const pod = s.securityContext?.runAsUser === 0;
    const bad = containersOf(s).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
    if (!pod && !bad.length) return undefined;
    return `runAsUser=0 (${[...(pod ? ['pod'] : []), ...(bad.length ? [containersPhrase(bad)] : [])].join(' and ')} must not set runAsUser=0)`;
  },
  (s) => {
    const ok = (t: string | undefined): boolean => t === 'RuntimeDefault' || t === 'Localhost';
    const podOk = ok(s.securityContext?.seccompProfile?.type);
    const bad = containersOf(s).filter((c) => (c.securityContext?.seccompProfile?.type === undefined ? !podOk : !ok(c.securityContext.seccompProfile.type))).map((c) => c.name);
    return bad.length ? `seccompProfile (pod or ${containersPhrase(bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")` : undefined;
  },
  (s) => {
    const noDrop = containersOf(s).filter((c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL')).map((c) => c.name);
    const adds = containersOf(s).filter((c) => (c.securityContext?.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE'));
    const parts = [
      ...(noDrop.length ? [`${containersPhrase(noDrop)} must set securityContext.capabilities.drop=["ALL"]`] : []),
      ...(adds.length ? [`${containersPhrase(adds.map((c) => c.name))} must not include ${quote([...new Set(adds.flatMap((c) => (c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE')))])} in securityContext.capabilities.add`] : []),
    ];
    return parts.length ? `unrestricted capabilities (${parts.join('; ')})` : undefined;
  },
];

/** Baseline checks a restricted one replaces (Kubernetes' OverrideCheckIDs): capabilities, hostPath volumes, seccomp. */
const OVERRIDDEN_BY_RESTRICTED = new Set([BASELINE[2], BASELINE[3], BASELINE[6]]);

/** The violations of a pod spec at a level, in Kubernetes' words and order. */
export function podSecurityViolations(level: Level, pod: Pick<Pod, 'spec' | 'metadata'>): string[] {
  if (level === 'privileged') return [];
  const spec = (pod.spec ?? {}) as unknown as LooseSpec;
  const checks = level === 'baseline' ? BASELINE : [...BASELINE.filter((c) => !OVERRIDDEN_BY_RESTRICTED.has(c)), ...RESTRICTED];
  return checks.map((c) => c(spec, pod.metadata)).filter((v): v is string => v !== undefined);
}
