// An apiserver in-process over a real etcd, for integration tests.
import pino from 'pino';
import { startApiserver, type Apiserver } from '@tinykube/apiserver';
import { GrpcClient, RestClient } from '@tinykube/client';
import { TestEtcd } from './etcd';

export interface TestCluster {
  etcd: TestEtcd;
  api: Apiserver;
  rest: RestClient;
  grpc: GrpcClient;
  stop(): Promise<void>;
}

export async function startTestApi(etcd?: TestEtcd, ports: { port?: number; grpcPort?: number } = {}): Promise<TestCluster> {
  const e = etcd ?? (await new TestEtcd().start());
  const api = await startApiserver({
    etcdServers: [e.url],
    bindAddress: '127.0.0.1',
    port: ports.port ?? 0,
    grpcPort: ports.grpcPort ?? 0,
    serviceCidr: '10.96.0.0/16',
    nodePortRange: [30000, 32767],
    compactionIntervalMs: 0,
    log: pino({ level: process.env.TK_TEST_LOG ?? 'silent' }),
  });
  const rest = new RestClient(api.url);
  const grpc = new GrpcClient(api.grpcAddress);
  return {
    etcd: e,
    api,
    rest,
    grpc,
    async stop() {
      grpc.close();
      await api.stop();
      if (!etcd) await e.stop();
    },
  };
}
