import * as path from 'node:path';
import { apiserverArgs, controllerManagerArgs, etcdArgs, kubeletArgs, proxyArgs, schedulerArgs, type MasterConfig, type NodeConfig } from './daemon-args';
import { dockerdArgs, type DockerdOptions } from './dockerd';

// systemd units for Vagrant VMs and bare hosts: the same daemons, with the same command lines
// as the local cluster (daemon-args.ts), restarted on failure by systemd.

export interface Unit {
  name: string;
  text: string;
}

function unit(name: string, description: string, exec: string[], after: string[] = [], pre: string[] = []): Unit {
  const deps = ['network-online.target', ...after].join(' ');
  return {
    name: `${name}.service`,
    text: [
      '[Unit]',
      `Description=${description}`,
      `After=${deps}`,
      `Wants=${deps}`,
      '',
      '[Service]',
      ...pre.map((p) => `ExecStartPre=${p}`),
      `ExecStart=${exec.join(' ')}`,
      'Restart=on-failure',
      'RestartSec=2',
      'KillMode=mixed',
      'LimitNOFILE=1048576',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n'),
  };
}

export interface MasterUnitsConfig extends MasterConfig {
  nodeBin: string;
  stateDir: string;
  registryConfig: string;
  etcdPeerUrl: string;
}

export function masterUnits(c: MasterUnitsConfig): Unit[] {
  return [
    unit('tinykube-etcd', 'tinykube etcd', ['/usr/bin/etcd', ...etcdArgs(path.join(c.stateDir, 'etcd'), c.etcdClientUrl, c.etcdPeerUrl)]),
    unit('tinykube-registry', 'tinykube image registry', ['/usr/bin/docker-registry', 'serve', c.registryConfig]),
    unit('tinykube-apiserver', 'tinykube tk-apiserver', [c.nodeBin, ...apiserverArgs(c)], ['tinykube-etcd.service']),
    unit('tinykube-scheduler', 'tinykube tk-scheduler', [c.nodeBin, ...schedulerArgs(c)], ['tinykube-apiserver.service']),
    unit('tinykube-controller-manager', 'tinykube tk-controller-manager', [c.nodeBin, ...controllerManagerArgs(c)], ['tinykube-apiserver.service']),
  ];
}

export interface NodeUnitsConfig extends NodeConfig {
  nodeBin: string;
  dockerd: DockerdOptions;
}

export function nodeUnits(c: NodeUnitsConfig): Unit[] {
  return [
    unit('tinykube-dockerd', 'tinykube node dockerd', ['/usr/sbin/dockerd', ...dockerdArgs(c.dockerd)], [], [`/bin/mkdir -p ${path.dirname(c.dockerd.socket)}`]),
    unit('tinykube-kubelet', 'tinykube tk-kubelet', [c.nodeBin, ...kubeletArgs(c)], ['tinykube-dockerd.service']),
    unit('tinykube-proxy', 'tinykube tk-proxy', [c.nodeBin, ...proxyArgs(c)]),
  ];
}
