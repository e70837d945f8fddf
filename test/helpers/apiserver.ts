// An apiserver in-process over a real etcd, for integration tests.
import pino from 'pino';
import { startApiserver, type Apiserver } from '@tinykube/apiserver';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GrpcClient, RestClient, renderKubeconfig, tlsFetch, type TlsFetch } from '@tinykube/client';
import { TestEtcd } from './etcd';
import { testPki, type TestPki } from './pki';

export interface TestCluster {
  etcd: TestEtcd;
  api: Apiserver;
  rest: RestClient;
  grpc: GrpcClient;
  pki: TestPki;
  /** A kubeconfig for this apiserver, as the cluster admin (for kubectl). */
  kubeconfig: string;
  /** fetch as the cluster admin (a system:masters client certificate). */
  fetch: TlsFetch;
  /** fetch with no client certificate (anonymous), trusting the cluster CA. */
  anonymous: TlsFetch;
  stop(): Promise<void>;
}

export async function startTestApi(etcd?: TestEtcd, ports: { port?: number; grpcPort?: number } = {}): Promise<TestCluster> {
  const e = etcd ?? (await new TestEtcd().start());
  const pki = await testPki();
  const api = await startApiserver({
    tls: pki.serving,
    serviceAccount: pki.serviceAccount,
    etcdServers: [e.url],
    bindAddress: '127.0.0.1',
    port: ports.port ?? 0,
    grpcPort: ports.grpcPort ?? 0,
    serviceCidr: '10.96.0.0/16',
    nodePortRange: [30000, 32767],
    compactionIntervalMs: 0,
    log: pino({ level: process.env.TK_TEST_LOG ?? 'silent' }),
  });
  const rest = new RestClient(api.url, { tls: pki.admin });
  const kubeconfig = path.join(pki.dir, `kubeconfig-${api.port}`);
  fs.writeFileSync(kubeconfig, renderKubeconfig(api.url, pki.admin), { mode: 0o600 });
  const grpc = new GrpcClient(api.grpcAddress, pki.admin);
  return {
    etcd: e,
    api,
    rest,
    grpc,
    pki,
    kubeconfig,
    fetch: tlsFetch(pki.admin),
    anonymous: tlsFetch({ ca: pki.admin.ca }),
    async stop() {
      grpc.close();
      await api.stop();
      if (!etcd) await e.stop();
    },
  };
}
