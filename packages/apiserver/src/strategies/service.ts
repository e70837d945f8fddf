// Services: a ClusterIP and node ports allocated as side keys in the Service's own transaction,
// so two concurrent creates never get the same value and a delete frees them atomically.
import { defaultService, errors, serviceRules, serviceUpdateRules, type Service } from '@tinykube/api';
import { clusterIpKey, nodePortKey, type ServiceAllocators } from '../allocators';
import { printers } from '../rest/table';
import type { SideKey } from '../storage/etcd-store';
import { strategy } from './strategy';

export function serviceStrategy(allocators: ServiceAllocators): ReturnType<typeof strategy> {
  return strategy<Service>({
    nameRule: 'label',
    defaults: defaultService,
    prepareForCreate(svc) {
      svc.status = { loadBalancer: {} };
    },
    validate: serviceRules,
    validateUpdate: serviceUpdateRules,
    allocate: (next, prev) => allocate(allocators, next, prev),
    recheckAllocations: (next, prev) => recheck(allocators, next, prev),
    release(svc) {
      const side: SideKey[] = [];
      if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') side.push({ key: clusterIpKey(svc.spec.clusterIP), op: 'delete' });
      for (const p of svc.spec.ports ?? []) if (p.nodePort) side.push({ key: nodePortKey(p.nodePort), op: 'delete' });
      return side;
    },
    printer: printers.Service,
  });
}

/** Side keys for a Service's ClusterIP and node ports; fills the values into the object. */
async function allocate(allocators: ServiceAllocators, svc: Service, prev: Service | undefined): Promise<SideKey[]> {
  const side: SideKey[] = [];
  const spec = svc.spec;
  const owner = `${svc.metadata.namespace}/${svc.metadata.name}`;
  if (spec.type === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else if (spec.clusterIP !== 'None') {
    if (prev?.spec.clusterIP && prev.spec.clusterIP !== 'None') {
      spec.clusterIP = prev.spec.clusterIP;
    } else if (spec.clusterIP) {
      if (!allocators.inRange(spec.clusterIP))
        throw errors.invalid('Service', svc.metadata.name ?? '', [{ field: 'spec.clusterIPs', type: 'FieldValueInvalid', value: [spec.clusterIP], detail: `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${allocators.serviceCidr}` }]);
      side.push({ key: clusterIpKey(spec.clusterIP), op: 'create', value: owner });
    } else {
      spec.clusterIP = await allocators.pickClusterIp();
      side.push({ key: clusterIpKey(spec.clusterIP), op: 'create', value: owner });
    }
    spec.clusterIPs = [spec.clusterIP];
  } else {
    spec.clusterIPs = ['None'];
  }
  const wantsNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const prevPorts = new Set((prev?.spec.ports ?? []).map((p) => p.nodePort).filter((p): p is number => !!p));
  const taken = new Set<number>();
  for (const p of spec.ports ?? []) {
    if (!wantsNodePorts) {
      delete p.nodePort;
      continue;
    }
    if (!p.nodePort) {
      const old = prev?.spec.ports?.find((q) => q.port === p.port && q.protocol === p.protocol)?.nodePort;
      if (old && !taken.has(old)) p.nodePort = old;
    }
    if (p.nodePort) {
      if (p.nodePort < allocators.nodePortRange[0] || p.nodePort > allocators.nodePortRange[1])
        throw errors.invalid('Service', svc.metadata.name ?? '', [{ field: 'spec.ports[0].nodePort', type: 'FieldValueInvalid', value: p.nodePort, detail: `provided port is not in the valid range. The range of valid ports is ${allocators.nodePortRange.join('-')}` }]);
      if (!prevPorts.has(p.nodePort) && !taken.has(p.nodePort)) side.push({ key: nodePortKey(p.nodePort), op: 'create', value: owner });
    } else {
      p.nodePort = await allocators.pickNodePort(taken);
      side.push({ key: nodePortKey(p.nodePort), op: 'create', value: owner });
    }
    taken.add(p.nodePort);
  }
  for (const old of prevPorts) if (!taken.has(old)) side.push({ key: nodePortKey(old), op: 'delete' });
  return side;
}

async function recheck(allocators: ServiceAllocators, svc: Service, prev: Service | undefined): Promise<void> {
  const ip = svc.spec.clusterIP;
  if (ip && ip !== 'None' && ip !== prev?.spec.clusterIP && (await allocators.isClusterIpTaken(ip))) {
    throw errors.invalid('Service', svc.metadata.name ?? '', [{ field: 'spec.clusterIPs', type: 'FieldValueInvalid', value: [ip], detail: `failed to allocate IP ${ip}: provided IP is already allocated` }]);
  }
  for (const p of svc.spec.ports ?? []) {
    if (p.nodePort && !(prev?.spec.ports ?? []).some((q) => q.nodePort === p.nodePort) && (await allocators.isNodePortTaken(p.nodePort)))
      throw errors.invalid('Service', svc.metadata.name ?? '', [{ field: 'spec.ports[0].nodePort', type: 'FieldValueInvalid', value: p.nodePort, detail: 'provided port is already allocated' }]);
  }
}
