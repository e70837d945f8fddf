import { execFile } from 'node:child_process';

/** Result of a finished command. */
export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Error of a command that exited non-zero, with what it printed. */
export class CommandError extends Error {
  constructor(
    readonly command: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${command.join(' ')}: exit ${String(code)}: ${stderr.trim()}`);
  }
}

/** Runs a command with an argument array (never a shell string); rejects on a non-zero exit. */
export function run(cmd: string, args: readonly string[], input?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        reject(new CommandError([cmd, ...args], code, stderr || err.message));
      } else resolve({ stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like run, but resolves false instead of rejecting. */
export async function succeeds(cmd: string, args: readonly string[]): Promise<boolean> {
  try {
    await run(cmd, args);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command inside a named network namespace (`ip netns exec`; fine for short commands). */
export function runIn(netns: string | undefined, cmd: string, args: readonly string[], input?: string): Promise<ExecResult> {
  return netns ? run('ip', ['netns', 'exec', netns, cmd, ...args], input) : run(cmd, args, input);
}
