import { getCondition, objectKey, R, type Node, type Pod, type Service } from '@tinykube/api';
import { EventRecorder, GrpcClient, Informer, SwappableApiClient, SyncLoop, type TlsIdentity } from '@tinykube/client';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DockerRuntime } from './docker-runtime';
import { ExecServer } from './exec-server';
import { PortForwarder } from './port-forwarder';
import { startKubeletServer, type LogRequest } from './kubelet-server';
import { KUBELET_PORT, NodeAgent } from './node-agent';
import { PodManager } from './pod-manager';
import { syncHostPorts } from './host-ports';
import { ensureForwarding, ensurePodNetwork, syncRoutes } from './pod-network';
import { LABEL_POD_NAME, LABEL_POD_NAMESPACE, SANDBOX_NAME } from './labels';
import { Volumes } from './volumes';
import type { DnsSettings } from './pod-dns';

export interface KubeletOptions {
  apiserver: string;
  /** Whom to trust and who we are (system:node:<name>) towards the apiserver. */
  identity: TlsIdentity;
  /** This node's serving certificate for :10250 (or none yet: see useServingCertificate), and the CA that signs the apiserver's client certificate (PEM). */
  serving: { cert?: string; key?: string; clientCa: string };
  nodeName: string;
  nodeIP: string;
  dockerSocket: string;
  rootDir: string;
  clusterCidr: string;
  port: number;
  pauseImage: string;
  /** Cluster DNS: --cluster-dns, --cluster-domain and the node's resolv.conf (--resolv-conf). */
  dns: DnsSettings;
  maxPods: number;
  leaseDurationSeconds: number;
  leaseRenewSeconds: number;
  statusUpdateSeconds: number;
  housekeepingSeconds: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  backoffResetMs: number;
  workers: number;
  log: Logger;
  /** The daemon's registry (process metrics registered); a new one when absent. */
  metrics?: Registry;
}

export interface Kubelet {
  /** Talks to the apiserver as this identity from now on (a rotated certificate). */
  useIdentity(id: TlsIdentity): void;
  /** Serves :10250 with this certificate from now on (issued or rotated). */
  useServingCertificate(id: { cert: string; key: string }): void;
  stop(): Promise<void>;
}

async function retry<T>(what: string, log: Logger, fn: () => Promise<T>): Promise<T> {
  for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await fn();
    } catch (err) {
      log.warn({ err: (err as Error).message }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export async function startKubelet(o: KubeletOptions): Promise<Kubelet> {
  const log = o.log;
  // Swappable: a rotated client certificate takes over without a restart.
  const api = new SwappableApiClient(new GrpcClient(o.apiserver, o.identity));
  const runtime = new DockerRuntime(o.dockerSocket);
  const runtimeVersion = await retry('connecting to dockerd', log, () => runtime.version());
  const agent = new NodeAgent(api, { nodeName: o.nodeName, nodeIP: o.nodeIP, runtimeVersion, maxPods: o.maxPods, leaseDurationSeconds: o.leaseDurationSeconds });
  await retry('registering the node', log, () => agent.register());
  log.info({ node: o.nodeName }, 'node registered');

  let metrics = o.metrics;
  if (!metrics) {
    metrics = new Registry();
    collectDefaultMetrics({ register: metrics });
  }
  const syncSeconds = new Histogram({ name: 'kubelet_pod_sync_duration_seconds', help: 'Duration of one pod sync', registers: [metrics], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
  const runningPods = new Gauge({ name: 'kubelet_running_pods', help: 'Pods with a running sandbox', registers: [metrics] });

  const events = new EventRecorder(api, 'kubelet', o.nodeName);
  const pods = new Informer<Pod>(api, R.pods, { fieldSelector: `spec.nodeName=${o.nodeName}` });
  const services = new Informer<Service>(api, R.services);
  const nodes = new Informer<Node>(api, R.nodes);
  const volumes = new Volumes(o.rootDir);
  // Pod workers: one sync of a pod at a time, up to o.workers pods at once.
  const queue = new SyncLoop('pod-workers', { workers: o.workers, log, baseDelayMs: 500, maxDelayMs: 30_000 }, async (key) => {
    const end = syncSeconds.startTimer();
    // A sync that never returns (a Docker call that hangs) would silently stall its worker.
    const watchdog = setTimeout(() => log.warn({ pod: key }, 'pod sync still running after 60 s'), 60_000);
    try {
      await manager.sync(key);
    } finally {
      clearTimeout(watchdog);
      end();
    }
  });
  const manager = new PodManager(api, runtime, pods, services, volumes, events, log, {
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    pauseImage: o.pauseImage,
    backoffInitialMs: o.backoffInitialMs,
    backoffMaxMs: o.backoffMaxMs,
    backoffResetMs: o.backoffResetMs,
    enqueue: (key, afterMs) => queue.addAfter(key, afterMs ?? 0),
    allocatable: () => agent.allocatable(),
    dns: o.dns,
  });
  const enqueue = (p: Pod): void => queue.add(objectKey(p));
  // Our own status writes come back as updates; only changes of what we act on start a sync.
  const acted = (p: Pod): string => JSON.stringify([p.metadata.uid, p.metadata.deletionTimestamp, p.metadata.deletionGracePeriodSeconds, p.spec]);
  pods.addEventHandler({ onAdd: enqueue, onUpdate: (old, p) => acted(old) !== acted(p) && enqueue(p), onDelete: enqueue });

  // hostPort DNAT follows the pods' IPs: rewritten whole when a pod gets or loses one.
  let hostPortRules: string | undefined;
  const hostPortQueue = new SyncLoop('hostports', { workers: 1, log, baseDelayMs: 500, maxDelayMs: 10_000 }, async () => {
    hostPortRules = await syncHostPorts(pods.list(), hostPortRules);
  });
  const portsOf = (p: Pod): string => JSON.stringify([p.status?.podIP, p.status?.phase, p.spec.containers.map((c) => c.ports)]);
  pods.addEventHandler({ onAdd: () => hostPortQueue.add('hostports'), onUpdate: (old, p) => portsOf(old) !== portsOf(p) && hostPortQueue.add('hostports'), onDelete: () => hostPortQueue.add('hostports') });

  // The host's pod network follows the Node objects: our pod CIDR, everyone's routes.
  const netQueue = new SyncLoop('network', { workers: 1, log, baseDelayMs: 500, maxDelayMs: 10_000 }, () => syncNetwork());
  let networkReady = false;
  nodes.addEventHandler({ onAdd: () => netQueue.add('network'), onUpdate: () => netQueue.add('network'), onDelete: () => netQueue.add('network') });
  // The node lifecycle controller marked us Unknown (a renewal came late): say at once that we
  // are here, rather than at the next status update.
  nodes.addEventHandler({
    onUpdate: (_, n) => {
      if (n.metadata.name !== o.nodeName || getCondition(n.status?.conditions, 'Ready')?.status !== 'Unknown') return;
      log.warn('the node was marked Unknown; posting status now');
      void agent.updateStatus().catch((err: unknown) => log.warn({ err: String(err) }, 'node status update failed'));
    },
  });
  const syncNetwork = async (): Promise<void> => {
    const self = nodes.get(o.nodeName);
    const cidr = self?.spec?.podCIDR;
    if (!cidr) {
      agent.setNetwork(false, 'network not ready: the node has no pod CIDR yet');
      return;
    }
    await ensurePodNetwork(runtime, cidr);
    await ensureForwarding(o.clusterCidr);
    const changed = await syncRoutes(o.nodeName, o.clusterCidr, nodes.list());
    if (changed) log.info({ changed }, 'pod routes updated');
    if (!networkReady) {
      networkReady = true;
      agent.setNetwork(true, '');
      await agent.updateStatus();
      log.info({ podCIDR: cidr }, 'pod network ready');
      for (const p of pods.list()) enqueue(p);
    }
  };

  const stopEvents = runtime.watchEvents(
    (attrs) => {
      const ns = attrs[LABEL_POD_NAMESPACE];
      const name = attrs[LABEL_POD_NAME];
      if (ns && name) queue.add(`${ns}/${name}`);
    },
    (err) => log.warn({ err: String(err) }, 'docker event stream broke'),
  );

  for (const inf of [pods, services, nodes]) inf.start();
  await Promise.all([pods.waitForSync(), services.waitForSync(), nodes.waitForSync()]);
  netQueue.add('network');

  const timers: NodeJS.Timeout[] = [];
  const every = (seconds: number, fn: () => Promise<void>): void => {
    timers.push(setInterval(() => void fn().catch((err: unknown) => log.warn({ err: String(err) }, 'periodic task failed')), seconds * 1000));
  };
  await agent.renewLease().catch((err: unknown) => log.warn({ err: String(err) }, 'lease renewal failed'));
  every(o.leaseRenewSeconds, () => agent.renewLease());
  every(o.statusUpdateSeconds, async () => {
    await agent.updateStatus();
  });
  // Housekeeping: every pod again (back-offs, status drift) and containers whose pod is gone.
  const housekeeping = async (): Promise<void> => {
    // One look at Docker serves all three: orphans to sync, volumes to keep, the gauge.
    const containers = await runtime.listPodContainers();
    const keys = new Set([...pods.list().map((p) => objectKey(p)), ...containers.map((c) => `${c.namespace}/${c.podName}`)]);
    for (const k of keys) queue.add(k);
    const known = new Set(pods.list().map((p) => p.metadata.uid));
    const withContainers = new Set(containers.map((c) => c.podUid));
    for (const uid of volumes.podUids()) if (!known.has(uid) && !withContainers.has(uid)) await volumes.cleanup(uid);
    hostPortQueue.add('hostports');
    runningPods.set(containers.filter((c) => c.name === SANDBOX_NAME && c.running).length);
  };
  await housekeeping();
  every(o.housekeepingSeconds, housekeeping);

  const execServer = new ExecServer(runtime, async (t) => {
    const pod = pods.get(`${t.namespace}/${t.pod}`);
    if (!pod) throw new Error(`pod ${t.pod} is not on node ${o.nodeName}`);
    const running = (await runtime.listPodContainers()).find((c) => c.podUid === pod.metadata.uid && c.name === t.container && c.running);
    if (!running) throw new Error(`container ${t.container} is not running`);
    return running.id;
  });

  const portForwarder = new PortForwarder(async (t) => {
    const pod = pods.get(`${t.namespace}/${t.pod}`);
    if (!pod) throw new Error(`pod ${t.pod} is not on node ${o.nodeName}`);
    const sandbox = (await runtime.listPodContainers()).find((c) => c.podUid === pod.metadata.uid && c.name === SANDBOX_NAME && c.running);
    const pid = sandbox ? (await runtime.inspect(sandbox.id)).pid : 0;
    if (!pid) throw new Error(`pod ${t.pod} has no running sandbox`);
    return { pid, uid: pod.metadata.uid ?? '' };
  });

  const server = await startKubeletServer({
    address: o.nodeIP,
    port: o.port,
    tls: o.serving,
    metrics,
    log,
    healthy: () => networkReady,
    logs: (req) => containerLogs(req),
    exec: (req, socket, head, target) => execServer.upgrade(req, socket, head, target),
    portForward: (req, socket, head, target) => portForwarder.upgrade(req, socket, head, target),
  });

  async function containerLogs(req: LogRequest): ReturnType<DockerRuntime['logs']> {
    const pod = pods.get(`${req.namespace}/${req.pod}`);
    const notFound = (msg: string): Error => Object.assign(new Error(msg), { code: 404 });
    if (!pod) throw notFound(`pod ${req.pod} is not on node ${o.nodeName}`);
    const instances = (await runtime.listPodContainers()).filter((c) => c.podUid === pod.metadata.uid && c.name === req.container).sort((a, b) => b.attempt - a.attempt);
    const target = req.previous ? instances[1] : instances[0];
    if (!target) throw Object.assign(new Error(req.previous ? `previous terminated container "${req.container}" in pod "${req.pod}" not found` : `container "${req.container}" in pod "${req.pod}" is waiting to start`), { code: 400 });
    return runtime.logs(target.id, { follow: req.follow && !req.previous, timestamps: req.timestamps, ...(req.tailLines !== undefined ? { tail: req.tailLines } : {}), ...(req.sinceSeconds ? { sinceSeconds: req.sinceSeconds } : {}) });
  }

  queue.run();
  netQueue.run();
  hostPortQueue.run();
  log.info({ node: o.nodeName, port: o.port }, 'kubelet running');

  return {
    useIdentity(id) {
      api.swap(new GrpcClient(o.apiserver, id));
    },
    useServingCertificate(id) {
      server.setCertificate(id);
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      stopEvents();
      manager.probes.stopAll();
      const workers = Promise.all([queue.stop(), netQueue.stop(), hostPortQueue.stop()]);
      for (const inf of [pods, services, nodes]) inf.stop();
      server.close();
      await workers;
      api.close();
    },
  };
}


export { KUBELET_PORT };
