import { EventRecorder, type ApiClient, type QueueController } from '@tinykube/client';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SharedInformers, type ControllerContext, type ControllerManagerOptions } from './controller-context';
import { DeploymentController } from './controllers/deployment';
import { EndpointsController } from './controllers/endpoints';
import { GarbageCollector } from './controllers/garbage-collector';
import { NamespaceController } from './controllers/namespace';
import { NodeIpamController } from './controllers/node-ipam';
import { NodeLifecycleController } from './controllers/node-lifecycle';
import { PodGcController } from './controllers/pod-gc';
import { REPLICATION_CONTROLLERS, ReplicaSetController } from './controllers/replicaset';
import { JobController } from './controllers/job';
import { DaemonSetController } from './controllers/daemonset';
import { DisruptionController } from './controllers/disruption';
import { ResourceQuotaController } from './controllers/resource-quota';
import { EndpointSliceController } from './controllers/endpointslice';
import { EndpointSliceMirroringController } from './controllers/endpointslice-mirroring';
import { CronJobController } from './controllers/cronjob';
import { CsrApprovingController } from './controllers/csr-approving';
import { CsrSigningController } from './controllers/csr-signing';
import { RootCaPublisher } from './controllers/root-ca-publisher';
import { BootstrapSigner } from './controllers/bootstrap-signer';
import { ClusterRoleAggregationController } from './controllers/clusterrole-aggregation';
import { ServiceAccountController } from './controllers/service-account';
import { StatefulSetController } from './controllers/statefulset';

// Builds every controller on one set of shared informers, starts the informers, then the
// workers. Runs only while this process holds the leader lease.

export const CONTROLLERS: Record<string, (ctx: ControllerContext) => QueueController> = {
  'node-ipam': (ctx) => new NodeIpamController(ctx),
  'node-lifecycle': (ctx) => new NodeLifecycleController(ctx),
  replicaset: (ctx) => new ReplicaSetController(ctx),
  replicationcontroller: (ctx) => new ReplicaSetController(ctx, REPLICATION_CONTROLLERS),
  job: (ctx) => new JobController(ctx),
  cronjob: (ctx) => new CronJobController(ctx),
  deployment: (ctx) => new DeploymentController(ctx),
  statefulset: (ctx) => new StatefulSetController(ctx),
  daemonset: (ctx) => new DaemonSetController(ctx),
  disruption: (ctx) => new DisruptionController(ctx),
  resourcequota: (ctx) => new ResourceQuotaController(ctx),
  endpoints: (ctx) => new EndpointsController(ctx),
  endpointslice: (ctx) => new EndpointSliceController(ctx),
  endpointslicemirroring: (ctx) => new EndpointSliceMirroringController(ctx),
  'garbage-collector': (ctx) => new GarbageCollector(ctx),
  namespace: (ctx) => new NamespaceController(ctx),
  podgc: (ctx) => new PodGcController(ctx),
  serviceaccount: (ctx) => new ServiceAccountController(ctx),
  'root-ca-cert-publisher': (ctx) => new RootCaPublisher(ctx),
  csrapproving: (ctx) => new CsrApprovingController(ctx),
  csrsigning: (ctx) => new CsrSigningController(ctx),
  bootstrapsigner: (ctx) => new BootstrapSigner(ctx),
  'clusterrole-aggregation': (ctx) => new ClusterRoleAggregationController(ctx),
};

export interface RunningControllers {
  stop(): Promise<void>;
}

export async function startControllers(api: ApiClient, o: ControllerManagerOptions, log: Logger, metrics: Registry, names = Object.keys(CONTROLLERS)): Promise<RunningControllers> {
  const informers = new SharedInformers(api);
  const ctx: ControllerContext = { api, informers, events: new EventRecorder(api, 'controller-manager'), log, metrics, options: o };
  const controllers = names.map((n) => {
    const make = CONTROLLERS[n];
    if (!make) throw new Error(`unknown controller ${n}; known: ${Object.keys(CONTROLLERS).join(', ')}`);
    return make(ctx);
  });
  await informers.startAll();
  for (const c of controllers) c.run();
  log.info({ controllers: names }, 'controllers running');
  return {
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      informers.stopAll();
    },
  };
}
