import * as path from 'node:path';
import { AUDIT_POLICY, ENCRYPTION_CONFIG, pkiFiles } from './pki';

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
  /** The cluster PKI directory (ca.crt, apiserver.crt, ...). */
  pkiDir: string;
  nodeMonitorGracePeriod?: number;
  podEvictionTimeout?: number;
  /** --cluster-signing-duration of the controller-manager, e.g. `60s`. */
  certificateLifetime?: string;
  /** The audit log's file (its policy is audit-policy.yaml in the PKI directory). */
  auditLogPath?: string;
}

export interface NodeConfig {
  repoDir: string;
  apiserverGrpc: string;
  nodeName: string;
  nodeIp: string;
  dockerSocket: string;
  rootDir: string;
  clusterCidr: string;
  /** Holds ca.crt; for a node installed from a bundle also proxy.crt/key and this node's kubelet-<name>.crt/key and kubelet-<name>-serving.crt/key. */
  pkiDir: string;
  /**
   * A joined node (`tk-hosts join`): the kubelet and tk-proxy get their certificates, the
   * kubelet's serving one too, by CertificateSigningRequests and renew them, instead of the bundle's.
   */
  bootstrapKubeconfig?: string;
  /** The controller-manager's --node-monitor-grace-period the kubelet must keep up with. */
  nodeMonitorGracePeriod?: number;
  /** Cluster DNS for ClusterFirst pods (kube-dns's ClusterIP), its domain, and the node's resolv.conf ('' for none). */
  clusterDns?: string;
  clusterDomain?: string;
  resolvConf?: string;
}

/** The controller-manager's default --node-monitor-grace-period, seconds. */
export const DEFAULT_NODE_MONITOR_GRACE = 40;

/** Where tk-scheduler and tk-controller-manager serve /readyz and /metrics (Kubernetes' ports), passed to them so `up` and the units wait on the same port. */
export const SCHEDULER_PORT = 10259;
export const CONTROLLER_MANAGER_PORT = 10257;

export interface NodeHeartbeat {
  leaseDuration: number;
  renewInterval: number;
  statusUpdateFrequency: number;
}

/**
 * The kubelet's lease and status timing for a node-monitor grace period, in Kubernetes'
 * proportions (grace 40 s, lease 40 s, renewal every 10 s, status every 10 s): renewals every
 * quarter of the grace, at most 10 s. A grace shorter than three renewals is refused, since a
 * single late renewal would then mark a healthy node unreachable.
 */
export function nodeHeartbeat(grace = DEFAULT_NODE_MONITOR_GRACE, renewInterval = Math.min(10, grace / 4)): NodeHeartbeat {
  if (!(grace > 0) || !(renewInterval > 0)) throw new Error(`node monitor grace period ${grace} s and lease renewal ${renewInterval} s must be positive`);
  if (grace < 3 * renewInterval) throw new Error(`node monitor grace period ${grace} s must be at least three lease renewals (${renewInterval} s each): one late renewal would mark a healthy node unreachable`);
  return { leaseDuration: grace, renewInterval, statusUpdateFrequency: renewInterval };
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
    ...apiserverTls(c.pkiDir),
    `--encryption-provider-config=${path.join(c.pkiDir, ENCRYPTION_CONFIG)}`,
    ...(c.auditLogPath ? [`--audit-log-path=${c.auditLogPath}`, `--audit-policy-file=${path.join(c.pkiDir, AUDIT_POLICY)}`] : []),
    ...(c.podEvictionTimeout ? [`--default-not-ready-toleration-seconds=${c.podEvictionTimeout}`, `--default-unreachable-toleration-seconds=${c.podEvictionTimeout}`] : []),
  ];
}

function apiserverTls(dir: string): string[] {
  const f = pkiFiles(dir);
  return [
    `--tls-cert-file=${f.crt('apiserver')}`,
    `--tls-private-key-file=${f.key('apiserver')}`,
    `--client-ca-file=${f.ca}`,
    `--kubelet-client-certificate=${f.crt('apiserver-kubelet-client')}`,
    `--kubelet-client-key=${f.key('apiserver-kubelet-client')}`,
    `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
    `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
  ];
}

/** A daemon's identity towards the apiserver: the CA to trust and its own certificate. */
function clientTls(dir: string, identity: string): string[] {
  const f = pkiFiles(dir);
  return [`--ca-file=${f.ca}`, `--cert-file=${f.crt(identity)}`, `--key-file=${f.key(identity)}`];
}

export function schedulerArgs(c: MasterConfig): string[] {
  return [mainOf(c.repoDir, 'scheduler'), `--apiserver=${c.masterIp}:${c.grpcPort}`, ...clientTls(c.pkiDir, 'scheduler'), `--bind-address=${c.masterIp}`, `--port=${SCHEDULER_PORT}`];
}

export function controllerManagerArgs(c: MasterConfig): string[] {
  return [
    mainOf(c.repoDir, 'controller-manager'),
    `--apiserver=${c.masterIp}:${c.grpcPort}`,
    ...clientTls(c.pkiDir, 'controller-manager'),
    `--cluster-signing-cert-file=${pkiFiles(c.pkiDir).ca}`,
    `--cluster-signing-key-file=${pkiFiles(c.pkiDir).key('ca')}`,
    ...(c.certificateLifetime ? [`--cluster-signing-duration=${c.certificateLifetime}`] : []),
    `--bind-address=${c.masterIp}`,
    `--port=${CONTROLLER_MANAGER_PORT}`,
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
    ...(c.bootstrapKubeconfig
      ? [`--ca-file=${pkiFiles(c.pkiDir).ca}`, `--bootstrap-kubeconfig=${c.bootstrapKubeconfig}`, `--cert-dir=${path.join(c.rootDir, 'pki')}`, '--rotate-server-certificates']
      : [...clientTls(c.pkiDir, `kubelet-${c.nodeName}`), `--tls-cert-file=${pkiFiles(c.pkiDir).crt(`kubelet-${c.nodeName}-serving`)}`, `--tls-private-key-file=${pkiFiles(c.pkiDir).key(`kubelet-${c.nodeName}-serving`)}`]),
    ...heartbeatArgs(c.nodeMonitorGracePeriod),
    ...(c.clusterDns ? [`--cluster-dns=${c.clusterDns}`, `--cluster-domain=${c.clusterDomain ?? 'cluster.local'}`] : []),
    ...(c.resolvConf !== undefined ? [`--resolv-conf=${c.resolvConf}`] : []),
  ];
}

function heartbeatArgs(grace: number | undefined): string[] {
  if (grace === undefined) return [];
  const h = nodeHeartbeat(grace);
  return [`--lease-duration=${h.leaseDuration}`, `--lease-renew-interval=${h.renewInterval}`, `--node-status-update-frequency=${h.statusUpdateFrequency}`];
}

export function proxyArgs(c: NodeConfig): string[] {
  const identity = c.bootstrapKubeconfig ? [`--ca-file=${pkiFiles(c.pkiDir).ca}`, `--bootstrap-kubeconfig=${c.bootstrapKubeconfig}`, `--cert-dir=${path.join(path.dirname(c.rootDir), 'proxy', 'pki')}`] : clientTls(c.pkiDir, 'proxy');
  return [mainOf(c.repoDir, 'proxy'), `--apiserver=${c.apiserverGrpc}`, ...identity, `--node-name=${c.nodeName}`, `--node-ip=${c.nodeIp}`, `--cluster-cidr=${c.clusterCidr}`];
}
