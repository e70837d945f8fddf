// v1 ResourceQuota (status is the quota controller's and admission's) and LimitRange (defaulted
// as Kubernetes does, read by the LimitRanger admission plugin).
import { defaultLimitRange, limitRangeRules, resourceQuotaRules, type LimitRange, type ResourceQuota } from '@tinykube/api';
import { printers } from '../rest/table';
import { strategy } from './strategy';

export const resourceQuotaStrategy = strategy<ResourceQuota>({
  nameRule: 'subdomain',
  prepareForCreate(q) {
    q.status = {};
  },
  validate: resourceQuotaRules,
  printer: printers.ResourceQuota,
});

export const limitRangeStrategy = strategy<LimitRange>({
  nameRule: 'subdomain',
  defaults: defaultLimitRange,
  validate: limitRangeRules,
  printer: printers.LimitRange,
});
