import type { Pod } from '@tinykube/api';

// A pod's resolv.conf, as the kubelet's GetPodDNS writes it: ClusterFirst names the cluster DNS
// with the pod's namespace, svc and the cluster domain to search and ndots:5; Default takes the
// node's resolv.conf (the kubelet's --resolv-conf); None only dnsConfig; hostNetwork pods are
// Default unless ClusterFirstWithHostNet. dnsConfig's nameservers, searches and options are
// merged on top, within Kubernetes' limits (3 nameservers, 32 search domains).

export interface DnsSettings {
  clusterDns: string[];
  clusterDomain: string;
  /** The node's resolv.conf text ('' when it has none). */
  hostResolvConf: string;
}

export interface PodDns {
  nameservers: string[];
  searches: string[];
  options: string[];
  /** Why ClusterFirst could not be honoured (Kubernetes' MissingClusterDNS event). */
  warning?: string;
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

function parseResolvConf(text: string): { nameservers: string[]; searches: string[]; options: string[] } {
  const out = { nameservers: [] as string[], searches: [] as string[], options: [] as string[] };
  for (const raw of text.split('\n')) {
    const f = raw.replace(/[#;].*/, '').trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) out.nameservers.push(f[1]);
    else if (f[0] === 'search' || f[0] === 'domain') out.searches = f.slice(1);
    else if (f[0] === 'options') out.options.push(...f.slice(1));
  }
  return out;
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** Options merge by name, a later one replacing an earlier (ndots:5 then ndots:2 is ndots:2). */
function mergeOptions(base: string[], extra: { name: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0]!, o);
  for (const o of extra) byName.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return [...byName.values()];
}

export function podDns(pod: Pod, s: DnsSettings): PodDns {
  let policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  if (pod.spec.hostNetwork) policy = policy === 'ClusterFirstWithHostNet' ? 'ClusterFirst' : policy === 'None' ? 'None' : 'Default';
  else if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  let warning: string | undefined;
  if (policy === 'ClusterFirst' && s.clusterDns.length === 0) {
    warning = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
    policy = 'Default';
  }
  const host = parseResolvConf(s.hostResolvConf);
  let dns: PodDns;
  if (policy === 'ClusterFirst') {
    const ns = pod.metadata.namespace ?? 'default';
    dns = { nameservers: [...s.clusterDns], searches: [`${ns}.svc.${s.clusterDomain}`, `svc.${s.clusterDomain}`, s.clusterDomain, ...host.searches], options: ['ndots:5'] };
  } else if (policy === 'Default') dns = { nameservers: host.nameservers, searches: host.searches, options: host.options };
  else dns = { nameservers: [], searches: [], options: [] };
  const c = pod.spec.dnsConfig;
  if (c) {
    dns.nameservers = [...dns.nameservers, ...(c.nameservers ?? [])];
    dns.searches = [...dns.searches, ...(c.searches ?? [])];
    dns.options = mergeOptions(dns.options, c.options ?? []);
  }
  dns.nameservers = unique(dns.nameservers).slice(0, MAX_NAMESERVERS);
  dns.searches = unique(dns.searches).slice(0, MAX_SEARCHES);
  return { ...dns, ...(warning ? { warning } : {}) };
}

export function resolvConfText(d: PodDns): string {
  return [...d.nameservers.map((n) => `nameserver ${n}`), ...(d.searches.length ? [`search ${d.searches.join(' ')}`] : []), ...(d.options.length ? [`options ${d.options.join(' ')}`] : [])].join('\n') + '\n';
}
