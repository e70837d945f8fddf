import { R, type EndpointSlice, type Service } from '@tinykube/api';
import { Informer, type ApiClient } from '@tinykube/client';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { chainExists, clearUdpConntrack, ensureJumps, restore, tableState, type TableState } from './iptables';
import { render, type ServicePortInfo } from './rules';
import { servicePorts, slicesByService } from './service-model';

// kube-proxy's syncProxyRules: every change to Services or EndpointSlices requests a sync; syncs run
// at most once per min-sync period. A full sync rewrites every chain; a partial one only the
// chains of service ports whose model changed since the last successful sync. Rules are never
// removed on exit, so a restart does not interrupt any Service.

export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
const CANARY = 'KUBE-PROXY-CANARY';

export interface ProxierOptions {
  clusterCidr: string;
  minSyncMs: number;
  fullSyncMs: number;
  log: Logger;
  metrics: Registry;
}

export class Proxier {
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  /** The model of the last successful sync, by service port name. */
  private applied = new Map<string, string>();
  private appliedPorts = new Map<string, ServicePortInfo>();
  /** SVC/SEP chains in the kernel after the last successful sync (what its render wanted). */
  private appliedChains = new Set<string>();
  private needFull = true;
  private lastFull = 0;
  private lastSync = 0;
  private pending = false;
  /** When a change first waited for a sync that has not succeeded yet. */
  private pendingSince?: number;
  private running = false;
  private timer?: NodeJS.Timeout;
  private fullTimer?: NodeJS.Timeout;
  private stopped = false;
  private initialized = false;
  /** Trigger times already measured, per EndpointSlice. */
  private readonly seenTriggers = new Map<string, string>();
  private readonly m: {
    duration: Histogram;
    rules: Gauge;
    chainsWritten: Gauge;
    bytes: Counter;
    lastSuccess: Gauge;
    latency: Histogram;
    syncs: Counter;
  };

  constructor(
    api: ApiClient,
    private readonly o: ProxierOptions,
  ) {
    this.services = new Informer<Service>(api, R.services);
    this.slices = new Informer<EndpointSlice>(api, R.endpointslices);
    const request = (): void => this.requestSync();
    for (const inf of [this.services, this.slices] as Informer<Service | EndpointSlice>[]) inf.addEventHandler({ onAdd: request, onUpdate: request, onDelete: request });
    const registers = [o.metrics];
    this.m = {
      duration: new Histogram({ name: 'kubeproxy_sync_proxy_rules_duration_seconds', help: 'Duration of one sync', labelNames: ['kind'], registers, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10] }),
      rules: new Gauge({ name: 'kubeproxy_sync_proxy_rules_iptables_last', help: 'Rules written by the last sync', registers }),
      chainsWritten: new Gauge({ name: 'kubeproxy_sync_proxy_rules_chains_last', help: 'Chains written by the last sync', registers }),
      bytes: new Counter({ name: 'kubeproxy_sync_proxy_rules_bytes_total', help: 'Bytes of iptables-restore input written', labelNames: ['kind'], registers }),
      lastSuccess: new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'When the last sync succeeded', registers }),
      latency: new Histogram({ name: 'kubeproxy_network_programming_duration_seconds', help: 'Endpoints change to rules live', registers, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30] }),
      syncs: new Counter({ name: 'kubeproxy_sync_proxy_rules_total', help: 'Syncs by kind and result', labelNames: ['kind', 'result'], registers }),
    };
  }

  async start(): Promise<void> {
    this.services.start();
    this.slices.start();
    await Promise.all([this.services.waitForSync(), this.slices.waitForSync()]);
    this.initialized = true;
    this.fullTimer = setInterval(() => {
      void this.checkCanary().then(() => this.requestSync());
    }, Math.min(this.o.fullSyncMs, 10_000));
    this.requestSync();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.fullTimer);
    this.services.stop();
    this.slices.stop();
  }

  /** Someone flushed our tables (the canary chain is gone): everything is rewritten. */
  private async checkCanary(): Promise<void> {
    if (!(await chainExists('nat', CANARY))) {
      if (!this.needFull) this.o.log.warn('canary chain missing; forcing a full sync');
      this.needFull = true;
    }
    if (Date.now() - this.lastFull >= this.o.fullSyncMs) this.needFull = true;
  }

  /**
   * As kube-proxy's healthz: unhealthy when a change has waited more than two sync periods
   * for a successful sync (rules are stale); why, or undefined.
   */
  unhealthy(now = Date.now()): string | undefined {
    if (this.pendingSince === undefined || now - this.pendingSince <= 2 * this.o.fullSyncMs) return undefined;
    return `rules not synced for ${Math.round((now - this.pendingSince) / 1000)} s`;
  }

  requestSync(): void {
    this.pending = true;
    this.pendingSince ??= Date.now();
    // Events during the first lists: no sync until both Services and EndpointSlices are complete,
    // or a restart would briefly REJECT every Service whose slices were not listed yet.
    if (!this.initialized || this.running || this.stopped || this.timer) return;
    const wait = Math.max(0, this.lastSync + this.o.minSyncMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runSync();
    }, wait);
  }

  private async runSync(): Promise<void> {
    if (!this.pending || this.running) return;
    this.pending = false;
    this.running = true;
    // The min-sync period runs between the starts of syncs that wrote rules (as kube-proxy's
    // bounded-frequency runner); a sync that found nothing to do does not delay the next one.
    const started = Date.now();
    try {
      if (await this.sync()) this.lastSync = started;
      this.pendingSince = this.pending ? started : undefined;
    } catch (err) {
      this.lastSync = started;
      this.o.log.error({ err: (err as Error).message }, 'sync failed; next one is full');
      this.needFull = true;
      this.pending = true;
    } finally {
      this.running = false;
      if (this.pending) this.requestSync();
    }
  }

  /** One sync; true when it wrote rules. */
  private async sync(): Promise<boolean> {
    const full = this.needFull;
    const kind = full ? 'full' : 'partial';
    const end = this.m.duration.startTimer({ kind });
    const slices = this.slices.list();
    const ports = servicePorts(this.services.list(), slicesByService(slices));
    const model = new Map(ports.map((p) => [p.name, JSON.stringify(p)]));
    const changed = new Set<string>();
    for (const [name, sig] of model) if (this.applied.get(name) !== sig) changed.add(name);
    if (!full && changed.size === 0 && [...this.applied.keys()].every((k) => model.has(k))) {
      end();
      return false;
    }
    const saved: Record<'nat' | 'filter', TableState> | undefined = full ? { nat: await tableState('nat'), filter: await tableState('filter') } : undefined;
    const existing = saved ? saved.nat.chains : this.appliedChains;
    const out = render(ports, { clusterCidr: this.o.clusterCidr, ...(full ? {} : { changed }), existingChains: existing });
    const text = full ? out.text.replace('*nat\n', `*nat\n:${CANARY} - [0:0]\n`) : out.text;
    try {
      await restore(text);
      // The jumps from the built-in chains, once our chains exist.
      if (saved) await ensureJumps(saved);
    } catch (err) {
      this.m.syncs.inc({ kind, result: 'error' });
      end();
      throw err;
    }
    end();
    this.m.syncs.inc({ kind, result: 'ok' });
    this.m.bytes.inc({ kind }, Buffer.byteLength(text));
    this.m.rules.set(out.rulesWritten);
    this.m.chainsWritten.set(out.chainsWritten);
    this.m.lastSuccess.set(Date.now() / 1000);
    this.observeLatency(slices);
    await this.clearStaleUdp(ports);
    this.applied = model;
    this.appliedPorts = new Map(ports.map((p) => [p.name, p]));
    this.appliedChains = out.chains;
    if (full) {
      this.needFull = false;
      this.lastFull = Date.now();
    }
    this.o.log.debug({ kind, ports: ports.length, changed: changed.size, bytes: text.length }, 'synced');
    return true;
  }

  private observeLatency(slices: EndpointSlice[]): void {
    const now = Date.now();
    for (const e of slices) {
      const key = `${e.metadata.namespace}/${e.metadata.name}`;
      const t = e.metadata.annotations?.[TRIGGER_TIME_ANNOTATION];
      if (!t || this.seenTriggers.get(key) === t) continue;
      const first = !this.seenTriggers.has(key) && this.lastFull === 0;
      this.seenTriggers.set(key, t);
      if (!first) this.m.latency.observe(Math.max(0, (now - Date.parse(t)) / 1000));
    }
  }

  private async clearStaleUdp(ports: ServicePortInfo[]): Promise<void> {
    const now = new Map(ports.map((p) => [p.name, p]));
    for (const [name, old] of this.appliedPorts) {
      if (old.protocol !== 'UDP') continue;
      const cur = now.get(name);
      for (const e of old.endpoints) if (!cur?.endpoints.some((x) => x.ip === e.ip)) await clearUdpConntrack(old.clusterIP, e.ip);
    }
  }
}
