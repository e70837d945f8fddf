// Controllers over the in-memory FakeApiClient, and the kubelet's part played by the test.
import { R, isPodReady, timestamp, type KubeObject, type Pod, type ResourceInfo } from '@tinykube/api';
import { FakeApiClient } from '@tinykube/client';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ControllerManagerOptions } from '../src/controller-context';
import { startControllers } from '../src/controller-manager';
import { DEFAULT_DISRUPTION } from '../src/controllers/zone-disruption';

export const OPTIONS: ControllerManagerOptions = {
  clusterCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  nodeMonitorGracePeriodMs: 40_000,
  disruption: DEFAULT_DISRUPTION,
  podGc: { terminatedThreshold: 12500, periodMs: 20_000, quarantineMs: 40_000 },
  workers: 2,
};

export interface FakeCluster {
  api: FakeApiClient;
  stop(): Promise<void>;
}

/** Starts the named controllers over a fake API holding `seed`. */
export async function startOnFake(names: string[], seed: [ResourceInfo, KubeObject][] = [], options: Partial<ControllerManagerOptions> = {}, prepare?: (api: FakeApiClient) => void): Promise<FakeCluster> {
  const api = new FakeApiClient();
  for (const [r, o] of seed) api.seed(r, o);
  prepare?.(api);
  const running = await startControllers(api, { ...OPTIONS, ...options }, pino({ level: 'silent' }), new Registry(), names);
  return {
    api,
    async stop() {
      await running.stop();
      api.close();
    },
  };
}

/** Waits for `fn` to give a value other than undefined or false, checking as events settle. */
export async function until<T>(what: string, fn: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** What a kubelet would do: bind and start every pending pod of ns as Ready (or not), and finish graceful deletions. */
export async function actAsKubelet(api: FakeApiClient, ns: string, ready = true, node = 'node-1'): Promise<void> {
  for (const p of api.all<Pod>(R.pods, ns)) {
    if (p.metadata.deletionTimestamp) {
      await api.delete(R.pods, ns, p.metadata.name, { gracePeriodSeconds: 0 });
      continue;
    }
    if (!p.spec.nodeName) await api.bind(ns, p.metadata.name, node);
    if (p.status?.phase === 'Running' && isPodReady(p) === ready) continue;
    await api.patch(R.pods, ns, p.metadata.name, 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: timestamp() }] } }, true);
  }
}

export function podsOf(api: FakeApiClient, ns: string): Pod[] {
  return api.all<Pod>(R.pods, ns).filter((p) => !p.metadata.deletionTimestamp);
}
