// The gRPC front door for the scheduler, controller-manager and node agents.
import * as grpc from '@grpc/grpc-js';
import { ApiError, errors, R, resourceByPlural, statusFailure, type Attributes, type KubeObject, type ResourceInfo, type TokenRequest } from '@tinykube/api';
import { grpcCodeFor, KEEPALIVE_OPTIONS, loadApiService, type BindRequest, type DeleteRequest, type GetRequest, type ListRequest, type ListResponse, type ObjectResponse, type PatchRequest, type WatchEventMsg, type WatchRequest, type WriteRequest } from '@tinykube/wire';
import type { Logger } from 'pino';
import { parseJson } from '../decode';
import type { Metrics } from '../metrics';
import type { PatchType } from '../patch';
import type { Registry } from '../registry';
import type { ServiceAccountTokens } from '../authn/service-account-tokens';
import { bindPod } from '../subresources/binding';
import type { PeerCertificate } from 'node:tls';
import { certificateSubject } from '@tinykube/pki';
import type { UserInfo } from '../authn/user';
import { resourceAttributes } from '../authz/attributes';
import type { Authorizer } from '../authz/authorizer';
import { reviewAccess } from '../authz/reviews';
import type { AuditLog } from '../audit';

function resourceOf(name: string): ResourceInfo {
  const slash = name.indexOf('/');
  const r = slash < 0 ? resourceByPlural('', name) : resourceByPlural(name.slice(0, slash), name.slice(slash + 1));
  if (!r) throw errors.notFound('resources', name);
  return r;
}

/** The user of a call: its verified client certificate's CN, and its O as groups (Kubernetes' x509 authenticator). */
function peerUser(call: { getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null }): UserInfo {
  const subject = certificateSubject(call.getAuthContext()?.sslPeerCertificate);
  if (!subject) throw new ApiError(statusFailure(401, 'Unauthorized', 'Unauthorized'));
  return { name: subject.name, groups: [...subject.groups, 'system:authenticated'] };
}

function toServiceError(err: unknown): grpc.ServiceError {
  const status = err instanceof ApiError ? err.status : statusFailure(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  const e = new Error(status.message) as grpc.ServiceError;
  e.code = grpcCodeFor(status.code);
  e.details = JSON.stringify(status);
  e.metadata = new grpc.Metadata();
  return e;
}

const enc = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));

const dec = (b: Buffer): unknown => parseJson(b);

export class GrpcServer {
  readonly server = new grpc.Server(KEEPALIVE_OPTIONS);

  constructor(
    private readonly registry: Registry,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    tokens: ServiceAccountTokens,
    private readonly authorizer: Authorizer,
    private readonly audit?: AuditLog,
  ) {
    /** A call runs as its client certificate's user, once the authorizers allow what it asks. */
    const unary = <Req, Res>(method: string, fn: (req: Req, user: UserInfo) => Promise<Res>, attrs: (req: Req) => Attributes) =>
      (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>): void => {
        const received = new Date();
        let who: { user: UserInfo; attributes: Attributes } | undefined;
        const audited = (code: number): void => {
          if (who && this.audit) this.audit.write({ ...who, requestURI: `/tinykube.Api/${method}`, sourceIPs: [call.getPeer()], code, received });
        };
        Promise.resolve()
          .then(() => {
            const user = peerUser(call);
            const attributes = attrs(call.request);
            who = { user, attributes };
            this.authorizer.check(user, attributes);
            return fn(call.request, user);
          })
          .then(
            (res) => {
              audited(200);
              return res;
            },
            (err: unknown) => {
              audited(err instanceof ApiError ? err.status.code ?? 500 : 500);
              throw err;
            },
          )
          .then(
          (res) => {
            this.metrics.grpcRequests.inc({ method, code: 'OK' });
            cb(null, res);
          },
          (err: unknown) => {
            const se = toServiceError(err);
            if (!(err instanceof ApiError)) this.log.error({ err, method }, 'grpc request failed');
            this.metrics.grpcRequests.inc({ method, code: grpc.status[se.code] ?? String(se.code) });
            cb(se);
          },
        );
      };
    const obj = (o: KubeObject): ObjectResponse => ({ object: enc(o) });
    /** Runs a write with Kubernetes' default field validation (Warn); dropped unknown fields and other warnings are logged. */
    const write = async (resource: string, user: UserInfo, fn: (opts: { warnings: Set<string>; user: UserInfo }) => Promise<KubeObject>): Promise<ObjectResponse> => {
      const warnings = new Set<string>();
      const out = await fn({ warnings, user });
      const dropped = [...warnings].filter((w) => w.startsWith('unknown field'));
      if (dropped.length) this.log.warn({ resource, warnings: dropped }, 'dropped unknown fields');
      const others = [...warnings].filter((w) => !w.startsWith('unknown field'));
      if (others.length) this.log.info({ resource, warnings: others }, 'write answered with warnings');
      return obj(out);
    };
    const at = (verb: string, req: { resource: string; namespace?: string; name?: string }, subresource = ''): Attributes => {
      const r = resourceOf(req.resource);
      return resourceAttributes({ verb, group: r.group, resource: r.plural, subresource, namespace: req.namespace ?? '', name: req.name ?? '' });
    };
    this.server.addService(loadApiService().service, {
      Get: unary<GetRequest, ObjectResponse>('Get', async (req) => obj(await registry.get(resourceOf(req.resource), req.namespace || undefined, req.name)), (req) => at('get', req)),
      List: unary<ListRequest, ListResponse>(
        'List',
        async (req) => {
          const page = { ...(req.limit ? { limit: Number(req.limit) } : {}), ...(req.continue ? { continue: req.continue } : {}) };
          const out = await registry.list(resourceOf(req.resource), req.namespace || undefined, { labelSelector: req.labelSelector, fieldSelector: req.fieldSelector, ...page });
          return { items: out.items.map(enc), resourceVersion: out.metadata.resourceVersion ?? '', continue: out.metadata.continue ?? '' };
        },
        (req) => at('list', req),
      ),
      Create: unary<WriteRequest, ObjectResponse>('Create', (req, user) => write(req.resource, user, (o) => registry.create(resourceOf(req.resource), req.namespace || undefined, dec(req.object), { ...o, dryRun: req.dryRun })), (req) => at('create', { ...req, name: '' })),
      Update: unary<WriteRequest, ObjectResponse>('Update', (req, user) => write(req.resource, user, (o) => registry.update(resourceOf(req.resource), req.namespace || undefined, req.name, dec(req.object), { ...o, dryRun: req.dryRun })), (req) => at('update', req)),
      UpdateStatus: unary<WriteRequest, ObjectResponse>(
        'UpdateStatus',
        (req, user) => write(req.resource, user, (o) => registry.update(resourceOf(req.resource), req.namespace || undefined, req.name, dec(req.object), { ...o, dryRun: req.dryRun, subresource: 'status' })),
        (req) => at('update', req, 'status'),
      ),
      Patch: unary<PatchRequest, ObjectResponse>(
        'Patch',
        (req, user) => write(req.resource, user, (o) => registry.patch(resourceOf(req.resource), req.namespace || undefined, req.name, req.patchType as PatchType, dec(req.patch), { ...o, ...(req.status ? { subresource: 'status' as const } : {}) })),
        (req) => at('patch', req, req.status ? 'status' : ''),
      ),
      Delete: unary<DeleteRequest, ObjectResponse>(
        'Delete',
        async (req, user) =>
          obj(
            await registry.delete(
              resourceOf(req.resource),
              req.namespace || undefined,
              req.name,
              {
                gracePeriodSeconds: req.gracePeriodSeconds >= 0 ? req.gracePeriodSeconds : undefined,
                propagationPolicy: (req.propagationPolicy || undefined) as never,
                preconditions: req.preconditionUid || req.preconditionResourceVersion ? { uid: req.preconditionUid || undefined, resourceVersion: req.preconditionResourceVersion || undefined } : undefined,
              },
              { user },
            ),
          ),
        (req) => at('delete', req),
      ),
      Bind: unary<BindRequest, object>(
        'Bind',
        async (req) => {
          await bindPod(registry, req.namespace, req.name, { metadata: { name: req.name, uid: req.podUid || undefined }, target: { kind: 'Node', name: req.nodeName } });
          return {};
        },
        (req) => at('create', { resource: 'pods', namespace: req.namespace, name: req.name }, 'binding'),
      ),
      CreateToken: unary<WriteRequest, ObjectResponse>(
        'CreateToken',
        async (req) => ({ object: enc(await tokens.request(await registry.get(R.serviceaccounts, req.namespace, req.name), dec(req.object) as TokenRequest)) }),
        (req) => at('create', { resource: 'serviceaccounts', namespace: req.namespace, name: req.name }, 'token'),
      ),
      ReviewAccess: unary<WriteRequest, ObjectResponse>(
        'ReviewAccess',
        async (req, user) => ({ object: enc(reviewAccess(this.authorizer, user, dec(req.object), '/apis/authorization.k8s.io/v1/subjectaccessreviews')) }),
        () => resourceAttributes({ verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews', subresource: '', namespace: '', name: '' }),
      ),
      Watch: (call: grpc.ServerWritableStream<WatchRequest, WatchEventMsg>) => this.watch(call),
    });
  }

  private watch(call: grpc.ServerWritableStream<WatchRequest, WatchEventMsg>): void {
    const req = call.request;
    let sub: { stop(): void } | undefined;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      sub?.stop();
      this.metrics.watchers.dec();
      call.end();
    };
    this.metrics.watchers.inc();
    call.on('cancelled', end);
    call.on('error', end);
    let r: ResourceInfo;
    try {
      r = resourceOf(req.resource);
      this.authorizer.check(peerUser(call), resourceAttributes({ verb: 'watch', group: r.group, resource: r.plural, namespace: req.namespace }));
    } catch (err) {
      call.write({ type: 'ERROR', object: enc((err as ApiError).status) });
      end();
      return;
    }
    this.registry
      .watch(
        r,
        req.namespace || undefined,
        { labelSelector: req.labelSelector, fieldSelector: req.fieldSelector, resourceVersion: req.resourceVersion || undefined },
        (e) => {
          if (!ended) call.write({ type: e.type, object: enc(e.object) });
        },
        () => {
          if (!ended) call.write({ type: 'ERROR', object: enc(errors.gone('the watch cache was reset; please relist').status) });
          end();
        },
      )
      .then(
        (s) => {
          sub = s;
          if (ended) s.stop();
        },
        (err: unknown) => {
          const status = err instanceof ApiError ? err.status : statusFailure(500, 'InternalError', String(err));
          if (!ended) call.write({ type: 'ERROR', object: enc(status) });
          end();
        },
      );
  }

  /** Serves on TLS; a client must present a certificate the cluster CA signed (mutual TLS). */
  async listen(address: string, tls: { cert: string; key: string; clientCa: string }): Promise<number> {
    const creds = grpc.ServerCredentials.createSsl(Buffer.from(tls.clientCa), [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }], true);
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  async close(): Promise<void> {
    this.server.forceShutdown();
  }
}

