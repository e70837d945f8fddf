import * as fs from 'node:fs';
import * as os from 'node:os';
import { microTime, R, setCondition, timestamp, type Condition, type Lease, type Node, errorCode } from '@tinykube/api';
import type { ApiClient } from '@tinykube/client';

// The node's own objects: registers the Node (addresses, capacity read from the host, nodeInfo),
// keeps its conditions current, and renews its Lease in kube-node-lease, which the
// controller-manager reads to tell whether the node is alive.

export const KUBELET_VERSION = 'v1.31.0-tinykube';
export const KUBELET_PORT = 10250;

function readFirst(paths: string[]): string {
  for (const p of paths) {
    try {
      return fs.readFileSync(p, 'utf8').trim();
    } catch {
      // try the next one
    }
  }
  return '';
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFirst(['/etc/os-release']));
  return m?.[1] ?? 'Linux';
}

export interface NodeAgentOptions {
  nodeName: string;
  nodeIP: string;
  runtimeVersion: string;
  maxPods: number;
  leaseDurationSeconds: number;
}

export class NodeAgent {
  private networkReady = false;
  private networkMessage = 'network not ready: the node has no pod CIDR yet';

  constructor(
    private readonly api: ApiClient,
    private readonly o: NodeAgentOptions,
  ) {}

  setNetwork(ready: boolean, message: string): void {
    this.networkReady = ready;
    this.networkMessage = message;
  }

  /** What the node offers pods of cpu and memory (what resourceFieldRef gives for unset limits). */
  allocatable(): { cpu: string; memory: string } {
    const c = this.capacity();
    return { cpu: c.cpu!, memory: c.memory! };
  }

  private capacity(): Record<string, string> {
    return { cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: String(this.o.maxPods), 'ephemeral-storage': '0' };
  }

  private conditions(existing: Condition[] | undefined): Condition[] {
    const now = timestamp();
    const conds = (existing ?? []).map((c) => ({ ...c }));
    const heartbeat = { lastHeartbeatTime: now };
    setCondition(conds, { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', ...heartbeat }, now);
    setCondition(conds, { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', ...heartbeat }, now);
    setCondition(conds, { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', ...heartbeat }, now);
    setCondition(
      conds,
      this.networkReady
        ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', ...heartbeat }
        : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: this.networkMessage, ...heartbeat },
      now,
    );
    for (const c of conds) c.lastHeartbeatTime = now;
    return conds;
  }

  private status(existing?: Node['status']): NonNullable<Node['status']> {
    const capacity = this.capacity();
    return {
      ...existing,
      capacity,
      allocatable: { ...capacity },
      conditions: this.conditions(existing?.conditions),
      addresses: [
        { type: 'InternalIP', address: this.o.nodeIP },
        { type: 'Hostname', address: this.o.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
      nodeInfo: {
        machineID: readFirst(['/etc/machine-id']),
        systemUUID: readFirst(['/sys/class/dmi/id/product_uuid']) || this.o.nodeName,
        bootID: readFirst(['/proc/sys/kernel/random/boot_id']),
        kernelVersion: os.release(),
        osImage: osImage(),
        containerRuntimeVersion: `docker://${this.o.runtimeVersion}`,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: os.arch() === 'x64' ? 'amd64' : os.arch(),
      },
    };
  }

  /** Creates the Node if missing; otherwise refreshes its status. Returns the Node as stored. */
  async register(): Promise<Node> {
    try {
      const created = await this.api.create<Node>(R.nodes, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: this.o.nodeName,
          labels: { 'kubernetes.io/hostname': this.o.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': os.arch() === 'x64' ? 'amd64' : os.arch() },
        },
        spec: {},
      });
      return await this.api.updateStatus<Node>(R.nodes, { ...created, status: this.status() });
    } catch (err) {
      if (errorCode(err) !== 409) throw err;
      return this.updateStatus();
    }
  }

  async updateStatus(): Promise<Node> {
    const node = await this.api.get<Node>(R.nodes, undefined, this.o.nodeName);
    return this.api.updateStatus<Node>(R.nodes, { ...node, status: this.status(node.status) });
  }

  /** Renews (or creates) the node's Lease. */
  async renewLease(): Promise<void> {
    const now = microTime();
    try {
      const lease = await this.api.get<Lease>(R.leases, 'kube-node-lease', this.o.nodeName);
      await this.api.update<Lease>(R.leases, { ...lease, spec: { ...lease.spec, holderIdentity: this.o.nodeName, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: now } });
    } catch (err) {
      if (errorCode(err) !== 404) throw err;
      await this.api.create<Lease>(R.leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.o.nodeName, namespace: 'kube-node-lease' },
        spec: { holderIdentity: this.o.nodeName, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: now, acquireTime: now },
      });
    }
  }
}
