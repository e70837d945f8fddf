import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cidrContains, numberToIp, parseCidr, type Node } from '@tinykube/api';
import type { DockerRuntime } from './docker-runtime';

// The host's pod network: a Docker bridge network on the node's pod CIDR (no NAT between pods),
// FORWARD accepted for the cluster CIDR, and host-gw routes: every other node's pod CIDR via
// that node's IP. Routes are reconciled against the Node objects on each change.

const exec = promisify(execFile);

export const POD_NETWORK = 'tinykube';
export const POD_BRIDGE = 'tk-pods';
const FORWARD_CHAIN = 'TK-POD-FORWARD';

export async function ensurePodNetwork(runtime: DockerRuntime, podCIDR: string): Promise<void> {
  const c = parseCidr(podCIDR);
  const gateway = numberToIp(c.base + 1);
  const existing = (await runtime.docker.listNetworks({ filters: { name: [POD_NETWORK] } })).find((n) => n.Name === POD_NETWORK);
  if (existing) {
    if (existing.IPAM?.Config?.[0]?.Subnet === podCIDR) return;
    // The node got another pod CIDR (it was re-created): the old network goes.
    await runtime.docker.getNetwork(existing.Id).remove();
  }
  await runtime.docker.createNetwork({
    Name: POD_NETWORK,
    Driver: 'bridge',
    IPAM: { Driver: 'default', Config: [{ Subnet: podCIDR, Gateway: gateway }] },
    Options: {
      'com.docker.network.bridge.name': POD_BRIDGE,
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      'com.docker.network.bridge.enable_icc': 'true',
    },
  });
}

/** Accepts forwarded traffic from and to the cluster CIDR, whatever FORWARD's policy. */
export async function ensureForwarding(clusterCidr: string): Promise<void> {
  const rules = ['*filter', `:${FORWARD_CHAIN} - [0:0]`, `-A ${FORWARD_CHAIN} -s ${clusterCidr} -j ACCEPT`, `-A ${FORWARD_CHAIN} -d ${clusterCidr} -j ACCEPT`, 'COMMIT', ''].join('\n');
  await restore(rules);
  try {
    await exec('iptables', ['-w', '-t', 'filter', '-C', 'FORWARD', '-j', FORWARD_CHAIN]);
  } catch {
    await exec('iptables', ['-w', '-t', 'filter', '-I', 'FORWARD', '1', '-j', FORWARD_CHAIN]);
  }
}

function restore(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('iptables-restore', ['-w', '--noflush'], (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(text);
  });
}

interface RouteEntry {
  dst: string;
  gateway?: string;
}

/** Pure: the routes to add and the ones to delete for these nodes. */
export function routeChanges(self: string, clusterCidr: string, nodes: Node[], current: RouteEntry[]): { add: RouteEntry[]; del: RouteEntry[] } {
  const cluster = parseCidr(clusterCidr);
  const want = new Map<string, string>();
  for (const n of nodes) {
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const cidr = n.spec?.podCIDR;
    if (n.metadata.name === self || !ip || !cidr) continue;
    want.set(cidr, ip);
  }
  const ours = current.filter((r) => r.gateway && r.dst.includes('/') && cidrContains(cluster, r.dst.split('/')[0]!));
  const del = ours.filter((r) => want.get(r.dst) !== r.gateway);
  const add = [...want].filter(([dst, gw]) => !ours.some((r) => r.dst === dst && r.gateway === gw)).map(([dst, gateway]) => ({ dst, gateway }));
  return { add, del };
}

export async function syncRoutes(self: string, clusterCidr: string, nodes: Node[]): Promise<number> {
  const current = JSON.parse((await exec('ip', ['-j', '-4', 'route', 'show'])).stdout) as RouteEntry[];
  const { add, del } = routeChanges(self, clusterCidr, nodes, current);
  for (const r of del) await exec('ip', ['route', 'del', r.dst, 'via', r.gateway!]);
  for (const r of add) await exec('ip', ['route', 'replace', r.dst, 'via', r.gateway!]);
  return add.length + del.length;
}

interface BridgePort {
  ifname: string;
  linkinfo?: { info_slave_data?: { hairpin?: boolean } };
}

/**
 * Hairpin mode on every port of the pod bridge: a pod that reaches itself through its own
 * Service is DNATed back to the port its packet came from, which a bridge only allows then.
 */
export async function ensureHairpin(): Promise<void> {
  const ports = JSON.parse((await exec('ip', ['-j', '-d', 'link', 'show', 'master', POD_BRIDGE])).stdout || '[]') as BridgePort[];
  for (const p of ports) {
    if (p.linkinfo?.info_slave_data?.hairpin) continue;
    await exec('ip', ['link', 'set', p.ifname, 'type', 'bridge_slave', 'hairpin', 'on']);
  }
}
