// pods/{name}/log: the apiserver asks the pod's kubelet (its InternalIP and kubelet port,
// presenting the cluster's kubelet token) and streams the answer back, as Kubernetes does.
import * as https from 'node:https';
import { errors, R, type Node, type Pod } from '@tinykube/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from './registry';

const LOG_PARAMS = ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'limitBytes'];

/** The pod and the container a logs or exec request means: the named one (an app or init container), or the only one. */
export async function podContainer(registry: Registry, ns: string, name: string, requested: string | null): Promise<{ pod: Pod; container: string }> {
  const pod = (await registry.get(R.pods, ns, name)) as Pod;
  const names = pod.spec.containers.map((c) => c.name);
  const inits = (pod.spec.initContainers ?? []).map((c) => c.name);
  const container = requested || (names.length === 1 ? names[0]! : '');
  if (!container) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`);
  if (!names.includes(container) && !inits.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  return { pod, container };
}

/** Where the pod's kubelet listens: its node's InternalIP and kubelet port. */
export async function kubeletOf(registry: Registry, pod: Pod): Promise<{ ip: string; port: number }> {
  if (!pod.spec.nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  const node = (await registry.get(R.nodes, undefined, pod.spec.nodeName)) as Node;
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw errors.badRequest(`node ${pod.spec.nodeName} has no InternalIP`);
  return { ip, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250 };
}

/** The apiserver's client certificate for kubelets, and the CA their serving certificates come from. */
export interface KubeletClientTls {
  cert: string;
  key: string;
  ca: string;
}

export function podLogHandler(registry: Registry, tls: KubeletClientTls) {
  return async (req: IncomingMessage, res: ServerResponse, ns: string, name: string, query: URLSearchParams): Promise<void> => {
    if (req.method !== 'GET') throw errors.methodNotAllowed('log only supports GET');
    const { pod, container } = await podContainer(registry, ns, name, query.get('container'));
    const { ip, port } = await kubeletOf(registry, pod);
    const params = new URLSearchParams();
    for (const p of LOG_PARAMS) if (query.has(p)) params.set(p, query.get(p)!);
    const path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${params.toString()}`;
    await new Promise<void>((resolve, reject) => {
      const upstream = https.get({ host: ip, port, path, ca: tls.ca, cert: tls.cert, key: tls.key }, (up) => {
        if (up.statusCode !== 200) {
          let text = '';
          up.on('data', (d: Buffer) => (text += d.toString()));
          up.on('end', () => reject(errors.badRequest(text.trim() || `kubelet answered ${up.statusCode}`)));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
        up.pipe(res);
        up.on('end', resolve);
        up.on('error', resolve);
        res.on('close', () => {
          up.destroy();
          resolve();
        });
      });
      upstream.on('error', (err) => reject(errors.internal(`could not reach the kubelet of node ${pod.spec.nodeName}: ${err.message}`)));
    });
  };
}
