import type { KubeObject, ResourceInfo } from '@tinykube/api';
import { EventRecorder, Informer, type ApiClient } from '@tinykube/client';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DisruptionOptions } from './controllers/zone-disruption';

// What every controller is given: one shared informer per resource (one list+watch each for
// the whole controller-manager), an event recorder, a logger and the daemon's flags.

export interface ControllerManagerOptions {
  clusterCidr: string;
  nodeCidrMaskSize: number;
  nodeMonitorGracePeriodMs: number;
  /** How often every node's lease is checked (Kubernetes' --node-monitor-period; 5 s). */
  nodeMonitorPeriodMs?: number;
  disruption: DisruptionOptions;
  podGc: { terminatedThreshold: number; periodMs: number; quarantineMs: number };
  workers: number;
  /** PEM of the cluster CA, published as the kube-root-ca.crt ConfigMap of every namespace. */
  rootCa?: string;
  /** The CA that signs approved CertificateSigningRequests, and the longest lifetime it gives. */
  clusterSigning?: { cert: string; key: string; durationMs: number };
}

export class SharedInformers {
  private readonly informers = new Map<string, Informer<KubeObject>>();

  constructor(private readonly api: ApiClient) {}

  get<T extends KubeObject>(r: ResourceInfo): Informer<T> {
    const key = `${r.group}/${r.plural}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer<KubeObject>(this.api, r);
      this.informers.set(key, inf);
    }
    return inf as unknown as Informer<T>;
  }

  async startAll(): Promise<void> {
    for (const inf of this.informers.values()) inf.start();
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  stopAll(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}

export interface ControllerContext {
  api: ApiClient;
  informers: SharedInformers;
  events: EventRecorder;
  log: Logger;
  metrics: Registry;
  options: ControllerManagerOptions;
}
