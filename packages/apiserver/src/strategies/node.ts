import { nodeRules, nodeUpdateRules, type Node } from '@tinykube/api';
import { printers } from '../rest/table';
import { strategy } from './strategy';

export const nodeStrategy = strategy<Node>({
  nameRule: 'subdomain',
  validate: nodeRules,
  validateUpdate: nodeUpdateRules,
  // The kubelet writes its own status (addresses, capacity, conditions): check it as a whole.
  validateStatus: true,
  printer: printers.Node,
  selectableFields: ['spec.unschedulable'],
});
