// ApiClient over REST (Kubernetes paths), used by tkctl and tests; also raw requests for tables.
import { ApiError, apiVersionOf, statusFailure, type Stored, type TokenRequest, type SubjectAccessReview, type KubeObject, type ResourceInfo, type Status, type WatchEventType } from '@tinykube/api';
import { listInPages } from './pager';
import { tlsFetch, type TlsFetch, type TlsIdentity } from './tls';
import type { ApiClient, DeleteOpts, ListResult, PatchKind, WatchCallback, WatchEnd, WatchHandle, WatchOpts } from './api-client';

export function resourcePath(r: ResourceInfo, namespace?: string, name?: string, sub?: string): string {
  const base = r.group ? `/apis/${apiVersionOf(r)}` : '/api/v1';
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`;
}

const contentTypes: Record<PatchKind, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface RestClientOptions {
  /** Whom to trust and who we are; the server's address must be https. */
  tls: TlsIdentity;
  /** A bearer token (a bootstrap or ServiceAccount token), sent when there is no client certificate; a function is asked at each request (a projected token the kubelet renews). */
  token?: string | (() => string);
  /** Sent on writes as `fieldValidation` (kubectl sends Strict); the server's default is Warn. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Called with the text of each Warning header of a response. */
  onWarning?: (text: string) => void;
}

/** The texts of Warning headers (`299 - "text"`, several joined by commas). */
export function warningTexts(header: string | null): string[] {
  return [...(header ?? '').matchAll(/\d{3} \S+ ("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
}

export class RestClient implements ApiClient {
  /** fetch with this client's TLS identity, for raw requests (logs). */
  readonly fetch: TlsFetch;

  constructor(
    readonly server: string,
    private readonly opts: RestClientOptions,
  ) {
    this.fetch = tlsFetch(opts.tls);
  }

  private auth(): Record<string, string> {
    const t = typeof this.opts.token === 'function' ? this.opts.token() : this.opts.token;
    return t ? { Authorization: `Bearer ${t}` } : {};
  }

  /** Whom this client trusts and who it is. */
  get tls(): TlsIdentity {
    return this.opts.tls;
  }

  /** Sends one request; a non-2xx answer becomes an ApiError carrying the server's Status. */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let res: Awaited<ReturnType<TlsFetch>>;
    const url = new URL(path, this.server);
    if (this.opts.fieldValidation && (method === 'POST' || method === 'PUT' || method === 'PATCH')) url.searchParams.set('fieldValidation', this.opts.fieldValidation);
    try {
      res = await this.fetch(url, {
        method,
        headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...this.auth(), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(statusFailure(503, 'ServiceUnavailable', `The connection to the server ${new URL(this.server).host} was refused - did you specify the right host or port? (${cause?.code ?? cause?.message ?? (e as Error).message})`));
    }
    if (this.opts.onWarning) for (const w of warningTexts(res.headers.get('warning'))) this.opts.onWarning(w);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const s = parsed as Status;
      if (s && typeof s === 'object' && s.kind === 'Status') throw new ApiError(s);
      throw new ApiError(statusFailure(res.status, 'Unknown', `the server responded with ${res.status}: ${text.slice(0, 200)}`));
    }
    return parsed as T;
  }

  get<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string): Promise<Stored<T>> {
    return this.request<Stored<T>>('GET', resourcePath(r, namespace, name));
  }

  async list<T extends KubeObject>(r: ResourceInfo, namespace?: string, opts: { labelSelector?: string; fieldSelector?: string } = {}): Promise<ListResult<T>> {
    return listInPages(async (limit, token) => {
      const q = new URLSearchParams();
      if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
      if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
      if (limit) q.set('limit', String(limit));
      if (token) q.set('continue', token);
      const out = await this.request<{ items: Stored<T>[]; metadata: { resourceVersion?: string; continue?: string } }>('GET', `${resourcePath(r, namespace)}?${q}`);
      return { items: out.items, resourceVersion: out.metadata.resourceVersion ?? '', ...(out.metadata.continue ? { continue: out.metadata.continue } : {}) };
    });
  }

  watch(r: ResourceInfo, namespace: string | undefined, opts: WatchOpts, onEvent: WatchCallback, onEnd: WatchEnd): WatchHandle {
    return this.watchPath(`${resourcePath(r, namespace)}`, opts, {}, (t, o) => onEvent(t, o as Stored), onEnd);
  }

  /** Streams a watch on any collection path; also used for Table watches by tkctl. */
  watchPath(path: string, opts: WatchOpts, headers: Record<string, string>, onEvent: (type: WatchEventType, object: unknown) => void, onEnd: WatchEnd): WatchHandle {
    const q = new URLSearchParams({ watch: 'true' });
    if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
    if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
    if (opts.resourceVersion) q.set('resourceVersion', opts.resourceVersion);
    const ac = new AbortController();
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      onEnd(err);
    };
    void (async () => {
      const res = await this.fetch(new URL(`${path}?${q}`, this.server), { headers: { Accept: 'application/json', ...this.auth(), ...headers }, signal: ac.signal });
      if (!res.ok || !res.body) {
        const text = await res.text();
        let err: Error = new Error(text);
        try {
          err = new ApiError(JSON.parse(text) as Status);
        } catch {
          // keep the text error
        }
        throw err;
      }
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line || done) continue;
          const ev = JSON.parse(line) as { type: WatchEventType; object: unknown };
          onEvent(ev.type, ev.object);
        }
      }
    })().then(
      () => finish(),
      (err: Error) => finish(err.name === 'AbortError' ? undefined : err),
    );
    return {
      stop: () => {
        done = true;
        ac.abort();
      },
    };
  }

  create<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.request<Stored<T>>('POST', resourcePath(r, obj.metadata.namespace), obj);
  }

  update<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.request<Stored<T>>('PUT', resourcePath(r, obj.metadata.namespace, obj.metadata.name), obj);
  }

  updateStatus<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.request<Stored<T>>('PUT', resourcePath(r, obj.metadata.namespace, obj.metadata.name, 'status'), obj);
  }

  patch<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string, kind: PatchKind, patch: unknown, status = false): Promise<Stored<T>> {
    return this.request<Stored<T>>('PATCH', resourcePath(r, namespace, name, status ? 'status' : undefined), patch, { 'Content-Type': contentTypes[kind] });
  }

  delete(r: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOpts = {}): Promise<Stored> {
    return this.request<Stored>('DELETE', resourcePath(r, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
  }

  reviewAccess(review: SubjectAccessReview): Promise<SubjectAccessReview> {
    return this.request<SubjectAccessReview>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', review);
  }

  createToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest> {
    return this.request<TokenRequest>('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`, request);
  }

  async bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<void> {
    await this.request('POST', `/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, uid: podUid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    });
  }

  close(): void {
    // fetch keeps no per-client state to release.
  }
}
