// Every served kind's strategy, registered in one place: a new kind is its types, its schema
// and a strategy file listed here.
import type { ResourceInfo } from '@tinykube/api';
import type { ServiceAllocators } from '../allocators';
import { csrStrategy } from './certificate-signing-request';
import { configMapStrategy } from './config-map';
import { namespaceStrategy } from './namespace';
import { nodeStrategy } from './node';
import { podStrategy } from './pod';
import { secretStrategy } from './secret';
import { serviceStrategy } from './service';
import { clusterRoleBindingStrategy, clusterRoleStrategy, roleBindingStrategy, roleStrategy } from './rbac';
import { controllerRevisionStrategy, endpointSliceStrategy, endpointsStrategy, eventStrategy, leaseStrategy, pvcStrategy, serviceAccountStrategy } from './simple-kinds';
import type { Strategy } from './strategy';
import { cronJobStrategy, jobStrategy } from './job';
import { podDisruptionBudgetStrategy } from './policy';
import { limitRangeStrategy, resourceQuotaStrategy } from './quota';
import { daemonSetStrategy, deploymentStrategy, replicaSetStrategy, replicationControllerStrategy, statefulSetStrategy } from './workloads';

export type { Strategy } from './strategy';

export class Strategies {
  private readonly byKind: Map<string, Strategy>;

  constructor(allocators: ServiceAllocators) {
    this.byKind = new Map<string, Strategy>([
      ['Namespace', namespaceStrategy],
      ['Node', nodeStrategy],
      ['Pod', podStrategy],
      ['Service', serviceStrategy(allocators)],
      ['Endpoints', endpointsStrategy],
      ['EndpointSlice', endpointSliceStrategy],
      ['Event', eventStrategy],
      ['ConfigMap', configMapStrategy],
      ['Secret', secretStrategy],
      ['ServiceAccount', serviceAccountStrategy],
      ['PersistentVolumeClaim', pvcStrategy],
      ['ReplicaSet', replicaSetStrategy],
      ['ReplicationController', replicationControllerStrategy],
      ['Job', jobStrategy],
      ['CronJob', cronJobStrategy],
      ['Deployment', deploymentStrategy],
      ['StatefulSet', statefulSetStrategy],
      ['DaemonSet', daemonSetStrategy],
      ['PodDisruptionBudget', podDisruptionBudgetStrategy],
      ['ResourceQuota', resourceQuotaStrategy],
      ['LimitRange', limitRangeStrategy],
      ['ControllerRevision', controllerRevisionStrategy],
      ['Lease', leaseStrategy],
      ['CertificateSigningRequest', csrStrategy],
      ['Role', roleStrategy],
      ['ClusterRole', clusterRoleStrategy],
      ['RoleBinding', roleBindingStrategy],
      ['ClusterRoleBinding', clusterRoleBindingStrategy],
    ]);
  }

  for(r: ResourceInfo): Strategy {
    const s = this.byKind.get(r.kind);
    if (!s) throw new Error(`no strategy registered for ${r.kind}`);
    return s;
  }
}
