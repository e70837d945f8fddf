import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { bytes, type Container, type Pod, type Volume } from '@tinykube/api';
import { expand } from './env';

// Pod volumes as directories on the node, bind-mounted into the containers:
// - emptyDir: <root>/pods/<uid>/volumes/<name>, shared by the pod's containers, removed with it
//   (medium Memory: a tmpfs, sizeLimit its size);
// - configMap, downwardAPI: the same place, their files written by ContentVolumes;
// - secret, projected: the same place on a tmpfs, so credentials never reach the node's disk;
// - persistentVolumeClaim: <root>/persistent/<namespace>/<claim>, node-local, outlives pods;
// - hostPath: the host's own path.
// configMap, secret, downwardAPI and projected volumes are mounted read-only, as in Kubernetes.

const exec = promisify(execFile);

/** Volumes whose files the kubelet writes. */
export function isContentVolume(v: Volume): boolean {
  return !!(v.configMap || v.secret || v.downwardAPI || v.projected);
}

function inMemory(v: Volume): boolean {
  return !!(v.secret || v.projected || v.emptyDir?.medium === 'Memory');
}

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo). */
function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (s: string): string => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

export class Volumes {
  constructor(private readonly rootDir: string) {}

  podDir(uid: string): string {
    return path.join(this.rootDir, 'pods', uid);
  }

  claimDir(namespace: string, claim: string): string {
    return path.join(this.rootDir, 'persistent', namespace, claim);
  }

  /** Whether this node holds data for the claim. */
  hasClaim(namespace: string, claim: string): boolean {
    return fs.existsSync(this.claimDir(namespace, claim));
  }

  /** Creates the pod's volume directories (and tmpfs mounts); returns the host directory of each volume by name. */
  async prepare(pod: Pod): Promise<Map<string, string>> {
    const dirs = new Map<string, string>();
    const uid = pod.metadata.uid ?? '';
    for (const v of pod.spec.volumes ?? []) {
      let dir: string;
      if (v.emptyDir || isContentVolume(v)) dir = path.join(this.podDir(uid), 'volumes', v.name);
      else if (v.persistentVolumeClaim) dir = this.claimDir(pod.metadata.namespace ?? 'default', v.persistentVolumeClaim.claimName);
      else if (v.hostPath) {
        dir = v.hostPath.path;
        if (v.hostPath.type === 'DirectoryOrCreate' || v.hostPath.type === undefined || v.hostPath.type === '') {
          if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
        } else if (!fs.existsSync(dir)) throw new Error(`hostPath ${dir} of volume ${v.name} does not exist`);
      } else throw new Error(`volume ${v.name}: only emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected are supported`);
      if (!v.hostPath) fs.mkdirSync(dir, { recursive: true });
      if (inMemory(v) && !mountsUnder(dir).includes(dir)) {
        const size = v.emptyDir?.sizeLimit ? `,size=${bytes(v.emptyDir.sizeLimit)}` : '';
        await exec('mount', ['-t', 'tmpfs', '-o', `mode=0755${size}`, 'tmpfs', dir]);
      }
      dirs.set(v.name, dir);
    }
    return dirs;
  }

  /**
   * Docker bind specs for a container's volumeMounts. subPathExpr expands $(VAR) from the
   * container's environment; a subPath must stay inside its volume once symlinks are resolved.
   */
  binds(pod: Pod, container: Container, dirs: Map<string, string>, env: Record<string, string>): string[] {
    const byName = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
    return (container.volumeMounts ?? []).map((m) => {
      let host = dirs.get(m.name);
      if (!host) throw new Error(`container ${container.name}: volumeMount ${m.name} names no volume of the pod`);
      const sub = m.subPathExpr !== undefined ? expand(m.subPathExpr, env) : m.subPath;
      if (sub) {
        if (path.isAbsolute(sub) || sub.split('/').includes('..')) throw new Error(`failed to prepare subPath for volumeMount "${m.name}" of container "${container.name}": ${sub} must be a relative path without '..'`);
        const root = fs.realpathSync(host);
        const wanted = path.join(host, sub);
        if (!fs.existsSync(wanted)) fs.mkdirSync(wanted, { recursive: true });
        host = fs.realpathSync(wanted);
        if (host !== root && !host.startsWith(`${root}/`)) throw new Error(`failed to prepare subPath for volumeMount "${m.name}" of container "${container.name}": ${sub} leads outside the volume`);
      }
      const v = byName.get(m.name);
      const readOnly = m.readOnly || (v !== undefined && isContentVolume(v)) || v?.persistentVolumeClaim?.readOnly;
      return `${host}:${m.mountPath}${readOnly ? ':ro' : ''}`;
    });
  }

  /** The file a container's termination message is written to, created empty. */
  terminationFile(uid: string, container: string, attempt: number): string {
    const file = path.join(this.podDir(uid), 'containers', container, String(attempt));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '', { mode: 0o666 });
    fs.chmodSync(file, 0o666);
    return file;
  }

  /** A container's termination message, at most 4096 bytes as in Kubernetes. */
  terminationMessage(uid: string, container: string, attempt: number): string {
    try {
      const buf = fs.readFileSync(path.join(this.podDir(uid), 'containers', container, String(attempt)));
      return buf.subarray(0, 4096).toString('utf8');
    } catch {
      return '';
    }
  }

  /** Removes what belongs to the pod alone (emptyDirs, content volumes and their tmpfs); claims stay. */
  async cleanup(uid: string): Promise<void> {
    const dir = this.podDir(uid);
    for (const m of mountsUnder(dir)) await exec('umount', [m]);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /** uids of pods that have a directory here. */
  podUids(): string[] {
    try {
      return fs.readdirSync(path.join(this.rootDir, 'pods'));
    } catch {
      return [];
    }
  }
}
