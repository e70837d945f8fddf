// The generic store behind both front doors (REST and gRPC), as Kubernetes' generic registry:
// metadata, optimistic concurrency, finalizers and graceful deletion over etcd, knowing no kind.
// What differs between kinds is asked of the kind's strategy (strategies/), and every write
// passes the admission chain (admission/).
import { randomUUID, randomInt } from 'node:crypto';
import {
  apiVersionOf,
  canonicalJson,
  errors,
  matchesFields,
  parseFieldSelector,
  parseSelector,
  qualifiedKind,
  qualifiedResource,
  RESOURCES,
  selectorStringFromLabelSelector,
  storageKey,
  storagePrefix,
  validateChange,
  validateNew,
  isPlainObject,
  type KubeList,
  type KubeObject,
  type ManagedFieldsEntry,
  timestamp,
  type ResourceInfo,
  type Scale,
  type LabelSelector,
  errorCode,
} from '@tinykube/api';
import type { AdmissionChain, Attributes, Operation } from './admission/admission';
import type { UserInfo } from './authn/user';
import { kindDefinition } from './openapi/definitions';
import { typeProblems } from './openapi/type-check';
import { unknownFields } from './openapi/unknown-fields';
import { notActedFields } from './openapi/not-acted-fields';
import { applyPatchBody, type PatchType } from './patch';
import * as ssa from './server-side-apply';
import type { EtcdStore, StoredObject } from './storage/etcd-store';
import type { Strategies, Strategy } from './strategies';
import { WatchCache, type ClientEvent, type Subscription } from './storage/watch-cache';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; 0 or absent lists everything. */
  limit?: number;
  /** The token of the previous page. */
  continue?: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Server-side apply: take over fields other managers own. */
  force?: boolean;
  /** The subresource a write came through (field ownership records it). */
  subresource?: string;
  /** Field ownership of an object created by server-side apply. */
  managedFields?: ManagedFieldsEntry[];
  /** Fields no schema declares: refused (Strict), dropped with a warning (Warn, the default) or dropped (Ignore). */
  fieldValidation?: FieldValidation;
  /** Collects the request's warnings (the REST server sends them as Warning headers). */
  warnings?: Set<string>;
  /** Collects annotations for the request's audit event (Pod Security's audit mode). */
  auditAnnotations?: Record<string, string>;
  /** Set by server-side apply, which computes the object's field ownership itself. */
  applying?: boolean;
  /** Who is writing (a CertificateSigningRequest records its requester). */
  user?: UserInfo;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_RETRIES = 16;

/**
 * Content that decides whether an object changed: all but the resourceVersion and the times of
 * managedFields entries. A new owner of unchanged values is a change; a newer timestamp alone is
 * not (Kubernetes' field manager ignores timestamp-only changes the same way).
 */
function contentOf(o: KubeObject): string {
  const { resourceVersion: _rv, managedFields, ...meta } = o.metadata;
  const owners = managedFields?.map(({ time: _t, ...entry }) => entry);
  return canonicalJson({ ...o, metadata: { ...meta, managedFields: owners } });
}

/** What counts as "spec" for generation: everything outside metadata and status. */
function specOf(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return canonicalJson(rest);
}

export class Registry {
  private readonly caches = new Map<string, WatchCache>();

  constructor(
    readonly store: EtcdStore,
    readonly strategies: Strategies,
    readonly admission: AdmissionChain,
    private readonly onCacheError: (err: unknown) => void = () => undefined,
    /** Events of history kept per resource; a watch from older versions gets 410 and relists. */
    private readonly watchCacheSize = 2000,
  ) {}

  private strategy(r: ResourceInfo): Strategy {
    return this.strategies.for(r);
  }

  cache(r: ResourceInfo): WatchCache {
    let c = this.caches.get(r.plural);
    if (!c) {
      c = new WatchCache(this.store, storagePrefix(r), this.watchCacheSize, this.onCacheError);
      this.caches.set(r.plural, c);
    }
    return c;
  }

  /** Warms every watch cache so the first client watch does not wait. */
  async start(): Promise<void> {
    await Promise.all(RESOURCES.map((r) => this.cache(r).ready()));
  }

  /** Resources whose watch cache is not listed and watching (readyz). */
  unsyncedCaches(): string[] {
    return [...this.caches].filter(([, c]) => !c.isSynced).map(([plural]) => plural);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.stop()));
  }

  private requireNamespace(r: ResourceInfo, ns: string | undefined): string | undefined {
    if (r.namespaced && !ns) throw errors.badRequest(`${r.plural} is namespaced: a namespace is required`);
    return r.namespaced ? ns : undefined;
  }

  async get(r: ResourceInfo, ns: string | undefined, name: string): Promise<KubeObject> {
    const cur = await this.store.get(storageKey(r, this.requireNamespace(r, ns), name));
    if (!cur) throw errors.notFound(qualifiedResource(r), name);
    return withType(r, cur.obj);
  }

  private filterFor(r: ResourceInfo, ns: string | undefined, opts: ListOptions): (o: KubeObject) => boolean {
    const sel = parseSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, ['metadata.name', 'metadata.namespace', ...(this.strategy(r).selectableFields ?? [])]);
    return (o) => (!ns || o.metadata.namespace === ns) && sel.matches(o.metadata.labels) && matchesFields(o, fields);
  }

  async list(r: ResourceInfo, ns: string | undefined, opts: ListOptions = {}): Promise<KubeList> {
    const filter = this.filterFor(r, ns, opts);
    const prefix = storagePrefix(r, r.namespaced ? ns : undefined);
    const kind = { apiVersion: apiVersionOf(r), kind: `${r.kind}List` };
    if (!opts.limit && !opts.continue) {
      const { items, rv } = await this.store.list(prefix);
      return { ...kind, metadata: { resourceVersion: rv }, items: items.map((i) => withType(r, i.obj)).filter(filter) };
    }
    return { ...kind, ...(await this.listChunk(r, prefix, filter, opts)) };
  }

  /**
   * A page of a list, as Kubernetes serves one: every page read at the first page's revision,
   * filtered pages filled from further keys, a continue token while keys remain, and
   * remainingItemCount when no selector filters. A token whose revision is compacted is a 410
   * that carries a token to go on from the newest revision instead.
   */
  private async listChunk(r: ResourceInfo, prefix: string, filter: (o: KubeObject) => boolean, opts: ListOptions): Promise<Pick<KubeList, 'metadata' | 'items'>> {
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 500;
    const token = opts.continue ? decodeContinue(opts.continue, prefix) : undefined;
    let start = token?.start;
    let revision = token?.rv;
    const items: KubeObject[] = [];
    let remaining = 0;
    let more = true;
    let lastKey: string | undefined;
    while (more && items.length < limit) {
      let page;
      try {
        page = await this.store.listPage(prefix, { limit: limit - items.length, ...(start ? { start } : {}), ...(revision ? { revision } : {}) });
      } catch (err) {
        if ((err as Error).message !== 'compacted' || !start) throw err;
        const e = errors.gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
        e.status.metadata = { continue: encodeContinue(await this.store.currentRevision(), prefix, start) };
        throw e;
      }
      revision = page.rv;
      more = page.more;
      remaining = page.remaining;
      for (const it of page.items) {
        lastKey = it.key;
        const o = withType(r, it.obj);
        if (filter(o)) items.push(o);
      }
      if (lastKey) start = `${lastKey}\u0000`;
    }
    const filtered = !!(opts.labelSelector || opts.fieldSelector);
    const metadata: KubeList['metadata'] = { resourceVersion: revision! };
    if (more && lastKey) {
      metadata.continue = encodeContinue(revision!, prefix, `${lastKey}\u0000`);
      if (!filtered) metadata.remainingItemCount = remaining;
    }
    return { metadata, items };
  }

  async watch(r: ResourceInfo, ns: string | undefined, opts: WatchOptions, send: (e: ClientEvent) => void, onReset: () => void): Promise<Subscription> {
    const filter = this.filterFor(r, r.namespaced ? ns : undefined, opts);
    return this.cache(r).subscribe(opts.resourceVersion, filter, (e) => send({ type: e.type, object: withType(r, e.object) }), onReset);
  }

  // ---- create ----------------------------------------------------------------------------

  private checkBody(r: ResourceInfo, body: unknown, ns: string | undefined, opts: WriteOptions): KubeObject {
    if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a JSON or YAML object');
    const obj = structuredClone(body) as unknown as KubeObject;
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(r))
      throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(r)})`);
    if (obj.kind !== undefined && obj.kind !== r.kind) throw errors.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${r.kind})`);
    if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) throw errors.badRequest('metadata must be an object');
    obj.metadata ??= {};
    if (r.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns)
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = ns ?? obj.metadata.namespace;
    }
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    this.checkFields(r, obj, opts);
    return obj;
  }

  /** Unknown fields, as Kubernetes' decoder treats them under the request's fieldValidation. */
  private checkFields(r: ResourceInfo, obj: KubeObject, opts: WriteOptions): void {
    const problems = typeProblems(obj, kindDefinition(r));
    if (problems.types.length) throw errors.undecodable(r.kind, r.version, problems.types);
    if (problems.values.length) throw errors.invalid(qualifiedKind(r), obj.metadata.name ?? '', problems.values);
    const mode = opts.fieldValidation ?? 'Warn';
    const said = unknownFields(obj, kindDefinition(r), mode !== 'Strict').map((path) => `unknown field "${path}"`);
    for (const path of notActedFields(obj, kindDefinition(r))) opts.warnings?.add(`${path}: not acted on by tinykube`);
    if (!said.length) return;
    if (mode === 'Strict') throw errors.badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${said.join(', ')}`);
    if (mode === 'Warn') for (const w of said) opts.warnings?.add(w);
  }

  /**
   * Kubernetes' order for a write: the kind's defaults, the mutating admission plugins, the
   * strategy's preparation (`prepare`), the kind's validation, the validating plugins.
   * `prev` makes it an update.
   */
  private async admitAndValidate(r: ResourceInfo, obj: KubeObject, prev: KubeObject | undefined, opts: WriteOptions, prepare?: (s: Strategy) => void): Promise<void> {
    const s = this.strategy(r);
    s.defaults?.(obj);
    const a = attributes(prev ? 'UPDATE' : 'CREATE', r, obj, prev, opts);
    await this.admission.admit(a);
    prepare?.(s);
    const fieldErrors = validateNew(obj, r.namespaced, s.nameRule, s.validate);
    if (prev && s.validateUpdate) fieldErrors.push(...validateChange(obj, prev, s.validateUpdate));
    if (fieldErrors.length) throw errors.invalid(qualifiedKind(r), obj.metadata.name ?? '', fieldErrors);
    await this.admission.validate(a);
  }

  async create(r: ResourceInfo, ns: string | undefined, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    ns = this.requireNamespace(r, ns ?? (isPlainObject(body) && isPlainObject(body.metadata) ? (body.metadata.namespace as string | undefined) : undefined));
    const obj = this.checkBody(r, body, ns, opts);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName && typeof meta.generateName === 'string') {
      meta.name = meta.generateName + Array.from({ length: 5 }, () => NAME_CHARS[randomInt(NAME_CHARS.length)]).join('');
    }
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    if (opts.managedFields) meta.managedFields = opts.managedFields;
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp();
    meta.generation = 1;
    await this.admitAndValidate(r, obj, undefined, opts, (s) => s.prepareForCreate?.(obj, opts.user));
    const s = this.strategy(r);
    const key = storageKey(r, ns, meta.name as string);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const side = (await s.allocate?.(obj, undefined)) ?? [];
      if (opts.dryRun) return withType(r, obj);
      const res = await this.store.create(key, obj, side);
      if (res.ok) {
        obj.metadata.resourceVersion = res.rv;
        return withType(r, obj);
      }
      if (res.current) throw errors.alreadyExists(qualifiedResource(r), meta.name as string);
      // A side key (IP or port) was taken concurrently: pick again, unless the user chose it.
      await s.recheckAllocations?.(obj, undefined);
    }
    throw errors.conflict(qualifiedResource(r), meta.name as string, 'could not allocate its side keys after repeated conflicts; please try again');
  }

  // ---- update ----------------------------------------------------------------------------

  /**
   * Reads, transforms and writes with compare-and-swap. With a `precondition` (the
   * resourceVersion the request carried) a stale read is a 409; without one, lost races retry.
   */
  async guardedUpdate(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    transform: (cur: KubeObject) => Promise<KubeObject> | KubeObject,
    opts: WriteOptions & { allowCreate?: () => Promise<KubeObject>; precondition?: string } = {},
  ): Promise<KubeObject> {
    ns = this.requireNamespace(r, ns);
    const key = storageKey(r, ns, name);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const cur = await this.store.get(key);
      if (!cur) {
        if (opts.allowCreate) return opts.allowCreate();
        throw errors.notFound(qualifiedResource(r), name);
      }
      const requested = opts.precondition;
      if (requested && requested !== cur.rv) throw errors.conflict(qualifiedResource(r), name);
      const res = await this.finishUpdate(r, cur, await transform(structuredClone(cur.obj)), opts);
      if (res) return res;
      if (requested) throw errors.conflict(qualifiedResource(r), name);
    }
    throw errors.conflict(qualifiedResource(r), name, 'too many concurrent writers; please try again');
  }

  /** Writes `next` over `cur`; returns undefined when the CAS lost a race (caller retries). */
  private async finishUpdate(r: ResourceInfo, cur: StoredObject, next: KubeObject, opts: WriteOptions): Promise<KubeObject | undefined> {
    const key = storageKey(r, cur.obj.metadata.namespace, cur.obj.metadata.name as string);
    // Deleting without finalizers left (a namespace's spec.finalizers too): the object goes now.
    const s = this.strategy(r);
    const specFinalizers = s.specFinalizers?.(next) ?? [];
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length && !specFinalizers.length && (next.metadata.deletionGracePeriodSeconds ?? 0) === 0) {
      if (opts.dryRun) return withType(r, next);
      const res = await this.store.delete(key, cur.rv, s.release?.(cur.obj) ?? []);
      return res.ok ? withType(r, next) : undefined;
    }
    // Field ownership: kept as it was unless this write is an apply, which computed it.
    if (!opts.applying) {
      if (opts.fieldManager) ssa.recordUpdate(cur.obj, next, opts.fieldManager, opts.subresource);
      else if (cur.obj.metadata.managedFields) next.metadata.managedFields = cur.obj.metadata.managedFields;
    }
    const side = (await s.allocate?.(next, cur.obj)) ?? [];
    next.metadata.generation = (cur.obj.metadata.generation ?? 1) + (specOf(next) !== specOf(cur.obj) ? 1 : 0);
    // A no-op is not written, unless the stored bytes use an old key (a rewrite rotates them).
    if (contentOf(next) === contentOf(cur.obj) && !cur.stale) return withType(r, cur.obj);
    if (opts.dryRun) return withType(r, next);
    const res = await this.store.update(key, next, cur.rv, side);
    if (!res.ok) {
      if (res.current?.rv === cur.rv) await s.recheckAllocations?.(next, cur.obj);
      return undefined;
    }
    next.metadata.resourceVersion = res.rv;
    return withType(r, next);
  }

  /** Builds the next object of a main-resource update: system metadata and status are kept. */
  private async mergeMainUpdate(r: ResourceInfo, cur: KubeObject, body: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const next = structuredClone(body);
    next.apiVersion = apiVersionOf(r);
    next.kind = r.kind;
    const m = next.metadata;
    const c = cur.metadata;
    if (m.name !== undefined && m.name !== c.name) throw errors.badRequest(`the name of the object (${String(m.name)}) does not match the name on the URL (${c.name})`);
    if (m.uid && m.uid !== c.uid) throw errors.conflict(qualifiedResource(r), c.name as string, `Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${c.uid}`);
    m.name = c.name;
    if (r.namespaced) m.namespace = c.namespace;
    m.uid = c.uid;
    m.creationTimestamp = c.creationTimestamp;
    m.deletionTimestamp = c.deletionTimestamp;
    m.deletionGracePeriodSeconds = c.deletionGracePeriodSeconds;
    if (m.deletionTimestamp === undefined) delete m.deletionTimestamp;
    if (m.deletionGracePeriodSeconds === undefined) delete m.deletionGracePeriodSeconds;
    delete m.generateName;
    if (c.generateName) m.generateName = c.generateName;
    if (r.hasStatus) {
      if (cur.status === undefined) delete next.status;
      else next.status = structuredClone(cur.status);
    }
    await this.admitAndValidate(r, next, cur, opts);
    return next;
  }

  /** Builds the next object of a status update: only status (and nothing else) changes; the validating admission plugins see it (NodeRestriction). */
  private async mergeStatusUpdate(r: ResourceInfo, cur: KubeObject, body: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const next = structuredClone(cur);
    next.status = structuredClone(body.status);
    // Kubernetes lets the status path carry ownerReferences/labels/annotations changes for some kinds; keep it strict.
    const s = this.strategy(r);
    if (s.validateStatus) {
      const fieldErrors = validateNew(next, r.namespaced, s.nameRule, s.validate);
      if (fieldErrors.length) throw errors.invalid(qualifiedKind(r), cur.metadata.name as string, fieldErrors);
    }
    await this.admission.validate(attributes('UPDATE', r, next, cur, { ...opts, subresource: 'status' }));
    return next;
  }

  async update(r: ResourceInfo, ns: string | undefined, name: string, body: unknown, opts: WriteOptions & { subresource?: 'status' } = {}): Promise<KubeObject> {
    const obj = this.checkBody(r, body, r.namespaced ? ns : undefined, opts);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name)
      throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
    const status = opts.subresource === 'status';
    if (status && !r.hasStatus) throw errors.notFound(qualifiedResource(r), name);
    const allowCreate = !status && this.strategy(r).allowCreateOnUpdate ? () => this.create(r, ns, obj, opts) : undefined;
    return this.guardedUpdate(
      r,
      ns,
      name,
      (cur) => (status ? this.mergeStatusUpdate(r, cur, obj, opts) : this.mergeMainUpdate(r, cur, obj, opts)),
      { ...opts, allowCreate, precondition: obj.metadata.resourceVersion },
    );
  }

  async patch(r: ResourceInfo, ns: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOptions & { subresource?: 'status' } = {}): Promise<KubeObject> {
    const status = opts.subresource === 'status';
    if (status && !r.hasStatus) throw errors.notFound(qualifiedResource(r), name);
    if (type === 'apply') return this.serverSideApply(r, ns, name, patch, opts);
    return this.guardedUpdate(
      r,
      ns,
      name,
      (cur) => {
        const obj = this.checkBody(r, applyPatchBody(type, withType(r, structuredClone(cur)), patch), cur.metadata.namespace, opts);
        return status ? this.mergeStatusUpdate(r, cur, obj, opts) : this.mergeMainUpdate(r, cur, obj, opts);
      },
      // The resourceVersion in a patch is a precondition only when the patch sets it.
      { ...opts, precondition: resourceVersionIn(patch) },
    );
  }

  /** PATCH with application/apply-patch+yaml: creates or merges, with field ownership. */
  private async serverSideApply(r: ResourceInfo, ns: string | undefined, name: string, body: unknown, opts: WriteOptions): Promise<KubeObject> {
    const manager = opts.fieldManager;
    if (!manager) throw errors.badRequest('PATCH requests with apply content type require fieldManager');
    const applied = this.checkBody(r, body, r.namespaced ? ns : undefined, opts);
    if (applied.metadata.name !== undefined && applied.metadata.name !== name) throw errors.badRequest(`the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${name})`);
    applied.metadata.name = name;
    return this.guardedUpdate(r, ns, name, (cur) => this.mergeMainUpdate(r, cur, ssa.apply(withType(r, cur), applied, manager, !!opts.force, qualifiedResource(r)), opts), {
      ...opts,
      applying: true,
      precondition: resourceVersionIn(body),
      allowCreate: () => {
        const created = ssa.apply(undefined, applied, manager, false, qualifiedResource(r));
        return this.create(r, ns, created, { ...opts, managedFields: created.metadata.managedFields });
      },
    });
  }

  // ---- delete ----------------------------------------------------------------------------

  async delete(r: ResourceInfo, ns: string | undefined, name: string, opts: DeleteOptions = {}, wopts: WriteOptions = {}): Promise<KubeObject> {
    ns = this.requireNamespace(r, ns);
    const key = storageKey(r, ns, name);
    if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0))
      throw errors.invalid('DeleteOptions', '', [{ field: 'gracePeriodSeconds', type: 'FieldValueInvalid', value: opts.gracePeriodSeconds, detail: 'must be greater than or equal to 0' }]);
    const s = this.strategy(r);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const cur = await this.store.get(key);
      if (!cur) throw errors.notFound(qualifiedResource(r), name);
      await this.admission.validate(attributes('DELETE', r, undefined, cur.obj, wopts));
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.obj.metadata.uid)
        throw errors.conflict(qualifiedResource(r), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.obj.metadata.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== cur.rv)
        throw errors.conflict(qualifiedResource(r), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.rv}`);
      const next = structuredClone(cur.obj);
      const m = next.metadata;
      const finalizers = [...(m.finalizers ?? [])];
      if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      if ((s.specFinalizers?.(next) ?? []).length) {
        // Held by finalizers in its spec (a namespace empties itself before it goes).
        m.deletionTimestamp ??= timestamp();
        m.deletionGracePeriodSeconds = 0;
        s.markTerminating?.(next);
      } else {
        const grace = s.deleteGrace?.(cur.obj, opts.gracePeriodSeconds) ?? 0;
        if (finalizers.length === 0 && grace === 0) {
          if (wopts.dryRun) return withType(r, cur.obj);
          const res = await this.store.delete(key, cur.rv, s.release?.(cur.obj) ?? []);
          if (res.ok) return withType(r, cur.obj);
          continue;
        }
        m.finalizers = finalizers;
        if (!finalizers.length) delete m.finalizers;
        const deadline = timestamp(Date.now() + grace * 1000);
        // A shorter grace period may replace a longer one; a longer one never extends it.
        if (!m.deletionTimestamp || grace < (m.deletionGracePeriodSeconds ?? Infinity)) {
          m.deletionTimestamp = deadline;
          m.deletionGracePeriodSeconds = grace;
        }
      }
      // A no-op is not written, unless the stored bytes use an old key (a rewrite rotates them).
    if (contentOf(next) === contentOf(cur.obj) && !cur.stale) return withType(r, cur.obj);
      if (wopts.dryRun) return withType(r, next);
      m.generation = (m.generation ?? 1) + 1;
      const res = await this.store.update(key, next, cur.rv);
      if (res.ok) {
        next.metadata.resourceVersion = res.rv;
        return withType(r, next);
      }
    }
    throw errors.conflict(qualifiedResource(r), name, 'too many concurrent writers; please try again');
  }

  /** Deletes every object of a collection matching the selectors (deletecollection). */
  async deleteCollection(r: ResourceInfo, ns: string | undefined, list: ListOptions, opts: DeleteOptions = {}): Promise<KubeList> {
    const items = (await this.list(r, ns, list)).items;
    const out: KubeObject[] = [];
    for (const it of items) {
      try {
        out.push(await this.delete(r, it.metadata.namespace, it.metadata.name as string, opts));
      } catch (e) {
        if (errorCode(e) !== 404) throw e;
      }
    }
    return { apiVersion: apiVersionOf(r), kind: `${r.kind}List`, metadata: {}, items: out };
  }

  // ---- subresources ------------------------------------------------------------------------

  async getScale(r: ResourceInfo, ns: string, name: string): Promise<Scale> {
    if (!r.hasScale) throw errors.notFound(qualifiedResource(r), name);
    return toScale(await this.get(r, ns, name));
  }

  async updateScale(r: ResourceInfo, ns: string, name: string, body: unknown, patchType?: PatchType, opts: WriteOptions = {}): Promise<Scale> {
    if (!r.hasScale) throw errors.notFound(qualifiedResource(r), name);
    const out = await this.guardedUpdate(
      r,
      ns,
      name,
      (cur) => {
        const scale = (patchType ? applyPatchBody(patchType, toScale(cur), body) : body) as Scale;
        if (!isPlainObject(scale) || !isPlainObject(scale.spec)) throw errors.badRequest('the body of the request must be a Scale');
        const replicas = scale.spec.replicas ?? 0;
        if (!Number.isInteger(replicas) || replicas < 0)
          throw errors.invalid('Scale.autoscaling', name, [{ field: 'spec.replicas', type: 'FieldValueInvalid', value: replicas, detail: 'must be greater than or equal to 0' }]);
        (cur.spec as { replicas?: number }).replicas = replicas;
        return cur;
      },
      { ...opts, subresource: 'scale', precondition: patchType ? undefined : resourceVersionIn(body) },
    );
    return toScale(out);
  }
}

/** `metadata.resourceVersion` of a request body, if it carries one. */
function resourceVersionIn(body: unknown): string | undefined {
  return isPlainObject(body) && isPlainObject(body.metadata) && typeof body.metadata.resourceVersion === 'string' ? body.metadata.resourceVersion || undefined : undefined;
}

/** Kubernetes' continue token: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the list's prefix>"}. */
function encodeContinue(rv: string, prefix: string, startKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), start: startKey.slice(prefix.length) })).toString('base64');
}

function decodeContinue(token: string, prefix: string): { rv: string; start: string } {
  let t: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as typeof t;
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data or JSON');
  }
  if (t.v !== 'meta.k8s.io/v1') throw errors.badRequest('continue key is not valid: server does not recognize this encoded version');
  if (typeof t.rv !== 'number' || !Number.isInteger(t.rv) || t.rv <= 0) throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof t.start !== 'string' || t.start === '' || t.start.split('/').includes('..')) throw errors.badRequest('continue key is not valid: the encoded start key is not of this list');
  return { rv: String(t.rv), start: prefix + t.start };
}

export function withType(r: ResourceInfo, o: KubeObject): KubeObject {
  o.apiVersion = apiVersionOf(r);
  o.kind = r.kind;
  return o;
}

export function toScale(o: KubeObject): Scale {
  const spec = o.spec as { replicas?: number; selector?: LabelSelector };
  const status = (o.status ?? {}) as { replicas?: number };
  // A ReplicationController's selector is a plain label map.
  const selector = o.kind === 'ReplicationController' ? { matchLabels: spec.selector as Record<string, string> } : spec.selector;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: selectorStringFromLabelSelector(selector) },
  };
}

function attributes(operation: Operation, r: ResourceInfo, object: KubeObject | undefined, oldObject: KubeObject | undefined, opts: WriteOptions): Attributes {
  const meta = (object ?? oldObject)?.metadata;
  return { operation, resource: r, subresource: opts.subresource ?? '', namespace: meta?.namespace, name: meta?.name ?? '', object, oldObject, dryRun: !!opts.dryRun, ...(opts.user ? { user: opts.user } : {}), ...(opts.warnings ? { warnings: opts.warnings } : {}), ...(opts.auditAnnotations ? { auditAnnotations: opts.auditAnnotations } : {}) };
}
