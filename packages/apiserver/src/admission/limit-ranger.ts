// LimitRanger, as Kubernetes': a new pod's containers that set no limit or request of a resource
// get the namespace's LimitRange defaults (noted in the kubernetes.io/limit-ranger annotation),
// then every Container, Pod and PersistentVolumeClaim item's min, max and maxLimitRequestRatio
// is checked, with Kubernetes' words. Pods are not checked on update: their resources do not change.
import { errors, formatQuantity, parseQuantity, podResourceTotals, qualifiedResource, type Container, type LimitRange, type LimitRangeItem, type PersistentVolumeClaim, type Pod } from '@tinykube/api';
import type { AdmissionPlugin, Attributes } from './admission';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

export interface LimitRangeLookup {
  /** The namespace's LimitRanges (the watch cache's). */
  limitRanges(ns: string): LimitRange[];
}

type Values = Map<string, number>;

function values(list: Record<string, string> | undefined): Values {
  return new Map(Object.entries(list ?? {}).map(([k, v]) => [k, parseQuantity(v) ?? 0]));
}

/** Requests and limits as the item's constraints read them, with the text each was written as. */
interface Observed {
  request: Values;
  limit: Values;
  show(which: 'request' | 'limit', k: string): string;
}

function containerObserved(c: Container): Observed {
  return { request: values(c.resources?.requests), limit: values(c.resources?.limits), show: (w, k) => String((w === 'request' ? c.resources?.requests : c.resources?.limits)?.[k]) };
}

function podObserved(pod: Pod): Observed {
  const request = podResourceTotals(pod, 'requests');
  const limit = podResourceTotals(pod, 'limits');
  return { request, limit, show: (w, k) => formatQuantity(k, (w === 'request' ? request : limit).get(k) ?? 0) };
}

/** Kubernetes' minConstraint, maxConstraint and limitRequestRatioConstraint, for one item. */
function constraints(item: LimitRangeItem, type: string, o: Observed, requestsOnly = false): string[] {
  const out: string[] = [];
  for (const [k, text] of Object.entries(item.min ?? {})) {
    const min = parseQuantity(text) ?? 0;
    const req = o.request.get(k);
    const lim = o.limit.get(k);
    if (req === undefined) out.push(`minimum ${k} usage per ${type} is ${text}.  No request is specified`);
    else if (req < min) out.push(`minimum ${k} usage per ${type} is ${text}, but request is ${o.show('request', k)}`);
    else if (lim !== undefined && lim < min) out.push(`minimum ${k} usage per ${type} is ${text}, but limit is ${o.show('limit', k)}`);
  }
  for (const [k, text] of Object.entries(item.max ?? {})) {
    const max = parseQuantity(text) ?? 0;
    const req = o.request.get(k);
    const lim = o.limit.get(k);
    if (requestsOnly) {
      if (req === undefined) out.push(`maximum ${k} usage per ${type} is ${text}.  No request is specified`);
      else if (req > max) out.push(`maximum ${k} usage per ${type} is ${text}, but request is ${o.show('request', k)}`);
    } else if (lim === undefined) out.push(`maximum ${k} usage per ${type} is ${text}.  No limit is specified`);
    else if (lim > max) out.push(`maximum ${k} usage per ${type} is ${text}, but limit is ${o.show('limit', k)}`);
    else if (req !== undefined && req > max) out.push(`maximum ${k} usage per ${type} is ${text}, but request is ${o.show('request', k)}`);
  }
  for (const [k, text] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const req = o.request.get(k) ?? 0;
    const lim = o.limit.get(k) ?? 0;
    if (req === 0) out.push(`${k} max limit to request ratio per ${type} is ${text}, but no request is specified or request is 0`);
    else if (lim === 0) out.push(`${k} max limit to request ratio per ${type} is ${text}, but no limit is specified or limit is 0`);
    else if (lim / req > (parseQuantity(text) ?? 0) + 1e-9) out.push(`${k} max limit to request ratio per ${type} is ${text}, but provided ratio is ${(lim / req).toFixed(6)}`);
  }
  return out;
}

/** Kubernetes' mergePodResourceRequirements: what it set, for the annotation. */
function mergeDefaults(c: Container, kind: string, limits: Record<string, string>, requests: Record<string, string>): string[] {
  const notes: string[] = [];
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(limits)) {
    c.resources ??= {};
    c.resources.limits ??= {};
    if (c.resources.limits[k] === undefined) {
      c.resources.limits[k] = v;
      setLimits.push(k);
    }
  }
  for (const [k, v] of Object.entries(requests)) {
    c.resources ??= {};
    c.resources.requests ??= {};
    if (c.resources.requests[k] === undefined) {
      c.resources.requests[k] = v;
      setRequests.push(k);
    }
  }
  if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${kind} ${c.name}`);
  if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${kind} ${c.name}`);
  return notes;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  constructor(private readonly lookup: LimitRangeLookup) {}

  private applies(a: Attributes): boolean {
    if (a.subresource || !a.namespace || !a.object) return false;
    if (a.resource.kind === 'Pod') return a.operation === 'CREATE';
    return a.resource.kind === 'PersistentVolumeClaim' && (a.operation === 'CREATE' || a.operation === 'UPDATE');
  }

  admit(a: Attributes): void {
    if (!this.applies(a) || a.resource.kind !== 'Pod') return;
    const pod = a.object as Pod;
    if (!pod.spec) return;
    const notes: string[] = [];
    for (const lr of this.lookup.limitRanges(a.namespace!)) {
      const limits: Record<string, string> = {};
      const requests: Record<string, string> = {};
      for (const item of lr.spec?.limits ?? []) {
        if (item.type !== 'Container') continue;
        Object.assign(limits, item.default);
        Object.assign(requests, item.defaultRequest);
      }
      for (const c of pod.spec.containers ?? []) notes.push(...mergeDefaults(c, 'container', limits, requests));
      for (const c of pod.spec.initContainers ?? []) notes.push(...mergeDefaults(c, 'init container', limits, requests));
    }
    if (notes.length) pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  }

  validate(a: Attributes): void {
    if (!this.applies(a)) return;
    const broken: string[] = [];
    for (const lr of this.lookup.limitRanges(a.namespace!)) {
      for (const item of lr.spec?.limits ?? []) {
        if (a.resource.kind === 'Pod') {
          const pod = a.object as Pod;
          if (item.type === 'Container') for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) broken.push(...constraints(item, 'Container', containerObserved(c)));
          if (item.type === 'Pod') broken.push(...constraints(item, 'Pod', podObserved(pod)));
        } else if (item.type === 'PersistentVolumeClaim') {
          const claim = a.object as PersistentVolumeClaim;
          const requests = claim.spec?.resources?.requests;
          broken.push(...constraints({ ...item, maxLimitRequestRatio: {} }, 'PersistentVolumeClaim', { request: values(requests), limit: new Map(), show: (_, k) => String(requests?.[k]) }, true));
        }
      }
    }
    if (!broken.length) return;
    throw errors.forbidden(`${qualifiedResource(a.resource)} "${a.name}" is forbidden: ${broken.length === 1 ? broken[0] : `[${broken.join(', ')}]`}`);
  }
}
