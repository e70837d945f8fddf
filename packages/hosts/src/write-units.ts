import * as fs from 'node:fs';
import * as path from 'node:path';
import { clusterDnsIp } from './addons';
import { masterUnits, nodeUnits, type Unit } from './units';
import { writeRegistryConfig } from './registry';

// `tk-hosts units master|node`: the unit files (and the registry config) of a Vagrant VM or
// bare host, with the defaults of a real deployment (state in /var/lib/tinykube).

export interface HostUnitOptions {
  out: string;
  stateDir: string;
  masterIp: string;
  clusterCidr: string;
  serviceCidr: string;
  /** The PKI directory on this host (/etc/tinykube/pki). */
  pkiDir: string;
  name?: string;
  nodeIp?: string;
  /** A node joined with `tk-hosts join`: its bootstrap kubeconfig, instead of a bundle's certificates. */
  bootstrapKubeconfig?: string;
}

export function unitsFor(repoDir: string, role: 'master' | 'node', o: HostUnitOptions): Unit[] {
  if (role === 'master') {
    return masterUnits({
      repoDir,
      nodeBin: process.execPath,
      stateDir: o.stateDir,
      masterIp: o.masterIp,
      etcdClientUrl: 'http://127.0.0.1:2379',
      etcdPeerUrl: 'http://127.0.0.1:2380',
      apiserverPort: 6443,
      grpcPort: 6444,
      serviceCidr: o.serviceCidr,
      clusterCidr: o.clusterCidr,
      pkiDir: o.pkiDir,
      auditLogPath: '/var/log/tinykube/audit.log',
      registryConfig: path.join(o.stateDir, 'cache', 'registry.yml'),
    });
  }
  if (!o.name || !o.nodeIp) throw new Error('units node needs --name and --node-ip');
  const registry = `${o.masterIp}:5000`;
  return nodeUnits({
    repoDir,
    nodeBin: process.execPath,
    apiserverGrpc: `${o.masterIp}:6444`,
    nodeName: o.name,
    nodeIp: o.nodeIp,
    dockerSocket: '/run/tinykube/docker.sock',
    rootDir: path.join(o.stateDir, 'kubelet'),
    clusterCidr: o.clusterCidr,
    pkiDir: o.pkiDir,
    // The cluster DNS install-master.sh runs (addons/dns.yaml); names outside go to the host's resolver.
    clusterDns: clusterDnsIp(o.serviceCidr),
    clusterDomain: 'cluster.local',
    ...(o.bootstrapKubeconfig ? { bootstrapKubeconfig: o.bootstrapKubeconfig } : {}),
    dockerd: { name: 'dockerd', socket: '/run/tinykube/docker.sock', dataRoot: path.join(o.stateDir, 'docker'), execRoot: '/run/tinykube/docker', registry, cgroup: o.name },
  });
}

export function writeUnits(repoDir: string, role: 'master' | 'node', o: HostUnitOptions): string[] {
  const units = unitsFor(repoDir, role, o);
  fs.mkdirSync(o.out, { recursive: true });
  if (role === 'master') writeRegistryConfig(path.join(o.stateDir, 'cache'), `${o.masterIp}:5000`);
  return units.map((u) => {
    const file = path.join(o.out, u.name);
    fs.writeFileSync(file, u.text);
    return file;
  });
}
