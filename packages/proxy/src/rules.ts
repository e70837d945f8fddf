import { endpointChain, serviceChain } from './chain-names';

// Renders the iptables-restore input of one sync, as upstream kube-proxy's iptables mode:
// KUBE-SERVICES -> KUBE-SVC-<hash> per service port -> KUBE-SEP-<hash> per endpoint (DNAT),
// chosen with `statistic random` so each of n endpoints gets 1/n; KUBE-MARK-MASQ and
// KUBE-POSTROUTING masquerade what comes from outside the cluster CIDR and hairpin traffic;
// services without endpoints are REJECTed in the filter table. Pure: model in, text out.

export interface Endpoint {
  ip: string;
  port: number;
}

export interface ServicePortInfo {
  /** `namespace/name:portName` (portName may be empty). */
  name: string;
  clusterIP: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  nodePort?: number;
  sessionAffinitySeconds?: number;
  endpoints: Endpoint[];
}

export interface RenderOptions {
  clusterCidr: string;
  /** Service ports whose SVC/SEP chains are rewritten; undefined: all (a full sync). */
  changed?: ReadonlySet<string>;
  /** Chains that exist in the kernel now; those no longer wanted are deleted. */
  existingChains: ReadonlySet<string>;
}

export interface Rendered {
  text: string;
  /** Every SVC/SEP chain the rules want, written or not. */
  chains: Set<string>;
  rulesWritten: number;
  chainsWritten: number;
}

export const MASQ_MARK = '0x4000/0x4000';
const NAT_BASE = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
const FILTER_BASE = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD'];

function comment(text: string): string[] {
  return ['-m', 'comment', '--comment', `"${text.replace(/"/g, '')}"`];
}

function proto(p: ServicePortInfo): string[] {
  const l = p.protocol.toLowerCase();
  return ['-p', l, '-m', l];
}

export function render(services: ServicePortInfo[], o: RenderOptions): Rendered {
  const natChains: string[] = [];
  const natRules: string[][] = [];
  const filterRules: string[][] = [];
  const wanted = new Set<string>();
  let chainsWritten = 0;
  const full = o.changed === undefined;

  for (const c of NAT_BASE) natChains.push(c);
  natRules.push(['-A', 'KUBE-POSTROUTING', '-m', 'mark', '!', '--mark', MASQ_MARK, '-j', 'RETURN']);
  natRules.push(['-A', 'KUBE-POSTROUTING', '-j', 'MARK', '--xor-mark', '0x4000']);
  natRules.push(['-A', 'KUBE-POSTROUTING', ...comment('kubernetes service traffic requiring SNAT'), '-j', 'MASQUERADE', '--random-fully']);
  natRules.push(['-A', 'KUBE-MARK-MASQ', '-j', 'MARK', '--or-mark', '0x4000']);
  filterRules.push(['-A', 'KUBE-FORWARD', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP']);
  filterRules.push(['-A', 'KUBE-FORWARD', ...comment('kubernetes forwarding rules'), '-m', 'mark', '--mark', MASQ_MARK, '-j', 'ACCEPT']);
  filterRules.push(['-A', 'KUBE-FORWARD', ...comment('kubernetes forwarding conntrack rule'), '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT']);

  for (const sp of [...services].sort((a, b) => a.name.localeCompare(b.name) || a.protocol.localeCompare(b.protocol))) {
    const svc = serviceChain(sp.name, sp.protocol);
    const dst = ['-d', `${sp.clusterIP}/32`, ...proto(sp), '--dport', String(sp.port)];
    if (sp.endpoints.length === 0) {
      filterRules.push(['-A', 'KUBE-SERVICES', ...comment(`${sp.name} has no endpoints`), ...dst, '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable']);
      if (sp.nodePort)
        filterRules.push(['-A', 'KUBE-EXTERNAL-SERVICES', ...comment(`${sp.name} has no endpoints`), '-m', 'addrtype', '--dst-type', 'LOCAL', ...proto(sp), '--dport', String(sp.nodePort), '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable']);
      continue;
    }
    wanted.add(svc);
    natRules.push(['-A', 'KUBE-SERVICES', ...comment(`${sp.name} cluster IP`), ...dst, '-j', svc]);
    if (sp.nodePort) {
      natRules.push(['-A', 'KUBE-NODEPORTS', ...comment(sp.name), ...proto(sp), '--dport', String(sp.nodePort), '-j', 'KUBE-MARK-MASQ']);
      natRules.push(['-A', 'KUBE-NODEPORTS', ...comment(sp.name), ...proto(sp), '--dport', String(sp.nodePort), '-j', svc]);
    }
    const seps = sp.endpoints.map((e) => ({ e, chain: endpointChain(sp.name, sp.protocol, `${e.ip}:${e.port}`) }));
    for (const s of seps) wanted.add(s.chain);
    if (!full && !o.changed!.has(sp.name)) continue;
    // This service port's own chains are (re)written.
    natChains.push(svc, ...seps.map((s) => s.chain));
    chainsWritten += 1 + seps.length;
    natRules.push(['-A', svc, ...comment(`${sp.name} cluster IP`), '!', '-s', o.clusterCidr, ...dst, '-j', 'KUBE-MARK-MASQ']);
    if (sp.sessionAffinitySeconds)
      for (const s of seps) natRules.push(['-A', svc, ...comment(`${sp.name} -> ${s.e.ip}:${s.e.port}`), '-m', 'recent', '--name', s.chain, '--mask', '255.255.255.255', '--rsource', '--rcheck', '--seconds', String(sp.sessionAffinitySeconds), '--reap', '-j', s.chain]);
    seps.forEach((s, i) => {
      const n = seps.length - i;
      const pick = n > 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', (1 / n).toFixed(10)] : [];
      natRules.push(['-A', svc, ...comment(`${sp.name} -> ${s.e.ip}:${s.e.port}`), ...pick, '-j', s.chain]);
    });
    for (const s of seps) {
      natRules.push(['-A', s.chain, ...comment(sp.name), '-s', `${s.e.ip}/32`, '-j', 'KUBE-MARK-MASQ']);
      const affinity = sp.sessionAffinitySeconds ? ['-m', 'recent', '--name', s.chain, '--mask', '255.255.255.255', '--rsource', '--set'] : [];
      natRules.push(['-A', s.chain, ...comment(sp.name), ...proto(sp), ...affinity, '-j', 'DNAT', '--to-destination', `${s.e.ip}:${s.e.port}`]);
    }
  }
  natRules.push(['-A', 'KUBE-SERVICES', ...comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'), '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'KUBE-NODEPORTS']);

  // Chains that exist but are no longer wanted: flushed (declared) and deleted.
  const stale = [...o.existingChains].filter((c) => /^KUBE-(SVC|SEP)-/.test(c) && !wanted.has(c)).sort();
  const lines: string[] = ['*filter'];
  for (const c of FILTER_BASE) lines.push(`:${c} - [0:0]`);
  for (const r of filterRules) lines.push(r.join(' '));
  lines.push('COMMIT', '*nat');
  for (const c of natChains) lines.push(`:${c} - [0:0]`);
  for (const c of stale) lines.push(`:${c} - [0:0]`);
  for (const r of natRules) lines.push(r.join(' '));
  for (const c of stale) lines.push(`-X ${c}`);
  lines.push('COMMIT', '');
  return { text: lines.join('\n'), chains: wanted, rulesWritten: natRules.length + filterRules.length, chainsWritten: chainsWritten + stale.length };
}
