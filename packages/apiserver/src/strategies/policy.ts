// policy/v1 PodDisruptionBudget: its spec may change (Kubernetes 1.15+); status is the disruption controller's.
import { podDisruptionBudgetRules, type PodDisruptionBudget } from '@tinykube/api';
import { printers } from '../rest/table';
import { strategy } from './strategy';

export const podDisruptionBudgetStrategy = strategy<PodDisruptionBudget>({
  nameRule: 'subdomain',
  prepareForCreate(pdb) {
    pdb.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate: podDisruptionBudgetRules,
  printer: printers.PodDisruptionBudget,
});
