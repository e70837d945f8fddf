import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { getCondition, R, type Node } from '@tinykube/api';
import { readTlsIdentity, RestClient, renderKubeconfig, tlsFetch, type TlsIdentity } from '@tinykube/client';
import { apiserverArgs, CONTROLLER_MANAGER_PORT, controllerManagerArgs, etcdArgs, kubeletArgs, nodeHeartbeat, proxyArgs, schedulerArgs, SCHEDULER_PORT, type MasterConfig, type NodeConfig } from './daemon-args';
import { startDockerd, stopDockerd, unmountUnder, type DockerdOptions } from './dockerd';
import { ensureImage, loadImageSpecs } from './images';
import { existingNodeNamespaces, removeMaster, removeNode, routePodCidrs, setupMaster, setupNode } from './network';
import { makePlan, type ClusterPlan, type NodePlan, type PlanOptions } from './plan';
import { Daemons } from './processes';
import { startRegistry } from './registry';
import { ensureBootstrapToken, ensureClusterPki, pkiFiles } from './pki';
import { discoverCluster, ensureClusterInfo, writeJoinFiles } from './join';
import { caCertHash } from '@tinykube/pki';
import { assertNoOverlap } from './safety';
import { waitForDaemons } from './wait';
import { applyAddon, clusterDnsIp } from './addons';

/** The cluster domain of the local cluster's DNS. */
const CLUSTER_DOMAIN = 'cluster.local';

// `up` and `down` of the local multi-host cluster. Every step first looks at what exists, so
// `up` on a running cluster changes nothing and `down` after a half-finished `up` still cleans.

export interface UpOptions extends PlanOptions {
  repoDir: string;
  /** Node lease grace before a node is marked unreachable (controller-manager flag). */
  nodeMonitorGracePeriod?: number;
  podEvictionTimeout?: number;
  /** Lifetime of the certificates the controller-manager signs (kubelets rotate at 70-90% of it), e.g. `60s`; a year when absent. */
  certificateLifetime?: string;
  progress?: (step: string) => void;
  readyTimeoutMs?: number;
  /** Run cluster DNS (addons/dns.yaml) and point the kubelets at it; `up` does, the e2e clusters only where they test it. */
  dns?: boolean;
}

const MASTER_DAEMONS = ['controller-manager', 'scheduler', 'apiserver', 'etcd'];

function ownInterfaces(plan: ClusterPlan): Set<string> {
  return new Set([plan.bridge, plan.serviceDummy, ...plan.nodes.map((n) => n.veth)]);
}

function nodeDockerd(plan: ClusterPlan, node: NodePlan): DockerdOptions {
  return { name: `dockerd-${node.name}`, socket: node.dockerSocket, dataRoot: node.dockerDataRoot, execRoot: node.dockerExecRoot, netns: node.netns, registry: plan.registry, cgroup: `${plan.prefix}-${node.name}` };
}

function builderDockerd(plan: ClusterPlan): DockerdOptions {
  return { name: 'dockerd-builder', socket: `${plan.runDir}/builder/docker.sock`, dataRoot: path.join(plan.cacheDir, 'builder'), execRoot: `${plan.runDir}/builder/exec`, registry: plan.registry, cgroup: `${plan.prefix}-builder` };
}

/** Builds what changed under images/ with a short-lived builder dockerd and pushes it to the registry. */
export async function buildImages(daemons: Daemons, builderOpts: DockerdOptions, repoDir: string, cacheDir: string, registry: string, say: (line: string) => void): Promise<void> {
  const specs = loadImageSpecs(path.join(repoDir, 'images'));
  let builder: Docker | undefined;
  try {
    for (const spec of specs) {
      const r = await ensureImage(async () => (builder ??= await startDockerd(daemons, builderOpts)), spec, { imagesDir: path.join(repoDir, 'images'), cacheDir, registry });
      say(`      ${r.image}: ${r.built ? 'built and pushed' : 'up to date'}`);
    }
  } finally {
    if (builder) await stopDockerd(daemons, builderOpts);
  }
}

export function apiserverUrl(plan: ClusterPlan): string {
  return `https://${plan.masterIp}:${plan.apiserverPort}`;
}

/** What cluster.json records for each node. */
export interface ClusterFile {
  apiserver: string;
  grpc: string;
  registry: string;
  hostCidr: string;
  clusterCidr: string;
  serviceCidr: string;
  nodes: { name: string; netns: string; ip: string; podCIDR: string; dockerSocket: string }[];
}

export async function up(o: UpOptions): Promise<ClusterFile> {
  const say = o.progress ?? (() => undefined);
  const plan = makePlan(o);
  // Refuse a grace period the kubelets could not keep up with before starting anything.
  if (o.nodeMonitorGracePeriod !== undefined) nodeHeartbeat(o.nodeMonitorGracePeriod);
  const daemons = new Daemons(plan.stateDir);
  const cache = plan.cacheDir;
  const steps = 7;
  let step = 0;
  const next = (what: string): void => say(`[${++step}/${steps}] ${what}`);

  next(`checking ${plan.hostCidr}, ${plan.clusterCidr} and ${plan.serviceCidr} against this machine's addresses and routes`);
  await assertNoOverlap({ '--host-cidr': plan.hostCidr, '--cluster-cidr': plan.clusterCidr, '--service-cidr': plan.serviceCidr }, ownInterfaces(plan));
  await setupMaster(plan);
  fs.mkdirSync(plan.runDir, { recursive: true });

  next(`starting the image registry on ${plan.registry} and building images`);
  await startRegistry(daemons, cache, plan.registry);
  await buildImages(daemons, builderDockerd(plan), o.repoDir, cache, plan.registry, say);

  next('starting etcd and tk-apiserver');
  fs.mkdirSync(path.join(plan.stateDir, 'etcd'), { recursive: true });
  // The PKI first: every daemon needs its certificate; a second `up` keeps it.
  const pkiDir = path.join(plan.stateDir, 'pki');
  // Nodes join with the bootstrap token: their certificates come from CSRs, not from here.
  await ensureClusterPki({ dir: pkiDir, masterIps: [plan.masterIp], serviceCidr: plan.serviceCidr, nodes: [] });
  const admin = adminIdentity(pkiDir);
  const master: MasterConfig = {
    repoDir: o.repoDir,
    masterIp: plan.masterIp,
    etcdClientUrl: plan.etcdClientUrl,
    apiserverPort: plan.apiserverPort,
    grpcPort: plan.grpcPort,
    serviceCidr: plan.serviceCidr,
    clusterCidr: plan.clusterCidr,
    pkiDir,
    auditLogPath: path.join(plan.stateDir, 'logs', 'audit.log'),
    ...(o.nodeMonitorGracePeriod ? { nodeMonitorGracePeriod: o.nodeMonitorGracePeriod } : {}),
    ...(o.podEvictionTimeout ? { podEvictionTimeout: o.podEvictionTimeout } : {}),
    ...(o.certificateLifetime ? { certificateLifetime: o.certificateLifetime } : {}),
  };
  daemons.start({ name: 'etcd', command: 'etcd', args: etcdArgs(path.join(plan.stateDir, 'etcd'), plan.etcdClientUrl, plan.etcdPeerUrl) });
  daemons.start({ name: 'apiserver', command: process.execPath, args: apiserverArgs(master) });
  const api = new RestClient(apiserverUrl(plan), { tls: admin });
  const anonymous = tlsFetch({ ca: admin.ca });
  await waitForDaemons({ what: 'tk-apiserver to be ready (etcd reachable, watch caches synced)', timeoutMs: 60_000, daemons, watch: ['apiserver'], check: async () => (await anonymous(`${apiserverUrl(plan)}/readyz`, { signal: AbortSignal.timeout(2000) })).ok });
  fs.writeFileSync(path.join(plan.stateDir, 'kubeconfig'), renderKubeconfig(apiserverUrl(plan), admin), { mode: 0o600 });
  // Nodes join as kubeadm's do (tk-hosts join): cluster-info, signed with the bootstrap token.
  const token = await ensureBootstrapToken(api, pkiDir);
  await ensureClusterInfo(api, apiserverUrl(plan), admin.ca);

  next('starting tk-scheduler and tk-controller-manager');
  const grpc = `${plan.masterIp}:${plan.grpcPort}`;
  daemons.start({ name: 'scheduler', command: process.execPath, args: schedulerArgs(master) });
  daemons.start({ name: 'controller-manager', command: process.execPath, args: controllerManagerArgs(master) });

  next(`creating ${plan.nodes.length} node hosts (network namespace + dockerd each)`);
  await Promise.all(
    plan.nodes.map(async (node) => {
      await setupNode(plan, node);
      await startDockerd(daemons, nodeDockerd(plan, node));
      say(`      ${node.name}: ${node.ip} in netns ${node.netns}, dockerd at ${node.dockerSocket}`);
    }),
  );

  next('joining every node (token discovery, as tk-hosts join) and starting its tk-kubelet and tk-proxy');
  const hash = caCertHash(admin.ca);
  for (const node of plan.nodes) {
    const host = path.join(plan.stateDir, 'hosts', node.name);
    const root = path.join(host, 'kubelet');
    fs.mkdirSync(root, { recursive: true });
    const join = { pkiDir: path.join(host, 'pki'), bootstrapKubeconfig: path.join(host, 'bootstrap-kubelet.kubeconfig') };
    const found = await discoverCluster({ apiserver: `${plan.masterIp}:${plan.apiserverPort}`, token, caCertHashes: [hash], timeoutMs: 60_000 });
    writeJoinFiles({ ...join, ...found, token });
    // The local hosts have no resolver of their own: names outside the cluster fail at once.
    const dns = { resolvConf: '', ...(o.dns ? { clusterDns: clusterDnsIp(plan.serviceCidr), clusterDomain: CLUSTER_DOMAIN } : {}) };
    const nc: NodeConfig = { repoDir: o.repoDir, apiserverGrpc: grpc, nodeName: node.name, nodeIp: node.ip, dockerSocket: node.dockerSocket, rootDir: root, clusterCidr: plan.clusterCidr, ...join, ...dns, ...(o.nodeMonitorGracePeriod ? { nodeMonitorGracePeriod: o.nodeMonitorGracePeriod } : {}) };
    daemons.start({ name: `kubelet-${node.name}`, command: process.execPath, netns: node.netns, args: kubeletArgs(nc) });
    daemons.start({ name: `proxy-${node.name}`, command: process.execPath, netns: node.netns, args: proxyArgs(nc) });
  }

  next(`waiting for ${plan.nodes.length} nodes to be Ready`);
  let nodes: Node[] = [];
  await waitForDaemons({
    what: 'every node to be Ready',
    timeoutMs: o.readyTimeoutMs ?? 180_000,
    intervalMs: 300,
    daemons,
    watch: plan.nodes.map((n) => `kubelet-${n.name}`),
    check: async () => {
      nodes = (await api.list(R.nodes)).items as Node[];
      return plan.nodes.every((p) => nodes.some((n) => n.metadata.name === p.name && n.spec?.podCIDR && getCondition(n.status?.conditions, 'Ready')?.status === 'True'));
    },
  });
  await waitForDaemons({
    what: 'tk-scheduler and tk-controller-manager to be ready',
    timeoutMs: 60_000,
    daemons,
    watch: ['scheduler', 'controller-manager'],
    check: async () => (await ready(`http://${plan.masterIp}:${SCHEDULER_PORT}/readyz`)) && ready(`http://${plan.masterIp}:${CONTROLLER_MANAGER_PORT}/readyz`),
  });
  if (o.dns) {
    say(`      cluster DNS: kube-dns at ${clusterDnsIp(plan.serviceCidr)} (addons/dns.yaml)`);
    await applyAddon(api, o.repoDir, 'dns', { DNS_IP: clusterDnsIp(plan.serviceCidr), CLUSTER_DOMAIN });
  }
  const file: ClusterFile = {
    apiserver: apiserverUrl(plan),
    grpc,
    registry: plan.registry,
    hostCidr: plan.hostCidr,
    clusterCidr: plan.clusterCidr,
    serviceCidr: plan.serviceCidr,
    nodes: plan.nodes.map((p) => ({ name: p.name, netns: p.netns, ip: p.ip, podCIDR: nodes.find((n) => n.metadata.name === p.name)?.spec?.podCIDR ?? '', dockerSocket: p.dockerSocket })),
  };
  await routePodCidrs(plan, file.nodes);
  fs.writeFileSync(path.join(plan.stateDir, 'cluster.json'), `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

export async function down(o: PlanOptions & { progress?: (step: string) => void }): Promise<void> {
  const say = o.progress ?? (() => undefined);
  const plan = makePlan(o);
  const daemons = new Daemons(plan.stateDir);
  const nodeNames = new Set([...plan.nodes.map((n) => n.name), ...existingNodeNamespaces(plan.prefix).map((ns) => ns.slice(plan.prefix.length + 1))]);
  const nodes = [...nodeNames].map((name) => plan.nodes.find((n) => n.name === name) ?? makePlan({ ...o, nodes: Number(name.split('-')[1]) }).nodes.at(-1)!);
  say('stopping node daemons');
  await Promise.all(nodes.flatMap((n) => [daemons.stop(`proxy-${n.name}`), daemons.stop(`kubelet-${n.name}`)]));
  say('stopping master daemons');
  for (const name of MASTER_DAEMONS) await daemons.stop(name);
  say('stopping dockerds and removing their containers');
  await Promise.all(nodes.map((n) => stopDockerd(daemons, nodeDockerd(plan, n))));
  await stopDockerd(daemons, builderDockerd(plan));
  await daemons.stop('registry');
  for (const name of daemons.names()) await daemons.stop(name);
  say('removing node namespaces, bridge and routes');
  for (const n of nodes) await removeNode(n);
  await removeMaster(plan);
  await unmountUnder([plan.runDir, plan.stateDir]);
  removeCgroups();
  fs.rmSync(plan.runDir, { recursive: true, force: true });
  try {
    fs.rmdirSync(path.dirname(plan.runDir));
  } catch {
    // another cluster's runtime directory is still there
  }
  for (const entry of fs.existsSync(plan.stateDir) ? fs.readdirSync(plan.stateDir) : []) {
    if (path.join(plan.stateDir, entry) !== plan.cacheDir) fs.rmSync(path.join(plan.stateDir, entry), { recursive: true, force: true });
  }
}

/** The cgroups the node dockerds made under /tinykube (empty once their containers are gone). */
function removeCgroups(): void {
  const base = '/sys/fs/cgroup';
  const roots = fs.existsSync(path.join(base, 'tinykube')) ? [path.join(base, 'tinykube')] : [];
  for (const ctrl of fs.existsSync(base) ? fs.readdirSync(base) : []) {
    const dir = path.join(base, ctrl, 'tinykube');
    if (fs.existsSync(dir)) roots.push(dir);
  }
  const rmTree = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmTree(path.join(dir, e.name));
    try {
      fs.rmdirSync(dir);
    } catch {
      // still in use; left for the kernel to report
    }
  };
  roots.forEach(rmTree);
}

/** One identity of the cluster PKI: the CA and the named certificate (`admin`, `scheduler`, ...) with its key. */
export function pkiIdentity(pkiDir: string, name: string): Required<TlsIdentity> {
  const f = pkiFiles(pkiDir);
  return readTlsIdentity({ caFile: f.ca, certFile: f.crt(name), keyFile: f.key(name) }) as Required<TlsIdentity>;
}

/** The admin's identity (system:masters), as the kubeconfig carries it. */
export function adminIdentity(pkiDir: string): Required<TlsIdentity> {
  return pkiIdentity(pkiDir, 'admin');
}

/** A daemon's /readyz answers 200 (it fails, naming the check, while e.g. etcd is unreachable). */
async function ready(url: string): Promise<boolean> {
  return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
}
