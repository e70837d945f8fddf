// The volumes whose files the kubelet writes: configMap, secret, downwardAPI and projected (a
// ServiceAccount token bound to the pod, asked for with TokenRequest and renewed once 80% of its
// lifetime has passed or after 24 h; ConfigMap and Secret keys; fields of the pod). Each volume is
// rewritten as a whole through the atomic writer when what it should hold changes, which the
// housekeeping sync checks every period, so ConfigMap and Secret updates reach the files.
import * as path from 'node:path';
import { type ConfigMap, type DownwardAPIVolumeFile, type KeyToPath, type Pod, type Secret, type Stored, type Volume, type VolumeProjection } from '@tinykube/api';
import type { ApiClient } from '@tinykube/client';
import { writeVolumeFiles, type VolumeFile } from './atomic-writer';
import { fieldRefValue, resourceFieldValue, type PodSources } from './env';

const DAY_MS = 86_400_000;

/** A volume that cannot be set up yet (a missing ConfigMap, Secret or key); the pod waits. */
export class MountError extends Error {}

/** Labels and annotations as the downward API writes them: one `key="value"` per line, sorted. */
function mapFile(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** A downward API file: a field as an env var would have it, or all labels or annotations. */
function downwardValue(pod: Pod, it: DownwardAPIVolumeFile, sources: PodSources): string {
  if (it.resourceFieldRef) return resourceFieldValue(pod, undefined, it.resourceFieldRef, sources.allocatable);
  const fieldPath = it.fieldRef?.fieldPath ?? '';
  if (fieldPath === 'metadata.labels') return mapFile(pod.metadata.labels);
  if (fieldPath === 'metadata.annotations') return mapFile(pod.metadata.annotations);
  return fieldRefValue(pod, fieldPath, pod.status?.podIP ?? '', pod.status?.hostIP ?? '');
}

type Keys = { name: string; items?: KeyToPath[]; optional?: boolean };

export class ContentVolumes {
  /** Each token (`<uid>/<volume>/<path>`) and when it must be renewed. */
  private readonly tokens = new Map<string, { token: string; renewAt: number }>();

  constructor(
    private readonly api: ApiClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes the pod's volumes of these kinds into their directories. */
  async write(pod: Stored<Pod>, dirs: Map<string, string>, sources: PodSources): Promise<void> {
    for (const v of pod.spec.volumes ?? []) {
      const dir = dirs.get(v.name);
      if (!dir) continue;
      const files = await this.files(pod, v, sources);
      if (files) writeVolumeFiles(dir, files, new Date(this.now()));
    }
  }

  /** Forgets a pod's tokens (its directories go with the pod's). */
  forget(uid: string): void {
    for (const k of this.tokens.keys()) if (k.startsWith(`${uid}/`)) this.tokens.delete(k);
  }

  /** What the volume should hold now; undefined for volumes the kubelet does not fill. */
  private async files(pod: Stored<Pod>, v: Volume, sources: PodSources): Promise<Map<string, VolumeFile> | undefined> {
    const out = new Map<string, VolumeFile>();
    const fail = (why: string): never => {
      throw new MountError(`MountVolume.SetUp failed for volume "${v.name}" : ${why}`);
    };
    if (v.configMap) {
      const cm = sources.configMaps.get(v.configMap.name);
      if (!cm && !v.configMap.optional) fail(`configmap "${v.configMap.name}" not found`);
      this.keys(out, { ...v.configMap }, cm && configMapData(cm), v.configMap.defaultMode ?? 0o644, (k) => fail(`configmap references non-existent config key: ${k}`));
    } else if (v.secret) {
      const s = sources.secrets.get(v.secret.secretName);
      if (!s && !v.secret.optional) fail(`secret "${v.secret.secretName}" not found`);
      this.keys(out, { ...v.secret, name: v.secret.secretName }, s && secretData(s), v.secret.defaultMode ?? 0o644, (k) => fail(`references non-existent secret key: ${k}`));
    } else if (v.downwardAPI) {
      for (const it of v.downwardAPI.items ?? []) out.set(it.path, { data: Buffer.from(downwardValue(pod, it, sources)), mode: it.mode ?? v.downwardAPI.defaultMode ?? 0o644 });
    } else if (v.projected) {
      const mode = v.projected.defaultMode ?? 0o644;
      for (const s of v.projected.sources) await this.projection(pod, v, s, out, mode, sources, fail);
    } else return undefined;
    return out;
  }

  /** A ConfigMap's or Secret's keys (all, or the items named) as files. */
  private keys(out: Map<string, VolumeFile>, ref: Keys, data: Map<string, Buffer> | undefined, mode: number, missing: (key: string) => void): void {
    if (!data) return;
    const items: KeyToPath[] = ref.items ?? [...data.keys()].map((k) => ({ key: k, path: k }));
    for (const it of items) {
      const value = data.get(it.key);
      if (value === undefined) {
        if (!ref.optional) missing(it.key);
        continue;
      }
      out.set(path.normalize(it.path), { data: value, mode: it.mode ?? mode });
    }
  }

  private async projection(pod: Stored<Pod>, v: Volume, s: VolumeProjection, out: Map<string, VolumeFile>, mode: number, sources: PodSources, fail: (why: string) => never): Promise<void> {
    if (s.serviceAccountToken) {
      const t = s.serviceAccountToken;
      out.set(t.path, { data: Buffer.from(await this.token(pod, v, t)), mode });
    }
    if (s.configMap) {
      const cm = sources.configMaps.get(s.configMap.name);
      if (!cm && !s.configMap.optional) fail(`configmap "${s.configMap.name}" not found`);
      this.keys(out, s.configMap, cm && configMapData(cm), mode, (k) => fail(`configmap references non-existent config key: ${k}`));
    }
    if (s.secret) {
      const sec = sources.secrets.get(s.secret.name);
      if (!sec && !s.secret.optional) fail(`secret "${s.secret.name}" not found`);
      this.keys(out, s.secret, sec && secretData(sec), mode, (k) => fail(`references non-existent secret key: ${k}`));
    }
    for (const it of s.downwardAPI?.items ?? []) out.set(it.path, { data: Buffer.from(downwardValue(pod, it, sources)), mode: it.mode ?? mode });
  }

  private async token(pod: Stored<Pod>, v: Volume, t: NonNullable<VolumeProjection['serviceAccountToken']>): Promise<string> {
    const key = `${pod.metadata.uid}/${v.name}/${t.path}`;
    const held = this.tokens.get(key);
    if (held && this.now() < held.renewAt) return held.token;
    const answer = await this.api.createToken(pod.metadata.namespace ?? 'default', pod.spec.serviceAccountName ?? 'default', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { ...(t.audience ? { audiences: [t.audience] } : {}), expirationSeconds: t.expirationSeconds ?? 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid } },
    });
    if (!answer.status?.token) throw new MountError(`MountVolume.SetUp failed for volume "${v.name}" : the apiserver gave no token`);
    const issued = this.now();
    const ttl = Date.parse(answer.status.expirationTimestamp) - issued;
    this.tokens.set(key, { token: answer.status.token, renewAt: issued + Math.min(0.8 * ttl, DAY_MS) });
    return answer.status.token;
  }
}

function configMapData(cm: ConfigMap): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) m.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
  return m;
}

function secretData(s: Secret): Map<string, Buffer> {
  return new Map(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}
