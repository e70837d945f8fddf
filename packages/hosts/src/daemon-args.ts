import * as path from 'node:path';

// The command line of every tinykube daemon, in one place: the local cluster starts them with
// these, and the systemd units for Vagrant and bare hosts run exactly the same ones.

export interface MasterConfig {
  repoDir: string;
  masterIp: string;
  etcdClientUrl: string;
  apiserverPort: number;
  grpcPort: number;
  serviceCidr: string;
  clusterCidr: string;
  tokenFile: string;
  nodeMonitorGracePeriod?: number;
  podEvictionTimeout?: number;
}

export interface NodeConfig {
  repoDir: string;
  apiserverGrpc: string;
  nodeName: string;
  nodeIp: string;
  dockerSocket: string;
  rootDir: string;
  clusterCidr: string;
  tokenFile: string;
}

export function mainOf(repoDir: string, pkg: string): string {
  return path.join(repoDir, 'packages', pkg, 'dist', 'src', 'main.js');
}

export function apiserverArgs(c: MasterConfig): string[] {
  return [
    mainOf(c.repoDir, 'apiserver'),
    `--etcd-servers=${c.etcdClientUrl}`,
    `--bind-address=${c.masterIp}`,
    `--port=${c.apiserverPort}`,
    `--grpc-port=${c.grpcPort}`,
    `--service-cluster-ip-range=${c.serviceCidr}`,
    `--kubelet-token-file=${c.tokenFile}`,
    ...(c.podEvictionTimeout ? [`--default-not-ready-toleration-seconds=${c.podEvictionTimeout}`, `--default-unreachable-toleration-seconds=${c.podEvictionTimeout}`] : []),
  ];
}

export function schedulerArgs(c: MasterConfig): string[] {
  return [mainOf(c.repoDir, 'scheduler'), `--apiserver=${c.masterIp}:${c.grpcPort}`, `--bind-address=${c.masterIp}`];
}

export function controllerManagerArgs(c: MasterConfig): string[] {
  return [
    mainOf(c.repoDir, 'controller-manager'),
    `--apiserver=${c.masterIp}:${c.grpcPort}`,
    `--bind-address=${c.masterIp}`,
    `--cluster-cidr=${c.clusterCidr}`,
    ...(c.nodeMonitorGracePeriod ? [`--node-monitor-grace-period=${c.nodeMonitorGracePeriod}`] : []),
  ];
}

export function etcdArgs(dataDir: string, clientUrl: string, peerUrl: string): string[] {
  return ['--name=tinykube', `--data-dir=${dataDir}`, `--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`, `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=tinykube=${peerUrl}`];
}

export function kubeletArgs(c: NodeConfig): string[] {
  return [
    mainOf(c.repoDir, 'kubelet'),
    `--apiserver=${c.apiserverGrpc}`,
    `--node-name=${c.nodeName}`,
    `--node-ip=${c.nodeIp}`,
    `--docker-socket=${c.dockerSocket}`,
    `--root-dir=${c.rootDir}`,
    `--cluster-cidr=${c.clusterCidr}`,
    `--token-file=${c.tokenFile}`,
  ];
}

export function proxyArgs(c: NodeConfig): string[] {
  return [mainOf(c.repoDir, 'proxy'), `--apiserver=${c.apiserverGrpc}`, `--node-name=${c.nodeName}`, `--node-ip=${c.nodeIp}`, `--cluster-cidr=${c.clusterCidr}`];
}
