// ReplicaSet, ReplicationController, Deployment, StatefulSet and DaemonSet: a selector and a pod template each.
import {
  defaultDeployment,
  defaultReplicaSet,
  defaultReplicationController,
  replicationControllerRules,
  type ReplicationController,
  defaultStatefulSet,
  defaultDaemonSet,
  daemonSetRules,
  type DaemonSet,
  deploymentRules,
  replicaSetRules,
  statefulSetRules,
  statefulSetUpdateRules,
  workloadUpdateRules,
  type Deployment,
  type ReplicaSet,
  type StatefulSet,
} from '@tinykube/api';
import { printers } from '../rest/table';
import { strategy } from './strategy';

export const replicaSetStrategy = strategy<ReplicaSet>({
  nameRule: 'subdomain',
  defaults: defaultReplicaSet,
  prepareForCreate(rs) {
    rs.status = { replicas: 0 };
  },
  validate: replicaSetRules,
  validateUpdate: workloadUpdateRules,
  printer: printers.ReplicaSet,
  selectableFields: ['status.replicas'],
});

// A ReplicationController's selector may change, as in Kubernetes.
export const replicationControllerStrategy = strategy<ReplicationController>({
  nameRule: 'subdomain',
  defaults: defaultReplicationController,
  prepareForCreate(rc) {
    rc.status = { replicas: 0 };
  },
  validate: replicationControllerRules,
  printer: printers.ReplicationController,
  selectableFields: ['status.replicas'],
});

export const deploymentStrategy = strategy<Deployment>({
  nameRule: 'subdomain',
  defaults: defaultDeployment,
  prepareForCreate(d) {
    delete d.status;
  },
  validate: deploymentRules,
  validateUpdate: workloadUpdateRules,
  printer: printers.Deployment,
});

export const statefulSetStrategy = strategy<StatefulSet>({
  nameRule: 'subdomain',
  defaults: defaultStatefulSet,
  prepareForCreate(s) {
    s.status = { replicas: 0 };
  },
  validate: statefulSetRules,
  validateUpdate: statefulSetUpdateRules,
  printer: printers.StatefulSet,
});

export const daemonSetStrategy = strategy<DaemonSet>({
  nameRule: 'subdomain',
  defaults: defaultDaemonSet,
  prepareForCreate(ds) {
    ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  validate: daemonSetRules,
  validateUpdate: workloadUpdateRules,
  printer: printers.DaemonSet,
});
