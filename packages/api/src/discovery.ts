// discovery.k8s.io/v1 EndpointSlice: a Service's endpoints in slices of at most 100, each with
// its ready / serving / terminating conditions, as kube-proxy and CoreDNS read them.
import type { ObjectReference } from './core';
import type { KubeObject } from './meta';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const SLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

export interface SliceEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
  hints?: { forZones?: { name: string }[] };
}

export interface SlicePort {
  name?: string;
  port?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: SliceEndpoint[] | null;
  ports?: SlicePort[] | null;
}
