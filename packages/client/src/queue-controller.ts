// The shape of every control loop (controllers, the scheduler, the kubelet's pod workers):
// informer handlers only enqueue keys; workers take a key from the work queue and run the one
// idempotent sync(key); a failed sync is retried with the key's back-off.
import { runWorkers, WorkQueue, type WorkQueueOptions } from './work-queue';

export interface QueueControllerOptions extends WorkQueueOptions {
  /** Keys synced at once (never the same key twice at once). */
  workers: number;
  log: { warn(obj: object, msg?: string): void };
}

export abstract class QueueController {
  protected readonly queue: WorkQueue;
  private running?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly loop: QueueControllerOptions,
  ) {
    this.queue = new WorkQueue({ baseDelayMs: loop.baseDelayMs ?? 200, maxDelayMs: loop.maxDelayMs ?? 60_000 });
  }

  protected abstract sync(key: string): Promise<void>;

  /** Called after the informers have synced, before the workers start. */
  protected onSynced(): void {}

  run(): void {
    this.onSynced();
    this.running = runWorkers(this.queue, this.loop.workers, (key) => this.sync(key), (key, err) => this.loop.log.warn({ controller: this.name, key, err: (err as Error)?.message ?? String(err) }, 'sync failed'));
  }

  /** Stops taking keys and waits for the syncs under way. */
  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.running;
  }
}

/** A QueueController whose sync is a function, for loops that need no class of their own. */
export class SyncLoop extends QueueController {
  constructor(
    name: string,
    o: QueueControllerOptions,
    private readonly fn: (key: string) => Promise<void>,
  ) {
    super(name, o);
  }

  add(key: string): void {
    this.queue.add(key);
  }

  /** Adds the key after `ms` (0: now), keeping an earlier pending time. */
  addAfter(key: string, ms: number): void {
    if (ms > 0) this.queue.addAfter(key, ms);
    else this.queue.add(key);
  }

  protected sync(key: string): Promise<void> {
    return this.fn(key);
  }
}
