// Kubernetes' audit log: audit.k8s.io/v1 Events as JSON lines in --audit-log-path, at the level
// the --audit-policy-file's first matching rule gives (None, Metadata, Request, RequestResponse),
// one at each stage of a request (RequestReceived, ResponseComplete) that neither the policy's
// nor the rule's omitStages leaves out, sharing one auditID. Secrets are never logged above
// Metadata, whatever the policy says, so their values never reach the log.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { Attributes } from '@tinykube/api';
import type { UserInfo } from './authn/user';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
const LEVELS: AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
const STAGES: AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

interface PolicyRule {
  level: AuditLevel;
  omitStages?: AuditStage[];
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: { group?: string; resources?: string[]; resourceNames?: string[] }[];
  namespaces?: string[];
  nonResourceURLs?: string[];
}

export interface AuditRecord {
  /** Shared by a request's events; made here when absent. */
  auditID?: string;
  /** ResponseComplete unless said. */
  stage?: AuditStage;
  user: UserInfo;
  attributes: Attributes;
  requestURI: string;
  sourceIPs: string[];
  userAgent?: string;
  apiVersion?: string;
  code: number;
  received: Date;
  decision?: { decision: string; reason: string };
  requestObject?: unknown;
  responseObject?: unknown;
  /** What admission added for the audit log (Pod Security's audit mode). */
  annotations?: Record<string, string>;
}

const matches = (list: string[] | undefined, v: string): boolean => !list || list.length === 0 || list.includes('*') || list.includes(v);

function ruleMatches(r: PolicyRule, user: UserInfo, a: Attributes): boolean {
  if (r.users?.length && !r.users.includes(user.name)) return false;
  if (r.userGroups?.length && !r.userGroups.some((g) => user.groups.includes(g))) return false;
  if (!matches(r.verbs, a.verb)) return false;
  if (!a.resourceRequest) return !r.resources?.length && !r.namespaces?.length && (!r.nonResourceURLs?.length || r.nonResourceURLs.some((u) => u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1)))));
  if (r.nonResourceURLs?.length) return false;
  if (r.namespaces?.length && !r.namespaces.includes(a.namespace)) return false;
  if (!r.resources?.length) return true;
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return r.resources.some((g) => (g.group ?? '') === a.apiGroup || g.group === '*' ? (!g.resources?.length || g.resources.some((x) => x === '*' || x === full || x === a.resource || x === `*/${a.subresource}`)) && (!g.resourceNames?.length || g.resourceNames.includes(a.name)) : false);
}

export class AuditLog {
  private readonly out: fs.WriteStream;

  constructor(
    file: string,
    private readonly rules: PolicyRule[],
    private readonly omitStages: AuditStage[] = [],
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.out = fs.createWriteStream(file, { flags: 'a', mode: 0o600 });
    // A log that cannot be written must not take the apiserver down with it.
    this.out.on('error', (err) => process.stderr.write(`tk-apiserver: audit log ${file}: ${err.message}\n`));
  }

  static fromFiles(logPath: string, policyFile: string): AuditLog {
    const doc = parse(fs.readFileSync(policyFile, 'utf8')) as { kind?: string; rules?: PolicyRule[]; omitStages?: AuditStage[] };
    if (doc?.kind !== 'Policy') throw new Error(`${policyFile}: kind must be Policy (audit.k8s.io/v1)`);
    const checkStages = (field: string, stages: unknown): void => {
      if (stages === undefined) return;
      if (!Array.isArray(stages)) throw new Error(`${policyFile}: ${field}: must be a list of stages`);
      stages.forEach((st, j) => {
        if (!STAGES.includes(st as AuditStage)) throw new Error(`${policyFile}: ${field}[${j}]: Unsupported value: "${String(st)}": supported values: ${STAGES.map((x) => `"${x}"`).join(', ')}`);
      });
    };
    checkStages('omitStages', doc.omitStages);
    (doc.rules ?? []).forEach((r, i) => {
      if (!LEVELS.includes(r.level)) throw new Error(`${policyFile}: rules[${i}].level: Unsupported value: "${String(r.level)}": supported values: ${LEVELS.map((l) => `"${l}"`).join(', ')}`);
      checkStages(`rules[${i}].omitStages`, r.omitStages);
    });
    return new AuditLog(logPath, doc.rules ?? [], doc.omitStages ?? []);
  }

  /** The level of a request: the first matching rule's, at most Metadata for Secrets. */
  level(user: UserInfo, a: Attributes): AuditLevel {
    const level = this.rules.find((r) => ruleMatches(r, user, a))?.level ?? 'None';
    return a.resourceRequest && a.apiGroup === '' && a.resource === 'secrets' && level !== 'None' ? 'Metadata' : level;
  }

  private omitted(user: UserInfo, a: Attributes, stage: AuditStage): boolean {
    return this.omitStages.includes(stage) || (this.rules.find((r) => ruleMatches(r, user, a))?.omitStages ?? []).includes(stage);
  }

  write(rec: AuditRecord): void {
    const level = this.level(rec.user, rec.attributes);
    const stage = rec.stage ?? 'ResponseComplete';
    if (level === 'None' || this.omitted(rec.user, rec.attributes, stage)) return;
    const complete = stage === 'ResponseComplete';
    // A create names its object in the body, as Kubernetes fills objectRef.name from it.
    const bodyName = (rec.requestObject as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
    const a = !rec.attributes.name && typeof bodyName === 'string' ? { ...rec.attributes, name: bodyName } : rec.attributes;
    const event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level,
      auditID: rec.auditID ?? randomUUID(),
      stage,
      requestURI: rec.requestURI,
      verb: a.verb,
      user: { username: rec.user.name, ...(rec.user.uid ? { uid: rec.user.uid } : {}), groups: rec.user.groups, ...(rec.user.extra ? { extra: rec.user.extra } : {}) },
      sourceIPs: rec.sourceIPs,
      ...(rec.userAgent ? { userAgent: rec.userAgent } : {}),
      ...(a.resourceRequest ? { objectRef: { resource: a.resource, ...(a.namespace ? { namespace: a.namespace } : {}), ...(a.name ? { name: a.name } : {}), apiGroup: a.apiGroup, apiVersion: rec.apiVersion ?? 'v1', ...(a.subresource ? { subresource: a.subresource } : {}) } } : {}),
      ...(complete ? { responseStatus: { metadata: {}, code: rec.code } } : {}),
      ...(complete && level !== 'Metadata' && rec.requestObject !== undefined ? { requestObject: rec.requestObject } : {}),
      ...(complete && level === 'RequestResponse' && rec.responseObject !== undefined ? { responseObject: rec.responseObject } : {}),
      requestReceivedTimestamp: rec.received.toISOString(),
      stageTimestamp: new Date().toISOString(),
      ...(rec.decision || (rec.annotations && Object.keys(rec.annotations).length)
        ? { annotations: { ...(rec.decision ? { 'authorization.k8s.io/decision': rec.decision.decision === 'allow' ? 'allow' : 'forbid', 'authorization.k8s.io/reason': rec.decision.reason } : {}), ...rec.annotations } }
        : {}),
    };
    let line: string;
    try {
      line = JSON.stringify(event);
    } catch {
      // A body JSON cannot write back is left out rather than the event.
      const { requestObject: _q, responseObject: _r, ...bare } = event as Record<string, unknown>;
      line = JSON.stringify(bare);
    }
    this.out.write(`${line}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}
