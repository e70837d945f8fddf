#!/usr/bin/env node
// tk-hosts: brings the local multi-host cluster up and down (`npm run up` / `npm run down`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadKubeconfig, renderKubeconfig, RestClient, tlsFetch } from '@tinykube/client';
import { caCertHash } from '@tinykube/pki';
import { adminIdentity, buildImages, down, up } from './cluster';
import { prepareBareNode } from './network';
import { Daemons } from './processes';
import { assertNoOverlap } from './safety';
import { writeUnits } from './write-units';
import { applyAddon, clusterDnsIp } from './addons';
import { ensureBootstrapToken, ensureClusterPki, writeNodeBundle } from './pki';
import { discoverCluster, ensureClusterInfo, writeJoinFiles } from './join';
import { isIPv4 } from '@tinykube/api';
import type { PlanOptions } from './plan';

const repoDir = path.resolve(__dirname, '../../../..');
const defaultState = path.join(repoDir, '.tinykube');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The ranges `up` used, so `down` removes exactly what it made. */
function savedPlan(stateDir: string): Partial<PlanOptions> {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, 'plan.json'), 'utf8')) as Partial<PlanOptions>;
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const common = {
    'state-dir': { type: 'string', default: defaultState, describe: 'where the cluster keeps its state' },
    'host-cidr': { type: 'string', default: '10.240.0.0/24', describe: 'network shared by the master and node hosts' },
    'cluster-cidr': { type: 'string', default: '10.244.0.0/16', describe: 'pod network; one /24 per node' },
    'service-cidr': { type: 'string', default: '10.96.0.0/16', describe: 'Service ClusterIP range' },
    prefix: { type: 'string', default: 'tk', describe: 'prefix of interface, namespace and runtime names' },
    'etcd-port': { type: 'number', default: 2379, describe: 'etcd client port (peer: the next one)' },
  } as const;
  await yargs(hideBin(process.argv))
    .scriptName('tk-hosts')
    .command(
      'up',
      'start (or check) the local cluster',
      (y) =>
        y
          .options(common)
          .option('nodes', { type: 'number', default: 3, describe: 'number of node hosts' })
          .option('node-monitor-grace-period', { type: 'number', describe: 'seconds without a lease before a node is unreachable' })
          .option('pod-eviction-timeout', { type: 'number', describe: 'default toleration seconds for unreachable/not-ready' })
          .option('dns', { type: 'boolean', default: true, describe: 'run cluster DNS (tk-dns behind kube-dns, addons/dns.yaml); --no-dns to leave it out' }),
      async (a) => {
        const stateDir = path.resolve(a['state-dir']);
        const plan: PlanOptions = { nodes: a.nodes, hostCidr: a['host-cidr'], clusterCidr: a['cluster-cidr'], serviceCidr: a['service-cidr'], stateDir, prefix: a.prefix, etcdPort: a['etcd-port'] };
        fs.mkdirSync(stateDir, { recursive: true });
        fs.writeFileSync(path.join(stateDir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
        const started = Date.now();
        const cluster = await up({
          ...plan,
          repoDir,
          progress: say,
          dns: a.dns,
          ...(a['node-monitor-grace-period'] ? { nodeMonitorGracePeriod: a['node-monitor-grace-period'] } : {}),
          ...(a['pod-eviction-timeout'] ? { podEvictionTimeout: a['pod-eviction-timeout'] } : {}),
        });
        const kubeconfig = path.join(stateDir, 'kubeconfig');
        say(`\nReady in ${((Date.now() - started) / 1000).toFixed(1)} s: ${cluster.nodes.length} nodes`);
        for (const n of cluster.nodes) say(`  ${n.name}  ${n.ip}  pods ${n.podCIDR}`);
        say(`\nkubeconfig: ${kubeconfig}`);
        say('Try:');
        say(`  export KUBECONFIG=${kubeconfig}`);
        say('  npx tkctl get nodes');
        say('  npx tkctl apply -f examples/nginx-deployment.yaml && npx tkctl get pods -o wide');
      },
    )
    .command(
      'down',
      'stop the local cluster and remove everything it made',
      (y) => y.options(common),
      async (a) => {
        const stateDir = path.resolve(a['state-dir']);
        const saved = savedPlan(stateDir);
        await down({
          nodes: saved.nodes ?? 3,
          hostCidr: saved.hostCidr ?? a['host-cidr'],
          clusterCidr: saved.clusterCidr ?? a['cluster-cidr'],
          serviceCidr: saved.serviceCidr ?? a['service-cidr'],
          prefix: saved.prefix ?? a.prefix,
          etcdPort: saved.etcdPort ?? a['etcd-port'],
          stateDir,
          progress: say,
        });
        say('down: done');
      },
    )
    .command(
      'units <role>',
      'write the systemd units of a master or node host (Vagrant and bare hosts)',
      (y) =>
        y
          .positional('role', { choices: ['master', 'node'] as const, demandOption: true })
          .option('out', { type: 'string', default: '/etc/systemd/system' })
          .option('state-dir', { type: 'string', default: '/var/lib/tinykube' })
          .option('master-ip', { type: 'string', demandOption: true, describe: "the master's address on the hosts' network" })
          .option('cluster-cidr', { type: 'string', default: '10.244.0.0/16' })
          .option('service-cidr', { type: 'string', default: '10.96.0.0/16' })
          .option('pki-dir', { type: 'string', default: '/etc/tinykube/pki', describe: 'the cluster PKI on this host (see `tk-hosts pki`)' })
          .option('name', { type: 'string', describe: 'node name (node role)' })
          .option('node-ip', { type: 'string', describe: "this node's address (node role)" })
          .option('bootstrap-kubeconfig', { type: 'string', describe: 'a node joined by `tk-hosts join`: its bootstrap kubeconfig (node role)' }),
      (a) => {
        const out = writeUnits(repoDir, a.role, {
          out: a.out,
          stateDir: a['state-dir'],
          masterIp: a['master-ip'],
          clusterCidr: a['cluster-cidr'],
          serviceCidr: a['service-cidr'],
          pkiDir: a['pki-dir'],
          ...(a.name ? { name: a.name } : {}),
          ...(a['node-ip'] ? { nodeIp: a['node-ip'] } : {}),
          ...(a['bootstrap-kubeconfig'] ? { bootstrapKubeconfig: a['bootstrap-kubeconfig'] } : {}),
        });
        for (const f of out) say(`wrote ${f}`);
      },
    )
    .command(
      'addon <name>',
      'create or update a cluster add-on of addons/ (dns: tk-dns behind kube-dns at the tenth Service address)',
      (y) =>
        y
          .positional('name', { choices: ['dns'] as const, demandOption: true })
          .option('kubeconfig', { type: 'string', default: '/var/lib/tinykube/kubeconfig', describe: 'a cluster-admin kubeconfig' })
          .option('service-cidr', { type: 'string', default: '10.96.0.0/16' })
          .option('cluster-domain', { type: 'string', default: 'cluster.local' }),
      async (a) => {
        const k = loadKubeconfig(a.kubeconfig);
        const api = new RestClient(k.server, { tls: k.tls, ...(k.token ? { token: k.token } : {}) });
        try {
          await applyAddon(api, repoDir, a.name, { DNS_IP: clusterDnsIp(a['service-cidr']), CLUSTER_DOMAIN: a['cluster-domain'] });
          say(`addon ${a.name}: applied (kube-dns at ${clusterDnsIp(a['service-cidr'])})`);
        } finally {
          api.close();
        }
      },
    )
    .command(
      'pki',
      'make or complete the cluster PKI of a bare-host master (kept on re-runs), and a bundle per --node for install-node.sh',
      (y) =>
        y
          .option('pki-dir', { type: 'string', default: '/etc/tinykube/pki' })
          .option('master-ip', { type: 'string', demandOption: true, describe: "the master's address on the hosts' network (a SAN of the apiserver's certificate)" })
          .option('service-cidr', { type: 'string', default: '10.96.0.0/16' })
          .option('apiserver-port', { type: 'number', default: 6443, describe: 'REST port, for the admin kubeconfig' })
          .option('node', { type: 'string', array: true, default: [] as string[], describe: 'NAME=IP of a node to issue certificates for (repeatable)' }),
      async (a) => {
        const nodes = a.node.map((n) => {
          const [name, ip] = n.split('=');
          if (!name || !ip || !isIPv4(ip)) throw new Error(`--node ${n}: expected NAME=IP`);
          return { name, ip };
        });
        await ensureClusterPki({ dir: a['pki-dir'], masterIps: [a['master-ip']], serviceCidr: a['service-cidr'], nodes });
        const kubeconfig = path.join(a['pki-dir'], 'admin.kubeconfig');
        fs.writeFileSync(kubeconfig, renderKubeconfig(`https://${a['master-ip']}:${a['apiserver-port']}`, adminIdentity(a['pki-dir'])), { mode: 0o600 });
        say(`admin kubeconfig (system:masters): ${kubeconfig}`);
        for (const n of nodes) say(`node bundle: ${writeNodeBundle(a['pki-dir'], n.name)} (copy it to ${n.name} and run install-node.sh --pki <dir>)`);
      },
    )
    .command(
      'join-command',
      'on the master: make sure of the bootstrap token and the cluster-info ConfigMap, and print the command that joins a node (add --name)',
      (y) =>
        y
          .option('pki-dir', { type: 'string', default: '/etc/tinykube/pki' })
          .option('master-ip', { type: 'string', demandOption: true, describe: "the master's address on the hosts' network" })
          .option('apiserver-port', { type: 'number', default: 6443 }),
      async (a) => {
        const server = `https://${a['master-ip']}:${a['apiserver-port']}`;
        const admin = adminIdentity(a['pki-dir']);
        const api = new RestClient(server, { tls: admin });
        // Just installed: systemd may still be starting the apiserver.
        const ready = tlsFetch({ ca: admin.ca });
        for (let delay = 500, deadline = Date.now() + 120_000; !(await ready(`${server}/readyz`).then((r) => r.ok, () => false)); delay = Math.min(delay * 2, 5000)) {
          if (Date.now() > deadline) throw new Error(`the apiserver at ${server} is not ready (journalctl -u tinykube-apiserver)`);
          await new Promise((r) => setTimeout(r, delay));
        }
        try {
          const token = await ensureBootstrapToken(api, a['pki-dir']);
          await ensureClusterInfo(api, server, admin.ca);
          say(`scripts/install-node.sh --apiserver ${a['master-ip']}:${a['apiserver-port']} --token ${token} --discovery-token-ca-cert-hash ${caCertHash(admin.ca)}`);
        } finally {
          api.close();
        }
      },
    )
    .command(
      'join',
      "on a new node: discover the cluster with a bootstrap token and the CA's pin (kubeadm's token discovery) and write the CA and the bootstrap kubeconfig",
      (y) =>
        y
          .option('apiserver', { type: 'string', demandOption: true, describe: "the master's REST address, HOST[:PORT] (6443)" })
          .option('token', { type: 'string', demandOption: true, describe: 'the bootstrap token, <id>.<secret>' })
          .option('discovery-token-ca-cert-hash', { type: 'string', array: true, demandOption: true, describe: "sha256:<hex> of the cluster CA's public key" })
          .option('pki-dir', { type: 'string', default: '/etc/tinykube/pki' })
          .option('bootstrap-kubeconfig', { type: 'string', default: '/etc/tinykube/bootstrap-kubelet.kubeconfig' }),
      async (a) => {
        const found = await discoverCluster({ apiserver: a.apiserver, token: a.token, caCertHashes: a['discovery-token-ca-cert-hash'] });
        writeJoinFiles({ pkiDir: a['pki-dir'], bootstrapKubeconfig: a['bootstrap-kubeconfig'], server: found.server, ca: found.ca, token: a.token });
        say(`join: the cluster at ${found.server} is trusted (CA ${caCertHash(found.ca)}); wrote ${path.join(a['pki-dir'], 'ca.crt')} and ${a['bootstrap-kubeconfig']}`);
      },
    )
    .command(
      'prepare-node',
      'check the ranges against this host and route the service and cluster CIDRs to a sink (bare node hosts)',
      (y) => y.option('cluster-cidr', { type: 'string', default: '10.244.0.0/16' }).option('service-cidr', { type: 'string', default: '10.96.0.0/16' }),
      async (a) => {
        await assertNoOverlap({ '--cluster-cidr': a['cluster-cidr'], '--service-cidr': a['service-cidr'] }, new Set(['tk-svc0', 'tk-pods']));
        await prepareBareNode(a['service-cidr'], a['cluster-cidr']);
        say('prepare-node: done');
      },
    )
    .command(
      'images',
      'build the images and push them to a registry (the master of bare hosts)',
      (y) => y.option('registry', { type: 'string', demandOption: true, describe: 'host:port' }).option('state-dir', { type: 'string', default: '/var/lib/tinykube' }),
      async (a) => {
        const stateDir = path.resolve(a['state-dir']);
        await buildImages(new Daemons(stateDir), { name: 'dockerd-builder', socket: '/run/tinykube/builder.sock', dataRoot: path.join(stateDir, 'builder'), execRoot: '/run/tinykube/builder', registry: a.registry, cgroup: 'builder' }, repoDir, path.join(stateDir, 'cache'), a.registry, say);
      },
    )
    .demandCommand(1)
    .showHelpOnFail(false)
    .strict()
    .help()
    .parse();
}

main().catch((err: unknown) => {
  process.stderr.write(`tk-hosts: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
