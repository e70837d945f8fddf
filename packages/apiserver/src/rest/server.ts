// The REST front door: Kubernetes paths and shapes over the shared registry.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { BOOTSTRAP_TOKEN, errors, statusFailure, timestamp, qualifiedResource, type CertificateSigningRequest, type Secret, type SelfSubjectReview, type TokenRequest, resourceByPlural, type KubeObject, type ResourceInfo } from '@tinykube/api';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { patchTypeOf } from '../patch';
import type { DeleteOptions, FieldValidation, Registry } from '../registry';
import { AGGREGATED_CONTENT_TYPE, aggregatedDiscovery, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, VERSION_INFO, wantsAggregated } from './discovery';
import { openapiDocument, openapiRoot } from '../openapi/documents';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ACCEPT, openapiV2Json, openapiV2Protobuf } from '../openapi/openapi-v2';
import { managerFromUserAgent } from '../server-side-apply';
import type { HealthChecks } from '@tinykube/daemon';
import { parseJson, parseYamlBody } from '../decode';
import { exchanged, parseAccept, parseBody, readBody, sendError, sendJson, type Accept } from './http-util';
import type { AuditLog } from '../audit';
import { bindPod } from '../subresources/binding';
import { evictPod } from '../subresources/eviction';
import { toTable } from './table';
import { forbiddenMessage, requestAttributes } from '../authz/attributes';
import type { Authorizer } from '../authz/authorizer';
import { reviewAccess, reviewRules } from '../authz/reviews';
import { impersonatedUser } from '../authn/impersonation';
import { ANONYMOUS, isPublicInfo, userFromClientCertificate, type UserInfo } from '../authn/user';
import type { ServiceAccountTokens } from '../authn/service-account-tokens';
import { authenticateBootstrapToken, type SecretReader } from '../authn/bootstrap-tokens';

export interface RestOptions {
  registry: Registry;
  log: Logger;
  metrics: Metrics;
  /** /livez, /readyz and /healthz checks. */
  health: HealthChecks;
  /** Extra handlers (pod logs, exec) registered by other parts of the apiserver. */
  podSubresources?: Record<string, (req: IncomingMessage, res: ServerResponse, ns: string, name: string, query: URLSearchParams) => Promise<void>>;
  /** Connection upgrades (pods/exec over WebSocket), for authenticated users. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** The serving certificate and key, and the CA whose client certificates authenticate users (PEM). */
  tls: { cert: string; key: string; clientCa: string };
  /** Let unauthenticated requests read the public info paths (Kubernetes' --anonymous-auth, default true). */
  anonymousAuth: boolean;
  /** Decides what each user may do (--authorization-mode). */
  authorizer: Authorizer;
  /** The audit log, when --audit-log-path is given. */
  audit?: AuditLog;
  /** Issues (TokenRequest) and authenticates ServiceAccount tokens. */
  tokens: ServiceAccountTokens;
}

const UNAUTHORIZED = statusFailure(401, 'Unauthorized', 'Unauthorized');

interface Target {
  r: ResourceInfo;
  ns?: string;
  name?: string;
  sub?: string;
}

/** Resolves `/api/v1/...` and `/apis/<group>/<version>/...` into a resource target. */
export function parseResourcePath(path: string): Target | undefined {
  const segs = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group = '';
  let rest: string[];
  if (segs[0] === 'api' && segs[1] === 'v1') rest = segs.slice(2);
  else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1] as string;
    const version = segs[2] as string;
    rest = segs.slice(3);
    if (version !== 'v1') return undefined;
  } else return undefined;
  if (rest.length === 0) return undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const r = resourceByPlural(group, rest[2] as string);
    if (!r || !r.namespaced) return undefined;
    if (rest.length > 5) return undefined;
    return { r, ns: rest[1], name: rest[3], sub: rest[4] };
  }
  const r = resourceByPlural(group, rest[0] as string);
  if (!r || rest.length > 3) return undefined;
  return { r, name: rest[1], sub: rest[2] };
}

/** A connection upgrade (exec, attach, port-forward) is authorized as a create of the subresource, as Kubernetes does for WebSockets. */
function upgradeAttributes(req: IncomingMessage): ReturnType<typeof requestAttributes> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const a = requestAttributes('GET', url.pathname, url.searchParams);
  return ['exec', 'attach', 'portforward'].includes(a.subresource) ? { ...a, verb: 'create' } : a;
}

function boolParam(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v === 'true' || v === '1';
}

/** The fieldValidation parameter; Kubernetes' server default is Warn. */
function fieldValidation(q: URLSearchParams): FieldValidation | undefined {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return undefined;
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation: Invalid value: "${v}": must be one of Ignore, Warn or Strict`);
}

function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = (body && typeof body === 'object' ? body : {}) as DeleteOptions & { orphanDependents?: boolean };
  const opts: DeleteOptions = {};
  const grace = q.get('gracePeriodSeconds') ?? (b.gracePeriodSeconds !== undefined ? String(b.gracePeriodSeconds) : null);
  if (grace !== null) opts.gracePeriodSeconds = Number(grace);
  const policy = q.get('propagationPolicy') ?? b.propagationPolicy ?? (b.orphanDependents || q.get('orphanDependents') === 'true' ? 'Orphan' : undefined);
  if (policy) {
    if (!['Foreground', 'Background', 'Orphan'].includes(policy)) throw errors.badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  }
  if (b.preconditions) opts.preconditions = b.preconditions;
  return opts;
}

/** `limit`: a non-negative integer; 0 means no limit, as in Kubernetes. */
function limitParam(q: URLSearchParams): number | undefined {
  const v = q.get('limit');
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw errors.badRequest(`limit: Invalid value: "${v}": must be a non-negative integer`);
  return Number(v) || undefined;
}

export class RestServer {
  readonly server: Server;

  constructor(private readonly opts: RestOptions) {
    // Client certificates are asked for, not required: a request without one is anonymous, and
    // gets a 401 in Kubernetes' shape rather than a failed handshake.
    this.server = createServer({ cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const started = process.hrtime.bigint();
      void this.authenticated(req, res)
        .catch((err: unknown) => {
          if ((err as { status?: { code?: number } })?.status?.code === undefined) this.opts.log.error({ err, url: req.url }, 'request failed');
          sendError(res, err);
        })
        .finally(() => {
          const secs = Number(process.hrtime.bigint() - started) / 1e9;
          this.opts.metrics.requestDuration.observe({ verb: req.method ?? '', code: String(res.statusCode) }, secs);
        });
    });
    this.server.keepAliveTimeout = 65_000;
    const onUpgrade = opts.onUpgrade;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.authenticate(req).then((user) => {
        const refuse = (code: number, text: string, status: unknown): void => {
          const body = JSON.stringify(status);
          socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        };
        if (!onUpgrade) return refuse(404, 'Not Found', statusFailure(404, 'NotFound', 'the server could not find the requested resource'));
        if (!user || user === ANONYMOUS) return refuse(401, 'Unauthorized', UNAUTHORIZED);
        const attributes = upgradeAttributes(req);
        const d = this.opts.authorizer.authorize(user, attributes);
        if (d.decision !== 'allow') return refuse(403, 'Forbidden', statusFailure(403, 'Forbidden', forbiddenMessage(user.name, attributes, d.reason)));
        onUpgrade(req, socket, head);
      });
    });
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * The request's user, by Kubernetes' authenticators in order: the client certificate, then a
   * bearer token (a bootstrap token or a ServiceAccount's; one that is not valid is a 401 even on
   * public paths),
   * then anonymous on the public paths only. Undefined means 401.
   */
  private readonly secrets: SecretReader = { get: (r, ns, name) => this.opts.registry.get(r, ns, name) as Promise<Secret> };

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const user = userFromClientCertificate(req);
    if (user) return user;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) return BOOTSTRAP_TOKEN.test(bearer) ? authenticateBootstrapToken(bearer, this.secrets) : this.opts.tokens.authenticate(bearer);
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    if (this.opts.anonymousAuth && isPublicInfo(req.method ?? 'GET', path)) return ANONYMOUS;
    return undefined;
  }

  private async authenticated(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const user = await this.authenticate(req);
    if (!user) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(UNAUTHORIZED));
      return;
    }
    const url = new URL(req.url ?? '/', 'https://localhost');
    let acting = user;
    try {
      acting = impersonatedUser(req.headers, (a) => this.opts.authorizer.check(user, a)) ?? user;
    } catch (err) {
      if ((err as { badRequest?: boolean }).badRequest) throw errors.badRequest((err as Error).message);
      throw err;
    }
    const attributes = requestAttributes(req.method ?? 'GET', url.pathname.replace(/\/+$/, '') || '/', url.searchParams);
    const decision = this.opts.authorizer.authorize(acting, attributes);
    const audit = this.opts.audit;
    const auditAnnotations: Record<string, string> = {};
    if (audit) {
      const received = new Date();
      const auditID = randomUUID();
      res.setHeader('Audit-Id', auditID);
      const about = { auditID, user: acting, attributes, requestURI: req.url ?? '/', sourceIPs: [req.socket.remoteAddress ?? ''], ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}), received };
      audit.write({ ...about, stage: 'RequestReceived', code: 0 });
      res.once('finish', () => {
        const raw = exchanged.requests.get(req);
        let requestObject: unknown;
        try {
          // The apiserver's own decoder: a body it refused (too deep, not JSON) is logged without it.
          requestObject = raw?.length ? parseJson(raw) : undefined;
        } catch {
          requestObject = undefined;
        }
        audit.write({ ...about, code: res.statusCode, decision, requestObject, responseObject: exchanged.responses.get(res), annotations: auditAnnotations });
      });
    }
    if (decision.decision !== 'allow') throw errors.forbidden(forbiddenMessage(acting.name, attributes, decision.reason));
    return this.handle(req, res, acting, auditAnnotations);
  }

  private async handle(req: IncomingMessage, res: ServerResponse, user: UserInfo, auditAnnotations: Record<string, string>): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      if (this.opts.health.handle(req, res)) return;
      switch (path) {
        case '/version':
          return sendJson(res, 200, VERSION_INFO);
        case '/metrics': {
          const text = await this.opts.metrics.registry.metrics();
          res.writeHead(200, { 'Content-Type': this.opts.metrics.registry.contentType });
          res.end(text);
          return;
        }
        case '/api':
        case '/apis': {
          const aggregated = wantsAggregated(req.headers.accept);
          if (aggregated) {
            const body = JSON.stringify(aggregatedDiscovery(path === '/api', aggregated));
            res.writeHead(200, { 'Content-Type': AGGREGATED_CONTENT_TYPE.replace('v=v2', `v=${aggregated}`), 'Content-Length': Buffer.byteLength(body) });
            res.end(body);
            return;
          }
          if (path === '/apis') return sendJson(res, 200, apiGroupList());
          return sendJson(res, 200, apiVersions(`${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? ''}`));
        }
        case '/api/v1':
          return sendJson(res, 200, apiResourceList('v1'));
        case '/openapi/v3':
          return sendJson(res, 200, openapiRoot());
        case '/openapi/v2': {
          if (!OPENAPI_V2_PROTOBUF_ACCEPT.test(String(req.headers.accept ?? ''))) return sendJson(res, 200, openapiV2Json());
          const body = openapiV2Protobuf();
          res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF, 'Content-Length': body.length });
          res.end(body);
          return;
        }
      }
      const om = /^\/openapi\/v3\/(?:api\/(v1)|apis\/(.+))$/.exec(path);
      if (om) {
        const doc = openapiDocument(om[1] ?? om[2]!);
        if (doc) return sendJson(res, 200, doc);
      }
      const gm = path.match(/^\/apis\/([^/]+)(?:\/([^/]+))?$/);
      if (gm) {
        const doc = gm[2] ? apiResourceList(`${gm[1]}/${gm[2]}`) : apiGroupDoc(gm[1] as string);
        if (doc) return sendJson(res, 200, doc);
      }
    }
    if (method === 'POST' && path === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
      await readBody(req);
      const review: SelfSubjectReview = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
        metadata: { creationTimestamp: timestamp() },
        status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } },
      };
      return sendJson(res, 201, review);
    }
    if (method === 'POST' && /^\/apis\/authorization\.k8s\.io\/v1\/(selfsubjectaccessreviews|subjectaccessreviews|selfsubjectrulesreviews|namespaces\/[^/]+\/localsubjectaccessreviews)$/.test(path)) {
      const review = parseBody(await readBody(req), req.headers['content-type']);
      const kind = path.endsWith('selfsubjectrulesreviews') ? 'rules' : 'access';
      return sendJson(res, 201, kind === 'rules' ? reviewRules(this.opts.authorizer, user, review) : reviewAccess(this.opts.authorizer, user, review, path));
    }
    const t = parseResourcePath(path);
    if (!t) {
      sendJson(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
      return;
    }
    const accept = parseAccept(req.headers.accept, q.get('includeObject') ?? undefined);
    if (!accept.json && !accept.table) throw errors.notAcceptable('only application/json and Table responses are served');
    await this.route(req, res, t, q, method, accept, user, auditAnnotations);
  }

  private async route(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, method: string, accept: Accept, user: UserInfo, auditAnnotations: Record<string, string>): Promise<void> {
    const { registry } = this.opts;
    const { r, ns, name, sub } = t;
    const wopts = {
      user,
      dryRun: q.getAll('dryRun').includes('All'),
      fieldManager: q.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']),
      force: q.get('force') === 'true',
      fieldValidation: fieldValidation(q),
      warnings: new Set<string>(),
      auditAnnotations,
    };
    const body = async (): Promise<unknown> => parseBody(await readBody(req), req.headers['content-type']);
    /** A patch is JSON, or YAML for server-side apply, by its patch type. */
    const patchBody = async (): Promise<unknown> => {
      const type = patchTypeOf(req.headers['content-type']);
      const buf = await readBody(req);
      return type === 'apply' ? parseYamlBody(buf) : parseJson(buf);
    };
    /** DeleteOptions may come as a body, or not at all. */
    const optionalBody = async (): Promise<unknown> => (Number(req.headers['content-length'] ?? 0) > 0 ? body() : undefined);
    const reply = (code: number, obj: KubeObject): void => {
      // Warnings as Kubernetes sends them: code 299, agent "-", the text quoted.
      if (wopts.warnings.size) res.setHeader('Warning', [...wopts.warnings].map((w) => `299 - ${JSON.stringify(w)}`));
      sendJson(res, code, accept.table && !sub ? toTable(registry.strategies.for(r).printer, [obj], obj.metadata.resourceVersion, accept.includeObject) : obj);
    };

    if (!name) {
      const list = { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };
      const page = { limit: limitParam(q), continue: q.get('continue') ?? undefined };
      switch (method) {
        case 'GET': {
          if (boolParam(q, 'watch')) return this.watch(req, res, r, ns, { ...list, resourceVersion: q.get('resourceVersion') ?? undefined }, q, accept);
          const out = await registry.list(r, ns, { ...list, ...page });
          if (!accept.table) return sendJson(res, 200, out);
          const table = toTable(registry.strategies.for(r).printer, out.items, out.metadata.resourceVersion, accept.includeObject);
          return sendJson(res, 200, { ...table, metadata: out.metadata });
        }
        case 'POST':
          return reply(201, await registry.create(r, ns, await body(), wopts));
        case 'DELETE':
          return sendJson(res, 200, await registry.deleteCollection(r, ns, list, deleteOptions(q, await optionalBody())));
        default:
          throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
      }
    }

    if (r.kind === 'CertificateSigningRequest' && sub === 'approval') {
      if (method !== 'PUT') throw errors.methodNotAllowed('approval only supports PUT');
      const b = (await body()) as Partial<CertificateSigningRequest>;
      const cur = (await registry.get(r, undefined, name)) as CertificateSigningRequest;
      // This path changes only the Approved and Denied conditions (the signer's go through status).
      const now = timestamp();
      const approvals = (Array.isArray(b?.status?.conditions) ? b.status.conditions : []).filter((c) => c?.type === 'Approved' || c?.type === 'Denied').map((c) => ({ ...c, lastUpdateTime: c.lastUpdateTime ?? now, lastTransitionTime: c.lastTransitionTime ?? now }));
      const others = (cur.status?.conditions ?? []).filter((c) => c.type !== 'Approved' && c.type !== 'Denied');
      const rv = typeof b?.metadata?.resourceVersion === 'string' ? b.metadata.resourceVersion : cur.metadata.resourceVersion;
      const next = { ...cur, metadata: { ...cur.metadata, resourceVersion: rv }, status: { ...cur.status, conditions: [...approvals, ...others] } };
      return reply(200, await registry.update(r, undefined, name, next, { ...wopts, subresource: 'status' }));
    }
    if (r.kind === 'ServiceAccount' && sub === 'token') {
      if (method !== 'POST') throw errors.methodNotAllowed('token only supports POST');
      const sa = await registry.get(r, ns, name);
      return sendJson(res, 201, await this.opts.tokens.request(sa, (await body()) as unknown as TokenRequest));
    }
    if (r.kind === 'Pod' && sub === 'eviction') {
      if (method !== 'POST') throw errors.methodNotAllowed('eviction only supports POST');
      return sendJson(res, 201, await evictPod(registry, ns as string, name, await body(), wopts));
    }
    if (sub && sub !== 'status' && sub !== 'scale' && !(r.kind === 'Pod' && sub === 'binding')) {
      const extra = r.kind === 'Pod' ? this.opts.podSubresources?.[sub] : undefined;
      if (extra) return extra(req, res, ns as string, name, q);
      throw errors.notFound(`${qualifiedResource(r)}/${sub}`, name);
    }
    if (sub === 'binding') {
      if (method !== 'POST') throw errors.methodNotAllowed('binding only supports POST');
      await bindPod(registry, ns as string, name, await body());
      return sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    if (sub === 'scale') {
      switch (method) {
        case 'GET':
          return sendJson(res, 200, await registry.getScale(r, ns as string, name));
        case 'PUT':
          return sendJson(res, 200, await registry.updateScale(r, ns as string, name, await body(), undefined, wopts));
        case 'PATCH':
          return sendJson(res, 200, await registry.updateScale(r, ns as string, name, await patchBody(), patchTypeOf(req.headers['content-type']), wopts));
        default:
          throw errors.methodNotAllowed('scale supports GET, PUT and PATCH');
      }
    }
    const subresource = sub === 'status' ? ('status' as const) : undefined;
    switch (method) {
      case 'GET':
        return reply(200, await registry.get(r, ns, name));
      case 'PUT':
        return reply(200, await registry.update(r, ns, name, await body(), { ...wopts, subresource }));
      case 'PATCH': {
        const type = patchTypeOf(req.headers['content-type']);
        const patch = await patchBody();
        return reply(200, await registry.patch(r, ns, name, type, patch, { ...wopts, subresource }));
      }
      case 'DELETE': {
        if (subresource) throw errors.methodNotAllowed('the status subresource cannot be deleted');
        const out = await registry.delete(r, ns, name, deleteOptions(q, await optionalBody()), wopts);
        return reply(out.metadata.deletionTimestamp ? 202 : 200, out);
      }
      default:
        throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
  }

  /** Streams newline-delimited watch events until the client goes, the timeout passes or the cache resets. */
  private async watch(
    req: IncomingMessage,
    res: ServerResponse,
    r: ResourceInfo,
    ns: string | undefined,
    opts: { labelSelector?: string; fieldSelector?: string; resourceVersion?: string },
    q: URLSearchParams,
    accept: Accept,
  ): Promise<void> {
    const timeout = Number(q.get('timeoutSeconds') ?? 1800);
    let headerSent = false;
    let columnsSent = false;
    const writeHead = (): void => {
      if (headerSent) return;
      headerSent = true;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
      res.flushHeaders();
    };
    const write = (type: string, object: unknown): void => {
      writeHead();
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    let sub: { stop(): void } | undefined;
    let timer: NodeJS.Timeout | undefined = undefined;
    const finish = (): void => {
      sub?.stop();
      if (timer) clearTimeout(timer);
      writeHead();
      res.end();
    };
    this.opts.metrics.watchers.inc();
    res.on('close', () => {
      this.opts.metrics.watchers.dec();
      sub?.stop();
      if (timer) clearTimeout(timer);
    });
    try {
      sub = await this.opts.registry.watch(
        r,
        ns,
        opts,
        (e) => {
          if (accept.table) {
            write(e.type, toTable(this.opts.registry.strategies.for(r).printer, [e.object], e.object.metadata.resourceVersion, accept.includeObject, !columnsSent));
            columnsSent = true;
          } else write(e.type, e.object);
        },
        () => {
          write('ERROR', errors.gone('the watch cache was reset; please relist').status);
          finish();
        },
      );
    } catch (err) {
      if ((err as { status?: { code?: number } }).status?.code === 410) {
        write('ERROR', (err as { status: unknown }).status);
        finish();
        return;
      }
      throw err;
    }
    writeHead();
    if (req.destroyed || res.destroyed) sub.stop();
    timer = setTimeout(finish, Math.max(1, timeout) * 1000);
  }
}
