import type { Container, Pod } from '@tinykube/api';
import { ContainerConfigError } from './env';

// A container's securityContext (over the pod's) as Docker carries it: the user and groups,
// read-only root filesystem, privileged, capabilities, no-new-privileges, seccomp and AppArmor
// Unconfined. runAsNonRoot is checked against the image's user as the kubelet's
// verifyRunAsNonRoot does, with its words.

export interface DockerSecurity {
  User?: string;
  GroupAdd?: string[];
  ReadonlyRootfs?: boolean;
  Privileged?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  SecurityOpt?: string[];
}

function podRef(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

/** `imageUser`: the image's configured User ('' runs as root). */
export function dockerSecurity(pod: Pod, c: Container, imageUser: string): DockerSecurity {
  const ps = pod.spec.securityContext ?? {};
  const cs = c.securityContext ?? {};
  const uid = cs.runAsUser ?? ps.runAsUser;
  const gid = cs.runAsGroup ?? ps.runAsGroup;
  const nonRoot = cs.runAsNonRoot ?? ps.runAsNonRoot;
  if (nonRoot) {
    if (uid !== undefined) {
      if (uid === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy (pod: "${podRef(pod)}", container: ${c.name})`);
    } else {
      const user = imageUser.split(':')[0] ?? '';
      if (user !== '' && !/^\d+$/.test(user)) throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root (pod: "${podRef(pod)}", container: ${c.name})`);
      if (user === '' || Number(user) === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${podRef(pod)}", container: ${c.name})`);
    }
  }
  for (const [what, type] of [['seccomp', cs.seccompProfile?.type ?? ps.seccompProfile?.type], ['AppArmor', cs.appArmorProfile?.type ?? ps.appArmorProfile?.type]] as const) {
    if (type === 'Localhost') throw new ContainerConfigError(`${what} profile type Localhost is not supported by tinykube (container: ${c.name}); use RuntimeDefault or Unconfined`);
  }
  const out: DockerSecurity = {};
  if (uid !== undefined || gid !== undefined) {
    const user = uid !== undefined ? String(uid) : imageUser.split(':')[0] || '0';
    out.User = gid !== undefined ? `${user}:${gid}` : user;
  }
  const groups = [...(ps.supplementalGroups ?? []), ...(ps.fsGroup !== undefined ? [ps.fsGroup] : [])];
  if (groups.length) out.GroupAdd = [...new Set(groups)].map(String);
  if (cs.readOnlyRootFilesystem) out.ReadonlyRootfs = true;
  if (cs.privileged) out.Privileged = true;
  if (cs.capabilities?.add?.length) out.CapAdd = cs.capabilities.add;
  if (cs.capabilities?.drop?.length) out.CapDrop = cs.capabilities.drop;
  const opts: string[] = [];
  if (cs.allowPrivilegeEscalation === false) opts.push('no-new-privileges');
  const seccomp = cs.seccompProfile?.type ?? ps.seccompProfile?.type;
  if (seccomp === 'Unconfined') opts.push('seccomp=unconfined');
  const apparmor = cs.appArmorProfile?.type ?? ps.appArmorProfile?.type;
  if (apparmor === 'Unconfined') opts.push('apparmor=unconfined');
  if (opts.length) out.SecurityOpt = opts;
  return out;
}

/** The kubelet's MilliCPUToShares: 1024 shares a core, at least 2. */
export function cpuShares(milli: number): number {
  if (milli === 0) return 2;
  return Math.min(Math.max(Math.floor((milli * 1024) / 1000), 2), 262_144);
}
