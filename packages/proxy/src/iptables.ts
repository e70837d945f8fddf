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

export interface TableState {
  chains: Set<string>;
  /** `-A` lines of the built-in chains, to tell which jumps exist without an iptables call each. */
  builtinRules: string[];
}

const BUILTIN = /^-A (PREROUTING|INPUT|OUTPUT|FORWARD|POSTROUTING) /;

/** The chains of a table and the rules of its built-in chains, from one iptables-save. */
export async function tableState(table: 'nat' | 'filter'): Promise<TableState> {
  const out = await exec('iptables-save', ['-t', table]);
  const chains = new Set<string>();
  const builtinRules: string[] = [];
  for (const line of out.split('\n')) {
    if (line.startsWith(':')) chains.add(line.slice(1).split(' ')[0]!);
    else if (BUILTIN.test(line)) builtinRules.push(line);
  }
  return { chains, builtinRules };
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

/** Whether an iptables-save line is this jump (iptables-save quotes comments and may reorder matches). */
function isJump(line: string, j: Jump): boolean {
  const target = j.args[j.args.length - 1]!;
  const comment = j.args[j.args.indexOf('--comment') + 1]!;
  return line.startsWith(`-A ${j.from} `) && line.endsWith(`-j ${target}`) && line.includes(comment) && j.args.includes('NEW') === line.includes('NEW');
}

/** Inserts the jumps from the built-in chains that the saved rules lack. */
export async function ensureJumps(saved: Record<'nat' | 'filter', TableState>): Promise<void> {
  for (const j of JUMPS) {
    if (saved[j.table].builtinRules.some((l) => isJump(l, j))) continue;
    await exec('iptables', ['-w', '-t', j.table, '-I', j.from, '1', ...j.args]);
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
