import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container, Pod } from '@tinykube/api';

// Pod volumes as directories on the node, bind-mounted into the containers:
// - emptyDir: <root>/pods/<uid>/volumes/<name>, shared by the pod's containers, removed with it;
// - persistentVolumeClaim: <root>/persistent/<namespace>/<claim>, node-local, outlives pods;
// - hostPath: the host's own path;
// - projected: <root>/pods/<uid>/volumes/<name>, its files written by ProjectedVolumes.

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

  /** Creates the pod's volume directories; returns the host directory of each volume by name. */
  prepare(pod: Pod): Map<string, string> {
    const dirs = new Map<string, string>();
    const uid = pod.metadata.uid ?? '';
    for (const v of pod.spec.volumes ?? []) {
      let dir: string | undefined;
      if (v.emptyDir || v.projected) dir = path.join(this.podDir(uid), 'volumes', v.name);
      else if (v.persistentVolumeClaim) dir = this.claimDir(pod.metadata.namespace ?? 'default', v.persistentVolumeClaim.claimName);
      else if (v.hostPath) {
        dir = v.hostPath.path;
        if (v.hostPath.type === 'DirectoryOrCreate' || v.hostPath.type === undefined || v.hostPath.type === '') {
          if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
        } else if (!fs.existsSync(dir)) throw new Error(`hostPath ${dir} of volume ${v.name} does not exist`);
      } else throw new Error(`volume ${v.name}: only emptyDir, hostPath, persistentVolumeClaim and projected are supported`);
      if (!v.hostPath) fs.mkdirSync(dir, { recursive: true });
      dirs.set(v.name, dir);
    }
    return dirs;
  }

  /** Docker bind specs for a container's volumeMounts. */
  binds(container: Container, dirs: Map<string, string>): string[] {
    return (container.volumeMounts ?? []).map((m) => {
      let host = dirs.get(m.name);
      if (!host) throw new Error(`container ${container.name}: volumeMount ${m.name} names no volume of the pod`);
      if (m.subPath) {
        host = path.join(host, m.subPath);
        fs.mkdirSync(host, { recursive: true });
      }
      return `${host}:${m.mountPath}${m.readOnly ? ':ro' : ''}`;
    });
  }

  /** Removes what belongs to the pod alone (emptyDirs); claims stay. */
  cleanup(uid: string): void {
    fs.rmSync(this.podDir(uid), { recursive: true, force: true });
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
