// Projected volumes, as the kubelet writes them: a ServiceAccount token bound to the pod (asked
// for with TokenRequest and refreshed once 80% of its lifetime has passed, or after 24 h),
// ConfigMap keys, and fields of the pod (downward API), as files in the volume's directory,
// each written atomically so a container never reads half a token.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { R, type ConfigMap, type Pod, type Stored, type Volume, type VolumeProjection } from '@tinykube/api';
import { writeFileAtomic, type ApiClient } from '@tinykube/client';
import { fieldRefValue } from './env';

const DAY_MS = 86_400_000;


/** Labels and annotations as the downward API writes them: one `key="value"` per line, sorted. */
function mapFile(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** A downward API file: a field as an env var would have it, or all labels or annotations. */
function downwardValue(pod: Pod, fieldPath: string): string {
  if (fieldPath === 'metadata.labels') return mapFile(pod.metadata.labels);
  if (fieldPath === 'metadata.annotations') return mapFile(pod.metadata.annotations);
  return fieldRefValue(pod, fieldPath, '', '');
}

export class ProjectedVolumes {
  /** When each token file (`<uid>/<volume>/<path>`) must be renewed. */
  private readonly renewAt = new Map<string, number>();
  /** What each pod's files hold (`<uid>` -> file -> text), so a sync rewrites only what changed. */
  private readonly written = new Map<string, Map<string, string>>();

  constructor(
    private readonly api: ApiClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes the pod's projected volumes into their directories, renewing tokens that are due. */
  async write(pod: Stored<Pod>, dirs: Map<string, string>): Promise<void> {
    for (const v of pod.spec.volumes ?? []) {
      const dir = dirs.get(v.name);
      if (!v.projected || !dir) continue;
      for (const s of v.projected.sources) await this.source(pod, v, s, dir, v.projected.defaultMode ?? 0o644);
    }
  }

  /** Forgets a pod's tokens (its directories go with the pod's). */
  forget(uid: string): void {
    for (const k of this.renewAt.keys()) if (k.startsWith(`${uid}/`)) this.renewAt.delete(k);
    this.written.delete(uid);
  }

  /** Writes a file of the pod's volume atomically, unless it already holds exactly this. */
  private writeFile(uid: string, file: string, text: string, mode: number): void {
    let files = this.written.get(uid);
    if (!files) this.written.set(uid, (files = new Map()));
    if (files.get(file) === text && fs.existsSync(file)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    writeFileAtomic(file, text, mode);
    files.set(file, text);
  }

  private async source(pod: Stored<Pod>, v: Volume, s: VolumeProjection, dir: string, mode: number): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    if (s.serviceAccountToken) {
      const t = s.serviceAccountToken;
      const key = `${pod.metadata.uid}/${v.name}/${t.path}`;
      const file = path.join(dir, t.path);
      if (fs.existsSync(file) && this.now() < (this.renewAt.get(key) ?? 0)) return;
      const answer = await this.api.createToken(ns, pod.spec.serviceAccountName ?? 'default', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { ...(t.audience ? { audiences: [t.audience] } : {}), expirationSeconds: t.expirationSeconds ?? 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid } },
      });
      if (!answer.status?.token) throw new Error(`volume ${v.name}: the apiserver gave no token`);
      const issued = this.now();
      const ttl = Date.parse(answer.status.expirationTimestamp) - issued;
      this.renewAt.set(key, issued + Math.min(0.8 * ttl, DAY_MS));
      this.writeFile(pod.metadata.uid, file, answer.status.token, mode);
    }
    if (s.configMap) {
      const cm = await this.api.get<ConfigMap>(R.configmaps, ns, s.configMap.name).catch((err: unknown) => {
        if (s.configMap?.optional) return undefined;
        throw new Error(`MountVolume.SetUp failed for volume "${v.name}": configmap "${s.configMap?.name}" not found (${(err as Error).message})`);
      });
      if (!cm) return;
      const items: { key: string; path: string; mode?: number }[] = s.configMap.items ?? Object.keys(cm.data ?? {}).map((k) => ({ key: k, path: k }));
      for (const it of items) {
        const value = cm.data?.[it.key] ?? (cm.binaryData?.[it.key] !== undefined ? Buffer.from(cm.binaryData[it.key]!, 'base64').toString('latin1') : undefined);
        if (value === undefined) {
          if (s.configMap.optional) continue;
          throw new Error(`MountVolume.SetUp failed for volume "${v.name}": configmap "${s.configMap.name}" has no key "${it.key}"`);
        }
        this.writeFile(pod.metadata.uid, path.join(dir, it.path), value, it.mode ?? mode);
      }
    }
    for (const it of s.downwardAPI?.items ?? []) {
      if (it.fieldRef) this.writeFile(pod.metadata.uid, path.join(dir, it.path), downwardValue(pod, it.fieldRef.fieldPath), it.mode ?? mode);
    }
  }
}
