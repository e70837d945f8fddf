// discovery.k8s.io/v1 EndpointSlice.
import { CORE, int32, kind, list, object, protocol, ref, str, stringMap, strings, type Schema } from './schema-builders';

export const DISCOVERY = 'io.k8s.api.discovery.v1.';

export const DISCOVERY_SCHEMAS: Record<string, Schema> = {
  [`${DISCOVERY}EndpointSlice`]: kind('A set of a Service\'s endpoints (at most 100 from the EndpointSlice controller), labelled kubernetes.io/service-name; tk-proxy reads these.', {
    addressType: str('The kind of addresses: IPv4, IPv6 or FQDN. Immutable.', ['FQDN', 'IPv4', 'IPv6']),
    endpoints: list(`${DISCOVERY}Endpoint`, 'The endpoints, at most 1000.'),
    ports: list(`${DISCOVERY}EndpointPort`, 'The ports every endpoint of the slice serves; none: every port.'),
  }, ['addressType', 'endpoints']),
  [`${DISCOVERY}Endpoint`]: object('One endpoint.', {
    addresses: strings('Its addresses (one for a pod).', 'set'),
    conditions: ref(`${DISCOVERY}EndpointConditions`, 'Whether it is ready, serving and terminating.'),
    hostname: str('Its hostname (a pod with hostname and subdomain naming the Service).'),
    nodeName: str('The node it runs on.'),
    zone: str('The zone of that node (topology.kubernetes.io/zone).'),
    targetRef: ref(`${CORE}ObjectReference`, 'The pod it is.'),
    hints: ref(`${DISCOVERY}EndpointHints`, 'Topology hints. Not set by tinykube\'s controller.'),
    deprecatedTopology: stringMap('Deprecated topology labels.'),
  }, ['addresses']),
  [`${DISCOVERY}EndpointConditions`]: object('The state of an endpoint.', {
    ready: { type: 'boolean', description: 'Ready to take new connections: serving and not terminating (always, with publishNotReadyAddresses).' },
    serving: { type: 'boolean', description: 'The pod is Ready, terminating or not.' },
    terminating: { type: 'boolean', description: 'The pod is being deleted.' },
  }),
  [`${DISCOVERY}EndpointHints`]: object('Where an endpoint should be used.', {
    forZones: list(`${DISCOVERY}ForZone`, 'Zones that should use it.'),
  }),
  [`${DISCOVERY}ForZone`]: object('A zone.', { name: str('The zone name.') }, ['name']),
  [`${DISCOVERY}EndpointPort`]: object('A port of the slice\'s endpoints.', {
    name: str('The Service port\'s name.'),
    port: int32('The port number; unset: every port.'),
    protocol: protocol(),
    appProtocol: str('The application protocol.'),
  }),
};
