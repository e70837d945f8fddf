// v1 ResourceQuota and LimitRange.
import { CORE, NOT_ACTED_ON, kind, list, object, quantityMap, ref, str, strings, type Schema } from './schema-builders';

export const QUOTA_SCHEMAS: Record<string, Schema> = {
  [`${CORE}ResourceQuota`]: kind('Limits on what a namespace may hold: object counts (pods, services, count/deployments.apps, ...) and the compute resources its pods request and limit. A create that would exceed it is refused (403).', {
    spec: ref(`${CORE}ResourceQuotaSpec`, 'The limits.'),
    status: ref(`${CORE}ResourceQuotaStatus`, 'What the namespace uses now. Read-only.'),
  }),
  [`${CORE}ResourceQuotaSpec`]: object('The hard limits of a quota.', {
    hard: quantityMap('The most of each named resource the namespace may use.'),
    scopes: strings(`Filters on the objects the quota counts (Terminating, NotTerminating, BestEffort, NotBestEffort, ...).${NOT_ACTED_ON}`),
    scopeSelector: object(`Filters on the objects the quota counts, as selector expressions over scopes.${NOT_ACTED_ON}`, {
      matchExpressions: list(`${CORE}ScopedResourceSelectorRequirement`, 'Scope requirements, ANDed.'),
    }),
  }),
  [`${CORE}ScopedResourceSelectorRequirement`]: object('One scope requirement.', {
    scopeName: str('The scope.'),
    operator: str('In, NotIn, Exists or DoesNotExist.', ['DoesNotExist', 'Exists', 'In', 'NotIn']),
    values: strings('The values for In and NotIn.'),
  }, ['scopeName', 'operator']),
  [`${CORE}ResourceQuotaStatus`]: object('Hard limits as enforced, and what is used of each.', {
    hard: quantityMap('The enforced limits.'),
    used: quantityMap('What the namespace uses of each.'),
  }),
  [`${CORE}LimitRange`]: kind('Defaults and bounds for the resources of each container, pod or claim created in the namespace (the LimitRanger admission plugin).', {
    spec: ref(`${CORE}LimitRangeSpec`, 'The limits.'),
  }),
  [`${CORE}LimitRangeSpec`]: object('The limits of a LimitRange.', {
    limits: list(`${CORE}LimitRangeItem`, 'One item per kind of object limited.'),
  }, ['limits']),
  [`${CORE}LimitRangeItem`]: object('Bounds and defaults for one kind of object.', {
    type: str('What the item limits: Container, Pod or PersistentVolumeClaim.', ['Container', 'PersistentVolumeClaim', 'Pod']),
    max: quantityMap('The most of each resource a container or pod may limit (and request).'),
    min: quantityMap('The least of each resource a container or pod must request.'),
    default: quantityMap('Limits given to containers that set none (Container only; defaults to max).'),
    defaultRequest: quantityMap('Requests given to containers that set none (Container only; defaults to default, then min).'),
    maxLimitRequestRatio: quantityMap('The largest limit / request ratio allowed for each resource.'),
  }, ['type']),
};
