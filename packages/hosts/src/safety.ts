import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '@tinykube/api';
import { run } from './exec';

// Network safety: before anything is created, the cluster's ranges are compared with every
// address and route the machine already has. Any overlap refuses the start.

export interface MachineRange {
  cidr: string;
  /** Where it was seen: "address on eth0", "route via 192.0.2.1", ... */
  source: string;
}

interface IpAddr {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}

/** Pure: the ranges an `ip -j addr` and `ip -j route` output show, leaving out our own interfaces. */
export function machineRanges(addrs: IpAddr[], routes: IpRoute[], ownInterfaces: ReadonlySet<string>): MachineRange[] {
  const out: MachineRange[] = [];
  for (const a of addrs) {
    if (ownInterfaces.has(a.ifname)) continue;
    for (const info of a.addr_info ?? []) {
      if (info.family !== 'inet') continue;
      out.push({ cidr: formatCidr(parseCidr(`${info.local}/${info.prefixlen}`)), source: `address ${info.local}/${info.prefixlen} on ${a.ifname}` });
    }
  }
  for (const r of routes) {
    if (r.dev && ownInterfaces.has(r.dev)) continue;
    if (r.dst !== 'default') {
      const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
      out.push({ cidr: formatCidr(parseCidr(dst)), source: `route to ${r.dst}${r.dev ? ` dev ${r.dev}` : ''}` });
    }
    if (r.gateway) out.push({ cidr: `${r.gateway}/32`, source: `gateway ${r.gateway}${r.dev ? ` dev ${r.dev}` : ''}` });
  }
  return out;
}

/** Pure: every (cluster range, machine range) pair that overlaps, as messages. */
export function overlaps(cluster: Record<string, string>, machine: MachineRange[]): string[] {
  const problems: string[] = [];
  for (const [flag, cidr] of Object.entries(cluster)) {
    const c: Cidr = parseCidr(cidr);
    for (const m of machine) {
      if (m.cidr.startsWith('127.')) continue;
      if (cidrsOverlap(c, parseCidr(m.cidr))) problems.push(`${flag} ${cidr} overlaps the machine's ${m.source} (${m.cidr})`);
    }
  }
  return problems;
}

/** Reads the root namespace's addresses and routes (all tables) and refuses on any overlap. */
export async function assertNoOverlap(cluster: Record<string, string>, ownInterfaces: ReadonlySet<string>): Promise<void> {
  const addrs = JSON.parse((await run('ip', ['-j', '-4', 'addr', 'show'])).stdout) as IpAddr[];
  const routes = JSON.parse((await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])).stdout) as IpRoute[];
  const problems = overlaps(cluster, machineRanges(addrs, routes.filter((r) => !isLocalTableNoise(r)), ownInterfaces));
  if (problems.length > 0)
    throw new Error(`refusing to start: the cluster's ranges overlap this machine's networks:\n  ${problems.join('\n  ')}\nChoose other ranges with --host-cidr, --cluster-cidr or --service-cidr.`);
}

/** Broadcast and loopback entries of the local table repeat the addresses already checked. */
function isLocalTableNoise(r: IpRoute & { type?: string }): boolean {
  return r.type === 'broadcast' || r.dst.startsWith('127.');
}
