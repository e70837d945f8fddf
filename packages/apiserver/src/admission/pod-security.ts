// Kubernetes' Pod Security admission: a namespace's labels pod-security.kubernetes.io/enforce,
// warn and audit (each with a -version, of which only `latest` is evaluated here) name a level,
// privileged, baseline or restricted. A pod that violates the enforce level is refused in
// Kubernetes' words; the warn level answers with a Warning (kubectl prints it), for pods and for
// the pod templates of workloads; the audit level's violations go into the request's audit event
// as Kubernetes' annotations. Levels missing from the labels come from the configuration's
// defaults (privileged unless --admission-control-config-file says otherwise); exempt users and
// namespaces are not checked (and the audit event says so).
import { errors, type KubeObject, type Namespace, type Pod, type PodTemplateSpec } from '@tinykube/api';
import type { AdmissionPlugin, Attributes } from './admission';
import type { NamespaceLookup } from './namespace-lifecycle';
import { LEVELS, podSecurityViolations, type Level } from './pod-security-checks';

export type Mode = 'enforce' | 'audit' | 'warn';

export interface PodSecurityConfig {
  defaults: Partial<Record<Mode, Level>>;
  exemptions: { usernames: string[]; namespaces: string[] };
}

export const DEFAULT_POD_SECURITY: PodSecurityConfig = { defaults: {}, exemptions: { usernames: [], namespaces: ['kube-system'] } };

const LABEL = 'pod-security.kubernetes.io/';
const TEMPLATE_KINDS = new Set(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController', 'CronJob']);

/** A label's level; one that is not a level is evaluated as restricted, as Kubernetes does. */
function levelOf(value: string | undefined, fallback: Level | undefined): Level {
  if (value === undefined) return fallback ?? 'privileged';
  return (LEVELS as readonly string[]).includes(value) ? (value as Level) : 'restricted';
}

export class PodSecurity implements AdmissionPlugin {
  readonly name = 'PodSecurity';

  constructor(
    private readonly namespaces: NamespaceLookup,
    private readonly config: PodSecurityConfig = DEFAULT_POD_SECURITY,
  ) {}

  async validate(a: Attributes): Promise<void> {
    if (a.operation === 'DELETE' || a.subresource || !a.object || !a.namespace) return;
    const isPod = a.resource.kind === 'Pod';
    if (!isPod && !TEMPLATE_KINDS.has(a.resource.kind)) return;
    // Kubernetes checks a pod when it is made; an update changes no field the levels look at.
    if (isPod && a.operation !== 'CREATE') return;
    const note = (k: string, v: string): void => {
      if (a.auditAnnotations) a.auditAnnotations[`${LABEL}${k}`] = v;
    };
    if (this.config.exemptions.namespaces.includes(a.namespace)) return note('exempt', 'namespace');
    if (a.user && this.config.exemptions.usernames.includes(a.user.name)) return note('exempt', 'user');
    const ns = (this.namespaces.cached(a.namespace) ?? (await this.namespaces.read(a.namespace))) as Namespace | undefined;
    const labels = ns?.metadata.labels ?? {};
    const level = (mode: Mode): Level => levelOf(labels[`${LABEL}${mode}`], this.config.defaults[mode]);
    // A CronJob's pods are in its job template's template.
    const spec = (a.object as KubeObject & { spec?: { template?: PodTemplateSpec; jobTemplate?: { spec?: { template?: PodTemplateSpec } } } }).spec;
    const pod: Pick<Pod, 'spec' | 'metadata'> | undefined = isPod ? (a.object as Pod) : ((a.resource.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template) as Pick<Pod, 'spec' | 'metadata'> | undefined);
    if (!pod?.spec) return;
    const version = (mode: Mode): string => (labels[`${LABEL}${mode}-version`] ?? 'latest') === 'latest' ? 'latest' : (labels[`${LABEL}${mode}-version`] as string);
    const enforce = level('enforce');
    if (isPod) note('enforce-policy', `${enforce}:${version('enforce')}`);
    const audit = level('audit');
    const audited = podSecurityViolations(audit, pod);
    if (audited.length) note('audit-violations', `would violate PodSecurity "${audit}:${version('audit')}": ${audited.join(', ')}`);
    if (isPod) {
      const broken = podSecurityViolations(enforce, pod);
      if (broken.length) throw errors.forbidden(`pods "${a.name}" is forbidden: violates PodSecurity "${enforce}:${version('enforce')}": ${broken.join(', ')}`);
    }
    const warn = level('warn');
    // A workload's template is warned about at the enforce level too, as Kubernetes does.
    for (const [lvl, v] of isPod ? ([[warn, version('warn')]] as const) : ([[enforce, version('enforce')], [warn, version('warn')]] as const)) {
      const broken = podSecurityViolations(lvl, pod);
      if (broken.length) a.warnings?.add(`would violate PodSecurity "${lvl}:${v}": ${broken.join(', ')}`);
    }
  }
}
