import * as fs from 'node:fs';
import { parseCidr } from '@tinykube/api';
import { run, runIn, succeeds } from './exec';
import type { ClusterPlan, NodePlan } from './plan';

// Creates and removes the hosts' network: a bridge on the master side, one namespace per node
// joined to it by a veth, and the service and cluster CIDRs routed to a sink interface (a
// bridge with no ports) everywhere, so a ClusterIP that no rule DNATs, or a pod address that no
// node owns, goes nowhere: never to the machine's default route. The nodes' own pod CIDRs are
// more specific routes (host-gw, and from the master too, which must reach pods). Node
// namespaces get no default route.

function prefix(plan: ClusterPlan): number {
  return parseCidr(plan.hostCidr).bits;
}

async function linkExists(netns: string | undefined, name: string): Promise<boolean> {
  return netns ? succeeds('ip', ['-n', netns, 'link', 'show', name]) : succeeds('ip', ['link', 'show', name]);
}

function ip(netns: string | undefined, args: string[]): Promise<unknown> {
  return run('ip', netns ? ['-n', netns, ...args] : args);
}

/** The kernels here have no `dummy` link type; a bridge without ports is the same sink. */
async function sink(name: string, cidrs: string[], netns: string | undefined): Promise<void> {
  if (!(await linkExists(netns, name))) await ip(netns, ['link', 'add', name, 'type', 'bridge']);
  await ip(netns, ['link', 'set', name, 'up']);
  for (const cidr of cidrs) await ip(netns, ['route', 'replace', cidr, 'dev', name]);
}

function clusterSink(plan: ClusterPlan, netns: string | undefined): Promise<void> {
  return sink(plan.serviceDummy, [plan.serviceCidr, plan.clusterCidr], netns);
}

/** A bare node host: the service and cluster CIDRs to a sink, forwarding on, bridged pod traffic through iptables. */
export async function prepareBareNode(serviceCidr: string, clusterCidr: string, sinkName = 'tk-svc0'): Promise<void> {
  await sink(sinkName, [serviceCidr, clusterCidr], undefined);
  await run('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  await run('sysctl', ['-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']).catch(() => undefined);
}

export async function setupMaster(plan: ClusterPlan): Promise<void> {
  if (!(await linkExists(undefined, plan.bridge))) await ip(undefined, ['link', 'add', plan.bridge, 'type', 'bridge']);
  // Frames between node hosts are switched, not filtered by the machine's own iptables.
  await succeeds('ip', ['link', 'set', plan.bridge, 'type', 'bridge', 'nf_call_iptables', '0']);
  await ip(undefined, ['addr', 'replace', `${plan.masterIp}/${prefix(plan)}`, 'dev', plan.bridge]);
  await ip(undefined, ['link', 'set', plan.bridge, 'up']);
  await clusterSink(plan, undefined);
}

/** The master reaches pods as the nodes do: each node's pod CIDR via that node's address. */
export async function routePodCidrs(plan: ClusterPlan, nodes: { ip: string; podCIDR: string }[]): Promise<void> {
  for (const n of nodes) if (n.podCIDR) await ip(undefined, ['route', 'replace', n.podCIDR, 'via', n.ip, 'dev', plan.bridge]);
}

export async function setupNode(plan: ClusterPlan, node: NodePlan): Promise<void> {
  if (!fs.existsSync(`/run/netns/${node.netns}`)) await run('ip', ['netns', 'add', node.netns]);
  if (!(await linkExists(undefined, node.veth))) await ip(undefined, ['link', 'add', node.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  await ip(undefined, ['link', 'set', node.veth, 'master', plan.bridge, 'up']);
  await ip(node.netns, ['link', 'set', 'lo', 'up']);
  await ip(node.netns, ['addr', 'replace', `${node.ip}/${prefix(plan)}`, 'dev', 'eth0']);
  await ip(node.netns, ['link', 'set', 'eth0', 'up']);
  await clusterSink(plan, node.netns);
  // A host forwards for its pods; bridged pod traffic passes iptables so Service DNAT works
  // between pods of one host.
  await runIn(node.netns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  await runIn(node.netns, 'sysctl', ['-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']).catch(() => undefined);
}

/** Removes a node namespace (its veth and everything inside go with it). */
export async function removeNode(node: NodePlan): Promise<void> {
  if (fs.existsSync(`/run/netns/${node.netns}`)) await run('ip', ['netns', 'del', node.netns]);
  // The root end goes with the namespace, though not always at once.
  if (await linkExists(undefined, node.veth)) await ip(undefined, ['link', 'del', node.veth]).catch(() => undefined);
}

export async function removeMaster(plan: ClusterPlan): Promise<void> {
  if (await linkExists(undefined, plan.serviceDummy)) await ip(undefined, ['link', 'del', plan.serviceDummy]);
  if (await linkExists(undefined, plan.bridge)) await ip(undefined, ['link', 'del', plan.bridge]);
}

/** Namespaces named like ours that exist now (down removes them even if the plan shrank). */
export function existingNodeNamespaces(prefix: string): string[] {
  try {
    return fs.readdirSync('/run/netns').filter((n) => new RegExp(`^${prefix}-node-\\d+$`).test(n));
  } catch {
    return [];
  }
}
