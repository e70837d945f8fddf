#!/usr/bin/env node
// tkctl: tinykube's own CLI (a kubectl subset that prints the server's tables).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ApiError } from '@tinykube/api';
import { loadKubeconfig, RestClient } from '@tinykube/client';
import * as cmd from './commands';
import * as rollout from './rollout';

interface Global {
  kubeconfig?: string;
  server?: string;
  namespace?: string;
}

/** The cluster and credentials of --kubeconfig, $KUBECONFIG, ./.tinykube/kubeconfig or ~/.kube/config; --server overrides its URL. */
export function context(argv: Global): cmd.Ctx {
  const candidates = [argv.kubeconfig, process.env.KUBECONFIG, join(process.cwd(), '.tinykube/kubeconfig'), join(homedir(), '.kube/config')].filter((p): p is string => !!p);
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new Error('no cluster: pass --kubeconfig FILE (run `npm run up` to start a local cluster)');
  const target = loadKubeconfig(path);
  // Writes are validated strictly and warnings printed, as kubectl does.
  const client = new RestClient(argv.server ?? target.server, { tls: target.tls, fieldValidation: 'Strict', onWarning: (w) => process.stderr.write(`Warning: ${w}\n`) });
  const namespace = target.namespace;
  return { client, namespace: argv.namespace ?? namespace, out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('tkctl')
    .option('kubeconfig', { type: 'string', describe: 'kubeconfig file' })
    .option('server', { alias: 's', type: 'string', describe: 'apiserver URL (overrides the kubeconfig)' })
    .option('namespace', { alias: 'n', type: 'string', describe: 'namespace' })
    .command(
      'get <args..>',
      'list or show objects as a table',
      (y) =>
        y
          .positional('args', { type: 'string', array: true })
          .option('output', { alias: 'o', type: 'string', choices: ['wide', 'yaml', 'json', 'name'] })
          .option('selector', { alias: 'l', type: 'string' })
          .option('watch', { alias: 'w', type: 'boolean' })
          .option('all-namespaces', { alias: 'A', type: 'boolean' })
          .option('show-labels', { type: 'boolean' }),
      async (a) => {
        const ctx = context(a);
        const o = { output: a.output, selector: a.selector, allNamespaces: a['all-namespaces'], showLabels: a['show-labels'] };
        if (a.watch) await cmd.watch(ctx, a.args as string[], o);
        else await cmd.get(ctx, a.args as string[], o);
      },
    )
    .command(
      'apply',
      'create or update objects from files',
      (y) => y.option('filename', { alias: 'f', type: 'string', array: true, demandOption: true }),
      async (a) => cmd.apply(context(a), a.filename),
    )
    .command(
      'delete [args..]',
      'delete objects by type and name, selector or file',
      (y) =>
        y
          .positional('args', { type: 'string', array: true, default: [] })
          .option('filename', { alias: 'f', type: 'string', array: true })
          .option('selector', { alias: 'l', type: 'string' })
          .option('grace-period', { type: 'number' })
          .option('now', { type: 'boolean' }),
      async (a) => cmd.del(context(a), a.args as string[], { files: a.filename, selector: a.selector, gracePeriod: a['grace-period'], now: a.now }),
    )
    .command(
      'describe <args..>',
      'show an object in detail, with its events',
      (y) => y.positional('args', { type: 'string', array: true }),
      async (a) => cmd.describe(context(a), a.args as string[]),
    )
    .command(
      'scale <args..>',
      'set the replicas of a Deployment, ReplicaSet, ReplicationController or StatefulSet',
      (y) => y.positional('args', { type: 'string', array: true }).option('replicas', { type: 'number', demandOption: true }),
      async (a) => cmd.scale(context(a), a.args as string[], a.replicas),
    )
    .command('rollout <action> <target>', 'manage a Deployment or StatefulSet rollout: status, history, undo, restart, pause, resume', (y) =>
      y
        .positional('action', { choices: ['status', 'history', 'undo', 'restart', 'pause', 'resume'] as const, demandOption: true })
        .positional('target', { type: 'string', demandOption: true, describe: 'deployment/NAME or statefulset/NAME' })
        .option('timeout', { type: 'number', default: 0, describe: 'seconds to wait for status (0: forever)' })
        .option('to-revision', { type: 'number', default: 0 }),
      async (a) => {
        const ctx = context(a);
        switch (a.action) {
          case 'status':
            return rollout.rolloutStatus(ctx, a.target, a.timeout);
          case 'history':
            return rollout.rolloutHistory(ctx, a.target);
          case 'undo':
            return rollout.rolloutUndo(ctx, a.target, a['to-revision']);
          case 'restart':
            return rollout.rolloutRestart(ctx, a.target);
          default:
            return rollout.rolloutPause(ctx, a.target, a.action === 'pause');
        }
      },
    )
    .command(
      'logs <pod>',
      "print a container's log",
      (y) =>
        y
          .positional('pod', { type: 'string', demandOption: true })
          .option('container', { alias: 'c', type: 'string' })
          .option('follow', { alias: 'f', type: 'boolean' })
          .option('previous', { alias: 'p', type: 'boolean' })
          .option('tail', { type: 'number', default: -1 })
          .option('timestamps', { type: 'boolean' }),
      async (a) =>
        cmd.logs(context(a), a.pod, {
          ...(a.container ? { container: a.container } : {}),
          follow: !!a.follow,
          previous: !!a.previous,
          tail: a.tail,
          timestamps: !!a.timestamps,
        }),
    )
    .demandCommand(1)
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`error: ${msg}\n`);
      process.exit(1);
    })
    .help()
    .parseAsync();
}

main().catch((err: unknown) => {
  if (err instanceof ApiError) process.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
  else process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
