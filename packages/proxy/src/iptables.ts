import { execFile } from 'node:child_process';

// The only ways tk-proxy touches iptables: one iptables-restore --noflush per sync (rules
// built in memory), iptables-save to read which chains exist, and `iptables -C/-I` to keep the
// jumps from the built-in chains. Argument arrays only, never a shell.

function exec(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function restore(text: string): Promise<void> {
  await exec('iptables-restore', ['-w', '--noflush'], text);
}

/** Names of the chains in a table. */
export async function chains(table: 'nat' | 'filter'): Promise<Set<string>> {
  const out = await exec('iptables-save', ['-t', table]);
  const names = new Set<string>();
  for (const line of out.split('\n')) if (line.startsWith(':')) names.add(line.slice(1).split(' ')[0]!);
  return names;
}

export async function chainExists(table: 'nat' | 'filter', chain: string): Promise<boolean> {
  try {
    await exec('iptables', ['-w', '-t', table, '-S', chain, '1']);
    return true;
  } catch {
    return false;
  }
}

/** A jump from a built-in chain, inserted first unless present. */
export interface Jump {
  table: 'nat' | 'filter';
  from: string;
  args: string[];
}

export const JUMPS: Jump[] = [
  { table: 'nat', from: 'PREROUTING', args: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'nat', from: 'OUTPUT', args: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'nat', from: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'] },
  { table: 'filter', from: 'INPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'filter', from: 'OUTPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'filter', from: 'FORWARD', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] },
  { table: 'filter', from: 'INPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', 'KUBE-EXTERNAL-SERVICES'] },
  { table: 'filter', from: 'FORWARD', args: ['-m', 'comment', '--comment', 'kubernetes forwarding rules', '-j', 'KUBE-FORWARD'] },
];

export async function ensureJumps(): Promise<void> {
  for (const j of JUMPS) {
    try {
      await exec('iptables', ['-w', '-t', j.table, '-C', j.from, ...j.args]);
    } catch {
      await exec('iptables', ['-w', '-t', j.table, '-I', j.from, '1', ...j.args]);
    }
  }
}

/** Drops UDP conntrack entries from a service IP to an endpoint that is gone. */
export async function clearUdpConntrack(serviceIP: string, endpointIP: string): Promise<void> {
  try {
    await exec('conntrack', ['-D', '-p', 'udp', '--orig-dst', serviceIP, '--dst-nat', endpointIP]);
  } catch {
    // exit 1 when nothing matched
  }
}
