import * as fs from 'node:fs';
import Docker from 'dockerode';
import { run } from './exec';
import type { Daemons } from './processes';
import { waitForDaemons } from './wait';

// One dockerd per host (Debian's docker.io), each with its own data-root, exec-root and socket.
// tinykube owns the hosts' networking and iptables, so dockerd makes no bridge, no NAT and no
// iptables rules of its own; the local registry is its mirror, so `image: busybox:1.35` pulls
// from it.

export interface DockerdOptions {
  name: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  netns?: string;
  registry: string;
  /** cgroup under /tinykube for the host's containers. */
  cgroup: string;
}

export function dockerdArgs(o: DockerdOptions): string[] {
  return [
    `--data-root=${o.dataRoot}`,
    `--exec-root=${o.execRoot}`,
    `--host=unix://${o.socket}`,
    `--pidfile=${o.execRoot}/dockerd.pid`,
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    `--registry-mirror=http://${o.registry}`,
    `--insecure-registry=${o.registry}`,
    `--cgroup-parent=/tinykube/${o.cgroup}`,
    '--log-driver=json-file',
    '--log-opt=max-size=10m',
  ];
}

export async function startDockerd(daemons: Daemons, o: DockerdOptions, timeoutMs = 60_000): Promise<Docker> {
  fs.mkdirSync(o.dataRoot, { recursive: true });
  fs.mkdirSync(o.execRoot, { recursive: true });
  daemons.start({ name: o.name, command: 'dockerd', args: dockerdArgs(o), ...(o.netns ? { netns: o.netns } : {}) });
  const docker = new Docker({ socketPath: o.socket });
  await waitForDaemons({ what: `${o.name} to answer`, timeoutMs, daemons, watch: [o.name], check: async () => (await docker.ping(), true) });
  return docker;
}

/** Stops a dockerd after removing its containers, so no mount or cgroup outlives it. */
export async function stopDockerd(daemons: Daemons, o: DockerdOptions): Promise<void> {
  if (daemons.running(o.name)) {
    const docker = new Docker({ socketPath: o.socket });
    try {
      const containers = await docker.listContainers({ all: true });
      await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    } catch {
      // An unresponsive daemon is killed below.
    }
  }
  await daemons.stop(o.name, 20_000);
  await unmountUnder([o.execRoot, o.dataRoot]);
}

/** Lazily unmounts every mount point under the given directories (deepest first). */
export async function unmountUnder(dirs: string[]): Promise<void> {
  const mounts = fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && dirs.some((d) => m === d || m.startsWith(`${d}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
}
