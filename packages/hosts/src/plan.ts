import * as path from 'node:path';
import { cidrsOverlap, formatCidr, numberToIp, parseCidr } from '@tinykube/api';

// The local cluster's layout, computed from flags alone (no side effects), so `up`, `down`,
// the tests and cluster.json all agree on names, addresses and paths.

export interface PlanOptions {
  nodes: number;
  /** The network the hosts share (the master's bridge): master .1, node i at .10+i. */
  hostCidr: string;
  clusterCidr: string;
  serviceCidr: string;
  /** `.tinykube/` of the checkout. */
  stateDir: string;
  /** Built images and the registry's storage; kept by `down` (default: <stateDir>/cache). */
  cacheDir?: string;
  /** Prefix of every interface, namespace and runtime path, so two clusters can coexist (default `tk`). */
  prefix?: string;
  /** etcd's client port; its peer port is the next one (default 2379). */
  etcdPort?: number;
}

export interface NodePlan {
  name: string;
  netns: string;
  ip: string;
  /** Root-namespace end of the node's veth, enslaved to the bridge. */
  veth: string;
  dockerSocket: string;
  dockerDataRoot: string;
  dockerExecRoot: string;
}

export interface ClusterPlan {
  stateDir: string;
  cacheDir: string;
  prefix: string;
  /** Runtime directory (sockets, exec roots) under /run. */
  runDir: string;
  hostCidr: string;
  clusterCidr: string;
  serviceCidr: string;
  bridge: string;
  /** Dummy interface the service CIDR is routed to, in the root and every node namespace. */
  serviceDummy: string;
  masterIp: string;
  apiserverPort: number;
  grpcPort: number;
  registry: string;
  etcdClientUrl: string;
  etcdPeerUrl: string;
  nodes: NodePlan[];
}

/** Short runtime paths: unix socket paths must stay under 108 bytes. */
const RUN_ROOT = '/run/tinykube';

export function makePlan(o: PlanOptions): ClusterPlan {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 50) throw new Error(`--nodes must be 1..50, got ${o.nodes}`);
  const host = parseCidr(o.hostCidr);
  const cluster = parseCidr(o.clusterCidr);
  const service = parseCidr(o.serviceCidr);
  if (host.size < 64) throw new Error(`--host-cidr ${o.hostCidr} is too small (need a /26 or larger)`);
  const named: [string, typeof host][] = [['--host-cidr', host], ['--cluster-cidr', cluster], ['--service-cidr', service]];
  for (let i = 0; i < named.length; i++)
    for (let j = i + 1; j < named.length; j++)
      if (cidrsOverlap(named[i]![1], named[j]![1])) throw new Error(`${named[i]![0]} ${formatCidr(named[i]![1])} overlaps ${named[j]![0]} ${formatCidr(named[j]![1])}`);
  const prefix = o.prefix ?? 'tk';
  if (!/^[a-z][a-z0-9]{0,3}$/.test(prefix)) throw new Error(`--prefix must be 1-4 lowercase letters or digits, starting with a letter, got ${prefix}`);
  const runDir = `${RUN_ROOT}/${prefix}`;
  const etcdPort = o.etcdPort ?? 2379;
  const masterIp = numberToIp(host.base + 1);
  const nodes: NodePlan[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    const name = `node-${i}`;
    nodes.push({
      name,
      netns: `${prefix}-${name}`,
      ip: numberToIp(host.base + 10 + i),
      veth: `${prefix}-${name}`,
      dockerSocket: `${runDir}/${name}/docker.sock`,
      dockerDataRoot: path.join(o.stateDir, 'hosts', name, 'docker'),
      dockerExecRoot: `${runDir}/${name}/exec`,
    });
  }
  return {
    stateDir: o.stateDir,
    cacheDir: o.cacheDir ?? path.join(o.stateDir, 'cache'),
    prefix,
    runDir,
    hostCidr: formatCidr(host),
    clusterCidr: formatCidr(cluster),
    serviceCidr: formatCidr(service),
    bridge: `${prefix}-br0`,
    serviceDummy: `${prefix}-svc0`,
    masterIp,
    apiserverPort: 6443,
    grpcPort: 6444,
    registry: `${masterIp}:5000`,
    etcdClientUrl: `http://127.0.0.1:${etcdPort}`,
    etcdPeerUrl: `http://127.0.0.1:${etcdPort + 1}`,
    nodes,
  };
}
