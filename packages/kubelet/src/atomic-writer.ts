import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

// Kubernetes' AtomicWriter: a volume's files live in a timestamped directory `..<time>.<rand>`;
// `..data` is a symlink to it and every top-level name a symlink through `..data`. An update
// writes a new directory and renames a new `..data` over the old in one step, so a container
// sees the old set of files or the new one, never a mix. A subPath mount resolves the symlinks
// when it is made, so it keeps the version it started with, as in Kubernetes.

export interface VolumeFile {
  data: Buffer;
  mode: number;
}

const DATA = '..data';
const DATA_TMP = '..data_tmp';

function stamp(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.${randomBytes(5).toString('hex')}`;
}

/** Whether the directory already holds exactly these files with these modes. */
function holds(dir: string, files: Map<string, VolumeFile>): boolean {
  const seen = new Set<string>();
  const walk = (rel: string): boolean => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!walk(r)) return false;
        continue;
      }
      const want = files.get(r);
      if (!want) return false;
      const st = fs.statSync(path.join(dir, r));
      if ((st.mode & 0o777) !== want.mode || !fs.readFileSync(path.join(dir, r)).equals(want.data)) return false;
      seen.add(r);
    }
    return true;
  };
  try {
    return walk('') && seen.size === files.size;
  } catch {
    return false;
  }
}

/** Writes the volume's files; returns whether anything changed. `files` keys are relative paths. */
export function writeVolumeFiles(dir: string, files: Map<string, VolumeFile>, now = new Date()): boolean {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  let old: string | undefined;
  try {
    old = fs.readlinkSync(path.join(dir, DATA));
  } catch {
    old = undefined;
  }
  if (old && holds(path.join(dir, old), files)) return false;
  const fresh = stamp(now);
  const target = path.join(dir, fresh);
  fs.mkdirSync(target, { mode: 0o755 });
  for (const [rel, f] of files) {
    const file = path.join(target, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, f.data, { mode: f.mode });
    fs.chmodSync(file, f.mode);
  }
  fs.rmSync(path.join(dir, DATA_TMP), { force: true });
  fs.symlinkSync(fresh, path.join(dir, DATA_TMP));
  fs.renameSync(path.join(dir, DATA_TMP), path.join(dir, DATA));
  const top = new Set([...files.keys()].map((rel) => rel.split('/')[0]!));
  for (const name of top) {
    const link = path.join(dir, name);
    let current: string | undefined;
    try {
      current = fs.readlinkSync(link);
    } catch {
      current = undefined;
    }
    if (current === `${DATA}/${name}`) continue;
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(`${DATA}/${name}`, link);
  }
  for (const e of fs.readdirSync(dir)) {
    if (e === DATA || e === fresh) continue;
    if (e.startsWith('..') || !top.has(e)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  return true;
}
