// Leader election on a coordination.k8s.io Lease, as client-go's: the holder renews every
// `retryPeriod`; another candidate takes the lease once `leaseDuration` has passed since the
// last renewal it observed. Writes are compare-and-swap on resourceVersion, so two candidates
// can never both win one term.
import { microTime, R, type Lease, errorCode } from '@tinykube/api';
import type { ApiClient } from './api-client';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  retryPeriodMs: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (err: unknown) => void;
}

export class LeaderElector {
  private timer?: NodeJS.Timeout;
  private leading = false;
  private stopped = false;
  /** When we last saw the lease's record change, by our clock (not the holder's). */
  private observed?: { record: string; at: number };

  constructor(
    private readonly api: ApiClient,
    private readonly o: LeaderElectionOptions,
  ) {}

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const loop = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        const ok = await this.tryAcquireOrRenew();
        if (ok && !this.leading) {
          this.leading = true;
          this.o.onStartedLeading();
        } else if (!ok && this.leading) {
          this.leading = false;
          this.o.onStoppedLeading();
        }
      } catch (err) {
        this.o.onError?.(err);
        if (this.leading && this.observed && Date.now() - this.observed.at > this.o.leaseDurationSeconds * 1000) {
          // Could not renew within our own term: someone else may lead now.
          this.leading = false;
          this.o.onStoppedLeading();
        }
      }
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.o.retryPeriodMs);
    };
    void loop();
  }

  /** Stops renewing; releases the lease if we hold it so a successor need not wait. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.get<Lease>(R.leases, this.o.namespace, this.o.name);
      if (lease.spec.holderIdentity === this.o.identity) await this.api.update<Lease>(R.leases, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
    } catch {
      // the lease expires by itself
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: Lease;
    try {
      lease = await this.api.get<Lease>(R.leases, this.o.namespace, this.o.name);
    } catch (err) {
      if (errorCode(err) !== 404) throw err;
      await this.api.create<Lease>(R.leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.o.name, namespace: this.o.namespace },
        spec: { holderIdentity: this.o.identity, leaseDurationSeconds: this.o.leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      });
      this.observed = { record: '', at: now.getTime() };
      return true;
    }
    const record = `${lease.spec.holderIdentity ?? ''}|${lease.spec.renewTime ?? ''}`;
    if (!this.observed || this.observed.record !== record) this.observed = { record, at: now.getTime() };
    const holder = lease.spec.holderIdentity ?? '';
    const duration = (lease.spec.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000;
    const expired = !holder || now.getTime() - this.observed.at > duration;
    if (holder !== this.o.identity && !expired) return false;
    const takeover = holder !== this.o.identity;
    await this.api.update<Lease>(R.leases, {
      ...lease,
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: this.o.leaseDurationSeconds,
        acquireTime: takeover ? microTime(now) : (lease.spec.acquireTime ?? microTime(now)),
        renewTime: microTime(now),
        leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (takeover ? 1 : 0),
      },
    });
    this.observed = { record: `${this.o.identity}|${microTime(now)}`, at: now.getTime() };
    return true;
  }
}
