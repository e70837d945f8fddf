import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Pod } from '@tinykube/api';

// hostPort as the CNI portmap plugin makes it: traffic to one of the node's own addresses (from
// other hosts, and from the node itself) on a pod's hostPort is DNATed to the pod's IP and
// containerPort; a pod reaching itself through its node's hostPort is masqueraded so the reply
// comes back the same way. Loopback (127.0.0.0/8) is not forwarded: that needs route_localnet,
// which opens the node's localhost services to its neighbours. renderHostPorts is pure; the
// chains are rewritten whole on every change.

const exec = promisify(execFile);
export const HOSTPORTS_CHAIN = 'TK-HOSTPORTS';
export const HOSTPORTS_SNAT_CHAIN = 'TK-HOSTPORTS-SNAT';

export interface HostPortMapping {
  pod: string;
  podIP: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

/** The mappings of the pods running on this node with a pod IP of their own. */
export function hostPortMappings(pods: Pod[]): HostPortMapping[] {
  const out: HostPortMapping[] = [];
  for (const p of pods) {
    const ip = p.status?.podIP;
    if (!ip || p.spec.hostNetwork || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    for (const c of p.spec.containers) {
      for (const port of c.ports ?? []) {
        if (!port.hostPort) continue;
        const hostIP = port.hostIP && port.hostIP !== '0.0.0.0' ? port.hostIP : undefined;
        out.push({ pod: `${p.metadata.namespace}/${p.metadata.name}`, podIP: ip, hostPort: port.hostPort, containerPort: port.containerPort, protocol: (port.protocol ?? 'TCP').toLowerCase() as HostPortMapping['protocol'], ...(hostIP ? { hostIP } : {}) });
      }
    }
  }
  return out.sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol) || a.pod.localeCompare(b.pod));
}

/** iptables-restore input (nat table, --noflush) for these mappings. */
export function renderHostPorts(mappings: HostPortMapping[]): string {
  const lines = ['*nat', `:${HOSTPORTS_CHAIN} - [0:0]`, `:${HOSTPORTS_SNAT_CHAIN} - [0:0]`];
  for (const m of mappings) {
    const comment = `-m comment --comment "${m.pod} hostPort ${m.hostPort}"`;
    const dst = m.hostIP ? ` -d ${m.hostIP}/32` : '';
    lines.push(`-A ${HOSTPORTS_CHAIN} ${comment} -p ${m.protocol} -m ${m.protocol}${dst} --dport ${m.hostPort} -j DNAT --to-destination ${m.podIP}:${m.containerPort}`);
    lines.push(`-A ${HOSTPORTS_SNAT_CHAIN} ${comment} -s ${m.podIP}/32 -d ${m.podIP}/32 -p ${m.protocol} -m ${m.protocol} --dport ${m.containerPort} -j MASQUERADE`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

const JUMPS: [string, string[]][] = [
  ['PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', HOSTPORTS_CHAIN]],
  ['OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL', '!', '-d', '127.0.0.0/8', '-j', HOSTPORTS_CHAIN]],
  ['POSTROUTING', ['-j', HOSTPORTS_SNAT_CHAIN]],
];

/** Applies the rules when they differ from what was applied last; returns the text applied. */
export async function syncHostPorts(pods: Pod[], last: string | undefined): Promise<string> {
  const text = renderHostPorts(hostPortMappings(pods));
  if (text === last) return text;
  await new Promise<void>((resolve, reject) => {
    const child = execFile('iptables-restore', ['-w', '--noflush'], (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(text);
  });
  for (const [chain, rule] of JUMPS) {
    try {
      await exec('iptables', ['-w', '-t', 'nat', '-C', chain, ...rule]);
    } catch {
      await exec('iptables', ['-w', '-t', 'nat', '-I', chain, '1', ...rule]);
    }
  }
  return text;
}
