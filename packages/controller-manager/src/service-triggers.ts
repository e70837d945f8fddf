import { objectKey, R, type Pod, type Service } from '@tinykube/api';
import type { ControllerContext } from './controller-context';

/**
 * What the Endpoints and EndpointSlice controllers wake on: a Service that changes, and a pod
 * that a Service's selector takes (before or after the change). `touch` gets the Service's key.
 */
export function watchServicesAndPods(ctx: ControllerContext, touch: (key: string) => void): void {
  const services = ctx.informers.get<Service>(R.services);
  services.addEventHandler({ onAdd: (s) => touch(objectKey(s)), onUpdate: (_, s) => touch(objectKey(s)), onDelete: (s) => touch(objectKey(s)) });
  const forPod = (p: Pod, old?: Pod): void => {
    for (const s of services.list()) {
      if (s.metadata.namespace !== p.metadata.namespace || !s.spec.selector) continue;
      const sel = Object.entries(s.spec.selector);
      const matches = (q: Pod | undefined): boolean => !!q && sel.every(([k, v]) => q.metadata.labels?.[k] === v);
      if (matches(p) || matches(old)) touch(objectKey(s));
    }
  };
  ctx.informers.get<Pod>(R.pods).addEventHandler({ onAdd: (p) => forPod(p), onUpdate: (old, p) => forPod(p, old), onDelete: (p) => forPod(p) });
}
