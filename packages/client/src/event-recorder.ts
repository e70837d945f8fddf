// Records Events about objects, as client-go's recorder: the same (object, type, reason,
// message) within ten minutes bumps `count` and `lastTimestamp` of one Event instead of
// creating another. Recording never throws: an Event is informational.
import { R, timestamp, type Event, type KubeObject } from '@tinykube/api';
import type { ApiClient } from './api-client';

const AGGREGATE_MS = 10 * 60_000;

export class EventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number; at: number }>();

  constructor(
    private readonly api: ApiClient,
    private readonly component: string,
    private readonly host?: string,
  ) {}

  normal(obj: KubeObject, reason: string, message: string): void {
    this.record(obj, 'Normal', reason, message);
  }

  warning(obj: KubeObject, reason: string, message: string): void {
    this.record(obj, 'Warning', reason, message);
  }

  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.write(obj, type, reason, message).catch(() => undefined);
  }

  private async write(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date();
    const stamp = timestamp(now.getTime());
    const namespace = obj.metadata.namespace ?? 'default';
    const key = `${obj.metadata.uid ?? ''}|${type}|${reason}|${message}`;
    const seen = this.recent.get(key);
    if (seen && now.getTime() - seen.at < AGGREGATE_MS) {
      seen.count++;
      seen.at = now.getTime();
      await this.api.patch(R.events, seen.namespace, seen.name, 'merge', { count: seen.count, lastTimestamp: stamp });
      return;
    }
    if (this.recent.size > 5000) this.recent.clear();
    const name = `${obj.metadata.name ?? 'object'}.${(now.getTime() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name ?? '',
        namespace: obj.metadata.namespace ?? '',
        uid: obj.metadata.uid ?? '',
        resourceVersion: obj.metadata.resourceVersion ?? '',
      },
      reason,
      message,
      type,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host ?? this.component,
    };
    this.recent.set(key, { name, namespace, count: 1, at: now.getTime() });
    await this.api.create(R.events, event);
  }
}
