// ApiClient over gRPC: what the scheduler, controller-manager and node agents use.
import * as grpc from '@grpc/grpc-js';
import { ApiError, statusFailure, type Stored, type KubeObject, type ResourceInfo, type Status, type WatchEventType, type TokenRequest, type SubjectAccessReview } from '@tinykube/api';
import { wireName, type ApiClient, type DeleteOpts, type ListResult, type PatchKind, type WatchCallback, type WatchEnd, type WatchHandle, type WatchOpts } from './api-client';
import type { TlsIdentity } from './tls';
import { KEEPALIVE_OPTIONS, loadApiService, type ObjectResponse, type WatchEventMsg } from '@tinykube/wire';
import { listInPages } from './pager';

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** Turns a gRPC error back into the ApiError (with its Status) that the server raised. */
export function fromServiceError(err: grpc.ServiceError): ApiError {
  try {
    const s = JSON.parse(err.details) as Status;
    if (s && s.kind === 'Status') return new ApiError(s);
  } catch {
    // not one of ours: fall through
  }
  const code = err.code === grpc.status.UNAVAILABLE ? 503 : err.code === grpc.status.DEADLINE_EXCEEDED ? 504 : 500;
  return new ApiError(statusFailure(code, code === 503 ? 'ServiceUnavailable' : 'InternalError', `apiserver unreachable or failed: ${err.details || err.message}`));
}

const dec = <T>(b: Buffer): T => JSON.parse(b.toString('utf8')) as T;
const enc = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));

export class GrpcClient implements ApiClient {
  private readonly client: grpc.Client;

  /** gRPC over TLS: the apiserver's certificate must be signed by tls.ca; tls.cert is who we are. */
  constructor(
    readonly address: string,
    tls: TlsIdentity,
    private readonly timeoutMs = 30_000,
  ) {
    const Ctor = loadApiService();
    const creds = grpc.credentials.createSsl(Buffer.from(tls.ca), tls.key ? Buffer.from(tls.key) : null, tls.cert ? Buffer.from(tls.cert) : null);
    // The apiserver's certificate names `kubernetes` (and its addresses): checking that name, not
    // the IP, keeps an IP out of TLS's server name, which RFC 6066 forbids (Node warns).
    this.client = new Ctor(address, creds, { ...KEEPALIVE_OPTIONS, 'grpc.ssl_target_name_override': 'kubernetes' });
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary>)[method] as Unary;
    return new Promise((resolve, reject) => {
      fn.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) => (err ? reject(fromServiceError(err)) : resolve(res as T)));
    });
  }

  async get<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string): Promise<Stored<T>> {
    return dec<Stored<T>>((await this.call<ObjectResponse>('Get', { resource: wireName(r), namespace: namespace ?? '', name })).object);
  }

  async list<T extends KubeObject>(r: ResourceInfo, namespace?: string, opts: { labelSelector?: string; fieldSelector?: string } = {}): Promise<ListResult<T>> {
    return listInPages(async (limit, token) => {
      const res = await this.call<{ items: Buffer[]; resourceVersion: string; continue: string }>('List', { resource: wireName(r), namespace: namespace ?? '', labelSelector: opts.labelSelector ?? '', fieldSelector: opts.fieldSelector ?? '', limit, continue: token ?? '' });
      return { items: res.items.map((b) => dec<Stored<T>>(b)), resourceVersion: res.resourceVersion, ...(res.continue ? { continue: res.continue } : {}) };
    });
  }

  watch(r: ResourceInfo, namespace: string | undefined, opts: WatchOpts, onEvent: WatchCallback, onEnd: WatchEnd): WatchHandle {
    const stream = (this.client as unknown as { Watch(req: unknown): grpc.ClientReadableStream<WatchEventMsg> }).Watch({
      resource: wireName(r),
      namespace: namespace ?? '',
      labelSelector: opts.labelSelector ?? '',
      fieldSelector: opts.fieldSelector ?? '',
      resourceVersion: opts.resourceVersion ?? '',
    });
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      onEnd(err);
    };
    stream.on('data', (m: WatchEventMsg) => {
      if (!done) onEvent(m.type as WatchEventType, dec<Stored>(m.object));
    });
    stream.on('error', (err: grpc.ServiceError) => finish(err.code === grpc.status.CANCELLED ? undefined : fromServiceError(err)));
    stream.on('end', () => finish());
    return {
      stop: () => {
        done = true;
        stream.cancel();
      },
    };
  }

  /** Create, Update and UpdateStatus send the same envelope. */
  private async write<T extends KubeObject>(method: 'Create' | 'Update' | 'UpdateStatus', r: ResourceInfo, obj: T): Promise<Stored<T>> {
    const req = { resource: wireName(r), namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', object: enc(obj) };
    return dec<Stored<T>>((await this.call<ObjectResponse>(method, req)).object);
  }

  create<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.write('Create', r, obj);
  }

  update<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.write('Update', r, obj);
  }

  updateStatus<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.write('UpdateStatus', r, obj);
  }

  async patch<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string, kind: PatchKind, patch: unknown, status = false): Promise<Stored<T>> {
    return dec<Stored<T>>((await this.call<ObjectResponse>('Patch', { resource: wireName(r), namespace: namespace ?? '', name, patchType: kind, patch: enc(patch), status })).object);
  }

  async delete(r: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOpts = {}): Promise<Stored> {
    const res = await this.call<ObjectResponse>('Delete', {
      resource: wireName(r),
      namespace: namespace ?? '',
      name,
      gracePeriodSeconds: opts.gracePeriodSeconds ?? -1,
      propagationPolicy: opts.propagationPolicy ?? '',
      preconditionUid: opts.preconditions?.uid ?? '',
      preconditionResourceVersion: opts.preconditions?.resourceVersion ?? '',
    });
    return dec<Stored>(res.object);
  }

  async bind(namespace: string, name: string, nodeName: string, podUid = ''): Promise<void> {
    await this.call('Bind', { namespace, name, nodeName, podUid });
  }

  async reviewAccess(review: SubjectAccessReview): Promise<SubjectAccessReview> {
    return dec<SubjectAccessReview>((await this.call<ObjectResponse>('ReviewAccess', { resource: 'subjectaccessreviews', namespace: '', name: '', object: enc(review), dryRun: false, fieldManager: '' })).object);
  }

  async createToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest> {
    return dec<TokenRequest>((await this.call<ObjectResponse>('CreateToken', { resource: 'serviceaccounts', namespace, name: serviceAccount, object: enc(request), dryRun: false, fieldManager: '' })).object);
  }

  close(): void {
    this.client.close();
  }
}
