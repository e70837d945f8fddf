// Validation of every served kind, returning Kubernetes-style field errors with paths.
import type { DaemonSet, Deployment, Lease, ReplicaSet, ReplicationController, StatefulSet } from './apps';
import { JOB_CONTROLLER_UID, type CronJob, type Job } from './batch';
import type { PodDisruptionBudget } from './policy';
import type { EndpointSlice } from './discovery';
import { computeQuotaResource, countedResource, type LimitRange, type ResourceQuota } from './quota';
import { scheduleError, timeZoneError } from './cron-schedule';
import type { Container, DownwardAPIVolumeFile, Endpoints, KeyToPath, Node, PersistentVolumeClaim, Pod, PodSpec, Probe, Service, ServicePort, Volume } from './core';
import type { FieldError } from './errors';
import { isValidIntOrPercent, scaledValue } from './intstr';
import type { KubeObject, LabelSelector, ObjectMeta } from './meta';
import { isDns1123Label, isDns1123Subdomain, isEnvVarName, isIanaSvcName, isLabelValue, isQualifiedName } from './names';
import { isCidr, isIPv4 } from './net';
import { isValidQuantity, parseQuantity } from './quantity';
import { selectorFromLabelSelector } from './selectors';

/** Collects field errors; one instance per object validated. */
export class Errs {
  readonly list: FieldError[] = [];
  required(field: string, detail = ''): void {
    this.list.push({ field, type: 'FieldValueRequired', detail });
  }
  invalid(field: string, value: unknown, detail: string): void {
    this.list.push({ field, type: 'FieldValueInvalid', value, detail });
  }
  notSupported(field: string, value: unknown, supported: readonly string[]): void {
    this.list.push({ field, type: 'FieldValueNotSupported', value, detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` });
  }
  duplicate(field: string, value: unknown): void {
    this.list.push({ field, type: 'FieldValueDuplicate', value, detail: '' });
  }
  forbidden(field: string, detail: string): void {
    this.list.push({ field, type: 'FieldValueForbidden', detail });
  }
  each(field: string, value: unknown, msgs: string[]): void {
    for (const m of msgs) this.invalid(field, value, m);
  }
  enumOf(field: string, value: unknown, allowed: readonly string[]): void {
    if (value !== undefined && !allowed.includes(value as string)) this.notSupported(field, value, allowed);
  }
  nonNegative(field: string, value: unknown): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value)) this.invalid(field, value, 'must be an integer');
    else if (value < 0) this.invalid(field, value, 'must be greater than or equal to 0');
  }
  port(field: string, value: unknown, allowZero = false): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65535)
      this.invalid(field, value, `must be between ${allowZero ? 0 : 1} and 65535, inclusive`);
  }
}

export type NameRule = 'subdomain' | 'label' | 'path';

/** Kubernetes' IsValidPathSegmentName: the names of RBAC objects (`system:node`). */
function pathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return [...(name.includes('/') ? ["may not contain '/'"] : []), ...(name.includes('%') ? ["may not contain '%'"] : [])];
}

function isObject<T>(v: T): v is NonNullable<T> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateLabels(e: Errs, field: string, labels: unknown): void {
  if (labels === undefined || labels === null) return;
  if (!isObject(labels)) return e.invalid(field, labels, 'must be a map of string keys to string values');
  for (const [k, v] of Object.entries(labels)) {
    e.each(field, k, isQualifiedName(k));
    if (typeof v !== 'string') e.invalid(`${field}`, v, 'label values must be strings');
    else e.each(field, v, isLabelValue(v));
  }
}

function validateAnnotations(e: Errs, field: string, ann: unknown): void {
  if (ann === undefined || ann === null) return;
  if (!isObject(ann)) return e.invalid(field, ann, 'must be a map of string keys to string values');
  let total = 0;
  for (const [k, v] of Object.entries(ann)) {
    e.each(field, k, isQualifiedName(k.toLowerCase()));
    if (typeof v !== 'string') e.invalid(`${field}`, v, 'annotation values must be strings');
    total += k.length + String(v).length;
  }
  if (total > 256 * 1024) e.list.push({ field, type: 'FieldValueTooLong', detail: 'must have at most 262144 bytes' });
}

export function validateObjectMeta(e: Errs, meta: ObjectMeta | undefined, namespaced: boolean, rule: NameRule): void {
  if (!isObject(meta)) return e.required('metadata');
  const nameCheck = rule === 'label' ? isDns1123Label : rule === 'path' ? pathSegmentName : isDns1123Subdomain;
  if (!meta.name && !meta.generateName) e.required('metadata.name', 'name or generateName is required');
  if (meta.name !== undefined) {
    if (typeof meta.name !== 'string') e.invalid('metadata.name', meta.name, 'must be a string');
    else if (meta.name) e.each('metadata.name', meta.name, nameCheck(meta.name));
  }
  if (meta.generateName && typeof meta.generateName === 'string') {
    // A generated name adds 5 characters; the prefix itself may end with '-'.
    const probe = meta.generateName.replace(/-+$/, '') + 'x';
    e.each('metadata.generateName', meta.generateName, nameCheck(probe));
  }
  if (namespaced) {
    if (meta.namespace !== undefined && meta.namespace !== '') e.each('metadata.namespace', meta.namespace, isDns1123Label(String(meta.namespace)));
  } else if (meta.namespace) {
    e.forbidden('metadata.namespace', 'not allowed on this type');
  }
  validateLabels(e, 'metadata.labels', meta.labels);
  validateAnnotations(e, 'metadata.annotations', meta.annotations);
  (meta.ownerReferences ?? []).forEach((o, i) => {
    const f = `metadata.ownerReferences[${i}]`;
    if (!o.apiVersion) e.required(`${f}.apiVersion`, 'version must not be empty');
    if (!o.kind) e.required(`${f}.kind`, 'kind must not be empty');
    if (!o.name) e.required(`${f}.name`, 'name must not be empty');
    if (!o.uid) e.required(`${f}.uid`, 'uid must not be empty');
  });
  if ((meta.ownerReferences ?? []).filter((o) => o.controller).length > 1)
    e.invalid('metadata.ownerReferences', meta.ownerReferences, 'Only one reference can have Controller set to true');
  (meta.finalizers ?? []).forEach((f, i) => e.each(`metadata.finalizers[${i}]`, f, isQualifiedName(f)));
}

const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function validateResources(e: Errs, field: string, r: Container['resources']): void {
  if (!r) return;
  for (const kind of ['limits', 'requests'] as const) {
    for (const [k, v] of Object.entries(r[kind] ?? {})) {
      const f = `${field}.${kind}[${k}]`;
      if (!isValidQuantity(v)) e.invalid(f, v, QUANTITY_FORMAT);
      else if ((parseQuantity(v) ?? 0) < 0) e.invalid(f, v, 'must be greater than or equal to 0');
    }
  }
  for (const [k, req] of Object.entries(r.requests ?? {})) {
    const lim = r.limits?.[k];
    if (lim !== undefined && isValidQuantity(req) && isValidQuantity(lim) && (parseQuantity(req) ?? 0) > (parseQuantity(lim) ?? 0))
      e.invalid(`${field}.requests`, req, `must be less than or equal to ${k} limit of ${lim}`);
  }
}

function validateProbe(e: Errs, field: string, p: Probe | undefined, ports: Set<string>): void {
  if (!p) return;
  const handlers = [p.exec, p.httpGet, p.tcpSocket].filter((h) => h !== undefined).length;
  if (handlers === 0) e.required(field, 'must specify a handler type');
  if (handlers > 1) e.forbidden(field, 'may not specify more than 1 handler type');
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) e.nonNegative(`${field}.${k}`, p[k]);
  const port = p.httpGet?.port ?? p.tcpSocket?.port;
  const pf = `${field}.${p.httpGet ? 'httpGet' : 'tcpSocket'}.port`;
  if (p.httpGet || p.tcpSocket) {
    if (typeof port === 'number') e.port(pf, port);
    else if (typeof port === 'string') {
      if (isIanaSvcName(port).length) e.each(pf, port, isIanaSvcName(port));
      else if (!ports.has(port)) e.invalid(pf, port, 'must be a valid port name of a container');
    } else e.required(pf);
  }
  if (p.exec && (!Array.isArray(p.exec.command) || p.exec.command.length === 0)) e.required(`${field}.exec.command`);
}

const RESOURCE_FIELDS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

/** `kind`: init containers may be sidecars (restartPolicy Always); only they may have probes and hooks. */
function validateContainer(e: Errs, f: string, c: Container, volumes: Set<string>, kind: 'containers' | 'initContainers' = 'containers', hostNetwork = false): void {
  if (!isObject(c)) return e.invalid(f, c, 'must be an object');
  if (kind === 'containers' && c.restartPolicy !== undefined) e.forbidden(`${f}.restartPolicy`, 'may not be set for non-init containers');
  if (kind === 'initContainers') {
    if (c.restartPolicy !== undefined) e.enumOf(`${f}.restartPolicy`, c.restartPolicy, ['Always']);
    if (c.restartPolicy !== 'Always') {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) if (c[k] !== undefined) e.forbidden(`${f}.${k}`, 'may not be set for init containers without restartPolicy=Always');
    }
  }
  const sc = c.securityContext;
  if (sc !== undefined) {
    if (!isObject(sc)) e.invalid(`${f}.securityContext`, sc, 'must be an object');
    else {
      if (sc.privileged === true && sc.allowPrivilegeEscalation === false) e.invalid(`${f}.securityContext`, '', 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
      for (const k of ['runAsUser', 'runAsGroup'] as const) if (sc[k] !== undefined && !(Number.isInteger(sc[k]) && sc[k] >= 0 && sc[k] <= 2147483647)) e.invalid(`${f}.securityContext.${k}`, sc[k], 'must be between 0 and 2147483647, inclusive');
    }
  }
  if (!c.name) e.required(`${f}.name`);
  else e.each(`${f}.name`, c.name, isDns1123Label(c.name));
  if (!c.image || typeof c.image !== 'string' || c.image.trim() === '') e.required(`${f}.image`);
  else if (/\s/.test(c.image)) e.invalid(`${f}.image`, c.image, 'must not have leading or trailing whitespace');
  e.enumOf(`${f}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']);
  for (const k of ['command', 'args'] as const) {
    if (c[k] !== undefined && (!Array.isArray(c[k]) || c[k].some((s) => typeof s !== 'string'))) e.invalid(`${f}.${k}`, c[k], 'must be a list of strings');
  }
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, j) => {
    const pf = `${f}.ports[${j}]`;
    e.port(`${pf}.containerPort`, p.containerPort);
    if (p.hostPort !== undefined) e.port(`${pf}.hostPort`, p.hostPort, true);
    if (hostNetwork && p.hostPort !== undefined && p.hostPort !== p.containerPort) e.invalid(`${pf}.hostPort`, p.hostPort, 'must match `containerPort` when `hostNetwork` is true');
    e.enumOf(`${pf}.protocol`, p.protocol, ['TCP', 'UDP', 'SCTP']);
    if (p.name !== undefined) {
      e.each(`${pf}.name`, p.name, isIanaSvcName(p.name));
      if (portNames.has(p.name)) e.duplicate(`${pf}.name`, p.name);
      portNames.add(p.name);
    }
  });
  (c.env ?? []).forEach((v, j) => {
    const vf = `${f}.env[${j}]`;
    if (!v.name) e.required(`${vf}.name`);
    else e.each(`${vf}.name`, v.name, isEnvVarName(v.name));
    if (v.value !== undefined && v.valueFrom !== undefined) e.invalid(`${vf}.valueFrom`, '', 'may not be specified when `value` is not empty');
    const from = v.valueFrom;
    if (from !== undefined) {
      const n = [from.fieldRef, from.resourceFieldRef, from.configMapKeyRef, from.secretKeyRef].filter((x) => x !== undefined).length;
      if (n > 1) e.invalid(`${vf}.valueFrom`, '', 'may not have more than one field specified at a time');
      else if (n === 0) e.invalid(`${vf}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
      for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
        const ref = from[k];
        if (ref === undefined) continue;
        if (!ref.key) e.required(`${vf}.valueFrom.${k}.key`);
        if (!ref.name) e.required(`${vf}.valueFrom.${k}.name`);
      }
      if (from.resourceFieldRef && !RESOURCE_FIELDS.includes(from.resourceFieldRef.resource)) e.notSupported(`${vf}.valueFrom.resourceFieldRef.resource`, from.resourceFieldRef.resource, RESOURCE_FIELDS);
    }
    const fp = v.valueFrom?.fieldRef?.fieldPath;
    if (v.valueFrom?.fieldRef) {
      const supported = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.podIP', 'status.podIPs'];
      if (!fp || !(supported.includes(fp) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp))) e.notSupported(`${vf}.valueFrom.fieldRef.fieldPath`, fp, supported);
    }
  });
  (c.envFrom ?? []).forEach((src, j) => {
    const ef = `${f}.envFrom[${j}]`;
    const n = [src?.configMapRef, src?.secretRef].filter((x) => x !== undefined).length;
    if (n > 1) e.invalid(ef, '', 'may not have more than one field specified at a time');
    else if (n === 0) e.invalid(ef, '', 'must specify one of: `configMapRef` or `secretRef`');
    const ref = src?.configMapRef ?? src?.secretRef;
    if (ref && !ref.name) e.required(`${ef}.${src.configMapRef ? 'configMapRef' : 'secretRef'}.name`);
    if (src?.prefix !== undefined && src.prefix.includes('=')) e.invalid(`${ef}.prefix`, src.prefix, "must not contain '='");
  });
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, j) => {
    const mf = `${f}.volumeMounts[${j}]`;
    if (!m.name) e.required(`${mf}.name`);
    else if (!volumes.has(m.name)) e.list.push({ field: `${mf}.name`, type: 'FieldValueNotFound', detail: '', value: m.name });
    if (!m.mountPath) e.required(`${mf}.mountPath`);
    else if (!m.mountPath.startsWith('/')) e.invalid(`${mf}.mountPath`, m.mountPath, 'must be an absolute path');
    else if (m.mountPath.split('/').includes('..')) e.invalid(`${mf}.mountPath`, m.mountPath, "must not contain '..'");
    if (m.mountPath && mountPaths.has(m.mountPath)) e.invalid(`${mf}.mountPath`, m.mountPath, 'must be unique');
    mountPaths.add(m.mountPath);
    if (m.subPath && (m.subPath.startsWith('/') || m.subPath.split('/').includes('..'))) e.invalid(`${mf}.subPath`, m.subPath, "must be a relative path without '..'");
    if (m.subPathExpr !== undefined && m.subPath) e.invalid(`${mf}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive');
    if (m.subPathExpr && m.subPathExpr.startsWith('/')) e.invalid(`${mf}.subPathExpr`, m.subPathExpr, 'must be a relative path');
  });
  validateResources(e, `${f}.resources`, c.resources);
  validateProbe(e, `${f}.livenessProbe`, c.livenessProbe, portNames);
  validateProbe(e, `${f}.readinessProbe`, c.readinessProbe, portNames);
  validateProbe(e, `${f}.startupProbe`, c.startupProbe, portNames);
  if (c.livenessProbe && c.livenessProbe.successThreshold !== undefined && c.livenessProbe.successThreshold !== 1)
    e.invalid(`${f}.livenessProbe.successThreshold`, c.livenessProbe.successThreshold, 'must be 1');
}

/** `claimVolumes`: names a StatefulSet's volumeClaimTemplates add to every pod. */
/** A file path inside a volume: relative, without '..', as Kubernetes' validateLocalNonReservedPath. */
function volumeFilePath(e: Errs, f: string, p: unknown, seen: Set<string>): void {
  if (typeof p !== 'string' || p === '') return e.required(f);
  if (p.startsWith('/')) return e.invalid(f, p, 'must be a relative path');
  if (p.split('/').includes('..')) return e.invalid(f, p, "must not contain '..'");
  if (p.startsWith('..')) return e.invalid(f, p, "must not start with '..'");
  if (seen.has(p)) return e.invalid(f, p, 'conflicting duplicate paths');
  seen.add(p);
}

const DOWNWARD_FIELDS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations'];

/** File mode bits: 0 to 0777. */
function validateMode(e: Errs, f: string, mode: unknown): void {
  if (mode !== undefined && !(Number.isInteger(mode) && (mode as number) >= 0 && (mode as number) <= 0o777)) e.invalid(f, mode, 'must be a number between 0 and 0777 (octal), both inclusive');
}

function validateItems(e: Errs, f: string, items: KeyToPath[] | undefined, defaultMode: unknown): void {
  const paths = new Set<string>();
  (items ?? []).forEach((it, j) => {
    if (!it?.key) e.required(`${f}.items[${j}].key`);
    volumeFilePath(e, `${f}.items[${j}].path`, it?.path, paths);
    validateMode(e, `${f}.items[${j}].mode`, it?.mode);
  });
  validateMode(e, `${f}.defaultMode`, defaultMode);
}

function validateDownwardFile(e: Errs, f: string, it: DownwardAPIVolumeFile, paths: Set<string>, inVolume: boolean): void {
  volumeFilePath(e, `${f}.path`, it?.path, paths);
  validateMode(e, `${f}.mode`, it?.mode);
  const fp = it?.fieldRef?.fieldPath;
  if (it?.fieldRef && it.resourceFieldRef) e.invalid(f, '', 'fieldRef and resourceFieldRef can not be specified simultaneously');
  else if (it?.resourceFieldRef) {
    if (inVolume && !it.resourceFieldRef.containerName) e.required(`${f}.resourceFieldRef.containerName`);
    if (!RESOURCE_FIELDS.includes(it.resourceFieldRef.resource)) e.notSupported(`${f}.resourceFieldRef.resource`, it.resourceFieldRef.resource, RESOURCE_FIELDS);
  } else if (!fp) e.required(`${f}.fieldRef`);
  else if (!DOWNWARD_FIELDS.includes(fp) && !/^metadata\.(labels|annotations)\['.+'\]$/.test(fp)) e.notSupported(`${f}.fieldRef.fieldPath`, fp, DOWNWARD_FIELDS);
}

function validateProjected(e: Errs, f: string, p: NonNullable<Volume['projected']>): void {
  if (!Array.isArray(p.sources)) return e.required(`${f}.sources`);
  const paths = new Set<string>();
  p.sources.forEach((s, i) => {
    const sf = `${f}.sources[${i}]`;
    const kinds = [s?.serviceAccountToken, s?.configMap, s?.downwardAPI, (s as { secret?: unknown })?.secret].filter((x) => x !== undefined).length;
    if (kinds !== 1) e.forbidden(sf, kinds === 0 ? 'must specify exactly one source' : 'may not specify more than 1 volume type');
    const t = s?.serviceAccountToken;
    if (t) {
      volumeFilePath(e, `${sf}.serviceAccountToken.path`, t.path, paths);
      if (t.expirationSeconds !== undefined && (!Number.isInteger(t.expirationSeconds) || t.expirationSeconds < 600)) e.invalid(`${sf}.serviceAccountToken.expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes');
      else if (t.expirationSeconds !== undefined && t.expirationSeconds > 2 ** 32) e.invalid(`${sf}.serviceAccountToken.expirationSeconds`, t.expirationSeconds, 'may not specify a duration larger than 2^32 seconds');
    }
    if (s?.configMap) {
      if (!s.configMap.name) e.required(`${sf}.configMap.name`);
      (s.configMap.items ?? []).forEach((it, j) => {
        if (!it?.key) e.required(`${sf}.configMap.items[${j}].key`);
        volumeFilePath(e, `${sf}.configMap.items[${j}].path`, it?.path, paths);
      });
    }
    if (s?.secret) {
      if (!s.secret.name) e.required(`${sf}.secret.name`);
      (s.secret.items ?? []).forEach((it, j) => {
        if (!it?.key) e.required(`${sf}.secret.items[${j}].key`);
        volumeFilePath(e, `${sf}.secret.items[${j}].path`, it?.path, paths);
      });
    }
    (s?.downwardAPI?.items ?? []).forEach((it, j) => validateDownwardFile(e, `${sf}.downwardAPI.items[${j}]`, it, paths, true));
  });
}

export function validatePodSpec(e: Errs, f: string, spec: PodSpec | undefined, claimVolumes: string[] = []): void {
  if (!isObject(spec)) return e.required(f);
  const volumes = new Set<string>(claimVolumes);
  (spec.volumes ?? []).forEach((v, i) => {
    const vf = `${f}.volumes[${i}]`;
    if (!v.name) e.required(`${vf}.name`);
    else {
      e.each(`${vf}.name`, v.name, isDns1123Label(v.name));
      if (volumes.has(v.name)) e.duplicate(`${vf}.name`, v.name);
      volumes.add(v.name);
    }
    const sources = [v.emptyDir, v.hostPath, v.persistentVolumeClaim, v.configMap, v.secret, v.downwardAPI, v.projected].filter((s) => s !== undefined).length;
    if (sources > 1) e.forbidden(vf, 'may not specify more than 1 volume type');
    if (v.hostPath) {
      if (!v.hostPath.path) e.required(`${vf}.hostPath.path`);
      else if (!v.hostPath.path.startsWith('/') || v.hostPath.path.split('/').includes('..')) e.invalid(`${vf}.hostPath.path`, v.hostPath.path, "must be an absolute path without '..'");
    }
    if (v.projected) validateProjected(e, `${vf}.projected`, v.projected);
    if (v.configMap) {
      if (!v.configMap.name) e.required(`${vf}.configMap.name`);
      validateItems(e, `${vf}.configMap`, v.configMap.items, v.configMap.defaultMode);
    }
    if (v.secret) {
      if (!v.secret.secretName) e.required(`${vf}.secret.secretName`);
      validateItems(e, `${vf}.secret`, v.secret.items, v.secret.defaultMode);
    }
    if (v.downwardAPI) {
      const paths = new Set<string>();
      (v.downwardAPI.items ?? []).forEach((it, j) => validateDownwardFile(e, `${vf}.downwardAPI.items[${j}]`, it, paths, true));
      validateMode(e, `${vf}.downwardAPI.defaultMode`, v.downwardAPI.defaultMode);
    }
    if (v.persistentVolumeClaim) {
      if (!v.persistentVolumeClaim.claimName) e.required(`${vf}.persistentVolumeClaim.claimName`);
      else e.each(`${vf}.persistentVolumeClaim.claimName`, v.persistentVolumeClaim.claimName, isDns1123Subdomain(v.persistentVolumeClaim.claimName));
    }
  });
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) e.required(`${f}.containers`);
  const names = new Set<string>();
  for (const [list, key] of [
    [spec.initContainers ?? [], 'initContainers'],
    [Array.isArray(spec.containers) ? spec.containers : [], 'containers'],
  ] as const) {
    list.forEach((c, i) => {
      validateContainer(e, `${f}.${key}[${i}]`, c, volumes, key, spec.hostNetwork === true);
      if (c?.name) {
        if (names.has(c.name)) e.duplicate(`${f}.${key}[${i}].name`, c.name);
        names.add(c.name);
      }
    });
  }
  e.enumOf(`${f}.restartPolicy`, spec.restartPolicy, ['Always', 'OnFailure', 'Never']);
  e.enumOf(`${f}.dnsPolicy`, spec.dnsPolicy, ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']);
  validateDnsConfig(e, f, spec);
  (spec.hostAliases ?? []).forEach((h, i) => {
    if (!isIPv4(String(h?.ip ?? ''))) e.invalid(`${f}.hostAliases[${i}].ip`, h?.ip, 'must be a valid IP address');
    (h?.hostnames ?? []).forEach((n, j) => e.each(`${f}.hostAliases[${i}].hostnames[${j}]`, n, isDns1123Subdomain(n)));
  });
  e.nonNegative(`${f}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
  if (spec.activeDeadlineSeconds !== undefined && !(Number.isInteger(spec.activeDeadlineSeconds) && spec.activeDeadlineSeconds > 0))
    e.invalid(`${f}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive');
  if (spec.hostname) e.each(`${f}.hostname`, spec.hostname, isDns1123Label(spec.hostname));
  if (spec.subdomain) e.each(`${f}.subdomain`, spec.subdomain, isDns1123Label(spec.subdomain));
  if (spec.nodeName) e.each(`${f}.nodeName`, spec.nodeName, isDns1123Subdomain(spec.nodeName));
  validateLabels(e, `${f}.nodeSelector`, spec.nodeSelector);
  (spec.tolerations ?? []).forEach((t, i) => {
    const tf = `${f}.tolerations[${i}]`;
    e.enumOf(`${tf}.operator`, t.operator, ['Exists', 'Equal']);
    e.enumOf(`${tf}.effect`, t.effect, ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute']);
    if (t.operator === 'Exists' && t.value) e.invalid(`${tf}.operator`, t.operator, 'value must be empty when `operator` is \'Exists\'');
    if (!t.key && t.operator !== 'Exists') e.invalid(`${tf}.operator`, t.operator, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') e.invalid(`${tf}.effect`, t.effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
  });
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  (terms ?? []).forEach((t, i) =>
    (t.matchExpressions ?? []).forEach((m, j) => e.enumOf(`${f}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}].matchExpressions[${j}].operator`, m.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'])),
  );
}

function validateSelector(e: Errs, f: string, sel: LabelSelector | undefined): void {
  if (!isObject(sel)) return e.required(f);
  validateLabels(e, `${f}.matchLabels`, sel.matchLabels);
  (sel.matchExpressions ?? []).forEach((m, i) => {
    const mf = `${f}.matchExpressions[${i}]`;
    e.each(`${mf}.key`, m.key, isQualifiedName(m.key ?? ''));
    e.enumOf(`${mf}.operator`, m.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist']);
    if ((m.operator === 'In' || m.operator === 'NotIn') && !(m.values ?? []).length) e.required(`${mf}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
    if ((m.operator === 'Exists' || m.operator === 'DoesNotExist') && (m.values ?? []).length) e.forbidden(`${mf}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
  });
  if (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length) e.invalid(f, sel, 'empty selector is invalid for deployment');
}

/** Shared by ReplicaSet, Deployment and StatefulSet: selector, template labels, restartPolicy. */
function validateWorkloadSpec(
  e: Errs,
  spec: { replicas?: number; selector: LabelSelector; template: { metadata?: ObjectMeta; spec: PodSpec }; minReadySeconds?: number; volumeClaimTemplates?: { metadata?: ObjectMeta }[] } | undefined,
): void {
  if (!isObject(spec)) return e.required('spec');
  e.nonNegative('spec.replicas', spec.replicas);
  e.nonNegative('spec.minReadySeconds', spec.minReadySeconds);
  validateSelector(e, 'spec.selector', spec.selector);
  if (!isObject(spec.template)) return e.required('spec.template');
  validateLabels(e, 'spec.template.metadata.labels', spec.template.metadata?.labels);
  const sel = selectorFromLabelSelector(spec.selector);
  if (sel && !sel.isEmpty() && !sel.matches(spec.template.metadata?.labels))
    e.invalid('spec.template.metadata.labels', spec.template.metadata?.labels ?? {}, '`selector` does not match template `labels`');
  validatePodSpec(e, 'spec.template.spec', spec.template.spec, (spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? '').filter(Boolean));
  const rp = spec.template.spec?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') e.notSupported('spec.template.spec.restartPolicy', rp, ['Always']);
}

/** Kubernetes' ValidateReplicationControllerSpec: a non-empty equality selector the template's labels match. */
function validateReplicationController(e: Errs, rc: ReplicationController): void {
  const spec = rc.spec;
  if (!isObject(spec)) return e.required('spec');
  e.nonNegative('spec.replicas', spec.replicas);
  e.nonNegative('spec.minReadySeconds', spec.minReadySeconds);
  if (!isObject(spec.selector) || !Object.keys(spec.selector).length) e.required('spec.selector');
  else validateLabels(e, 'spec.selector', spec.selector);
  if (!isObject(spec.template)) return e.required('spec.template');
  validateLabels(e, 'spec.template.metadata.labels', spec.template.metadata?.labels);
  const labels = spec.template.metadata?.labels ?? {};
  if (isObject(spec.selector) && Object.entries(spec.selector).some(([k, v]) => labels[k] !== v))
    e.invalid('spec.template.metadata.labels', labels, 'selector does not match template labels');
  validatePodSpec(e, 'spec.template.spec', spec.template.spec);
  const rp = spec.template.spec?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') e.notSupported('spec.template.spec.restartPolicy', rp, ['Always']);
}

/** Kubernetes' ValidateJob: counts, a generated or manual selector the template matches, Never or OnFailure. */
function validateJob(e: Errs, j: Job): void {
  const spec = j.spec;
  if (!isObject(spec)) return e.required('spec');
  e.nonNegative('spec.parallelism', spec.parallelism);
  e.nonNegative('spec.completions', spec.completions);
  e.nonNegative('spec.backoffLimit', spec.backoffLimit);
  e.nonNegative('spec.ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished);
  if (spec.activeDeadlineSeconds !== undefined && !(Number.isInteger(spec.activeDeadlineSeconds) && spec.activeDeadlineSeconds > 0)) e.invalid('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be greater than 0');
  if (spec.completionMode !== undefined && spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') e.notSupported('spec.completionMode', spec.completionMode, ['NonIndexed', 'Indexed']);
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) e.required('spec.completions', 'when completion mode is Indexed');
  if (!isObject(spec.selector)) e.required('spec.selector');
  else {
    validateSelector(e, 'spec.selector', spec.selector);
    if (!spec.manualSelector && spec.selector.matchLabels?.[JOB_CONTROLLER_UID] !== j.metadata.uid) e.invalid('spec.selector', spec.selector, '`selector` not auto-generated');
  }
  if (!isObject(spec.template)) return e.required('spec.template');
  validateLabels(e, 'spec.template.metadata.labels', spec.template.metadata?.labels);
  const sel = selectorFromLabelSelector(spec.selector ?? {});
  if (sel && !sel.isEmpty() && !sel.matches(spec.template.metadata?.labels))
    e.invalid('spec.template.metadata.labels', spec.template.metadata?.labels ?? {}, '`selector` does not match template `labels`');
  validatePodSpec(e, 'spec.template.spec', spec.template.spec);
  const rp = spec.template.spec?.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') e.notSupported('spec.template.spec.restartPolicy', rp ?? '', ['OnFailure', 'Never']);
  if (spec.podFailurePolicy !== undefined) validatePodFailurePolicy(e, spec.podFailurePolicy, rp);
}

/** Kubernetes' validatePodFailurePolicy: up to 20 rules, each on exit codes or pod conditions. */
function validatePodFailurePolicy(e: Errs, policy: Job['spec']['podFailurePolicy'], restartPolicy: string | undefined): void {
  const f = 'spec.podFailurePolicy';
  if (!isObject(policy)) return e.invalid(f, policy, 'must be an object');
  if (restartPolicy !== 'Never') e.invalid('spec.template.spec.restartPolicy', restartPolicy ?? '', 'only "Never" is supported when podFailurePolicy is specified');
  const rules = policy.rules;
  if (!Array.isArray(rules)) return e.required(`${f}.rules`);
  if (rules.length > 20) e.invalid(`${f}.rules`, rules.length, 'must have at most 20 items');
  rules.forEach((rule, i) => {
    const rf = `${f}.rules[${i}]`;
    if (!isObject(rule)) return e.invalid(rf, rule, 'must be an object');
    if (!rule.action) e.required(`${rf}.action`);
    else e.enumOf(`${rf}.action`, rule.action, ['Count', 'FailIndex', 'FailJob', 'Ignore']);
    if ((rule.onExitCodes !== undefined) === (rule.onPodConditions !== undefined)) return e.invalid(rf, rule, 'specifying one of OnExitCodes and OnPodConditions is required');
    if (rule.onExitCodes) {
      const c = rule.onExitCodes;
      const cf = `${rf}.onExitCodes`;
      e.enumOf(`${cf}.operator`, c.operator, ['In', 'NotIn']);
      if (!c.operator) e.required(`${cf}.operator`);
      if (!Array.isArray(c.values) || c.values.length === 0) e.invalid(`${cf}.values`, c.values, 'at least one value is required');
      else {
        if (c.values.length > 255) e.invalid(`${cf}.values`, c.values.length, 'must have at most 255 items');
        c.values.forEach((v, j) => {
          if (!Number.isInteger(v)) e.invalid(`${cf}.values[${j}]`, v, 'must be an integer');
          else if (c.operator === 'In' && v === 0) e.invalid(`${cf}.values[${j}]`, v, 'must not be 0 for the In operator');
          else if (j > 0 && v === c.values[j - 1]) e.duplicate(`${cf}.values[${j}]`, v);
          else if (j > 0 && v < c.values[j - 1]!) e.invalid(`${cf}.values[${j}]`, v, 'must be ordered');
        });
      }
      if (c.containerName !== undefined) e.each(`${cf}.containerName`, c.containerName, isDns1123Label(c.containerName));
    } else {
      const conds = rule.onPodConditions!;
      if (!Array.isArray(conds)) return e.invalid(`${rf}.onPodConditions`, conds, 'must be a list');
      conds.forEach((c, j) => {
        const pf = `${rf}.onPodConditions[${j}]`;
        if (!c?.type) e.required(`${pf}.type`);
        e.enumOf(`${pf}.status`, c?.status, ['False', 'True', 'Unknown']);
      });
    }
  });
}

/** Kubernetes' ValidateCronJob: a schedule and zone that parse, a policy, limits, a Job template Never/OnFailure. */
function validateCronJob(e: Errs, cj: CronJob): void {
  const spec = cj.spec;
  if (!isObject(spec)) return e.required('spec');
  if (typeof spec.schedule !== 'string' || !spec.schedule.trim()) e.required('spec.schedule');
  else {
    const err = scheduleError(spec.schedule, spec.timeZone);
    if (err) e.invalid('spec.schedule', spec.schedule, err);
  }
  if (spec.timeZone !== undefined) {
    const err = timeZoneError(spec.timeZone);
    if (err) e.invalid('spec.timeZone', spec.timeZone, err);
  }
  if (spec.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) e.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']);
  e.nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds);
  e.nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit);
  e.nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit);
  const js = spec.jobTemplate?.spec;
  if (!isObject(js)) return e.required('spec.jobTemplate.spec');
  if (!isObject(js.template)) return e.required('spec.jobTemplate.spec.template');
  validateLabels(e, 'spec.jobTemplate.spec.template.metadata.labels', js.template.metadata?.labels);
  validatePodSpec(e, 'spec.jobTemplate.spec.template.spec', js.template.spec);
  const rp = js.template.spec?.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') e.notSupported('spec.jobTemplate.spec.template.spec.restartPolicy', rp ?? '', ['OnFailure', 'Never']);
}

/** What a Job may change: parallelism, activeDeadlineSeconds, suspend, ttl; the rest is immutable. */
export function jobUpdateRules(e: Errs, next: Job, prev: Job): void {
  immutable(e, 'spec.completions', next.spec?.completions, prev.spec?.completions);
  immutable(e, 'spec.selector', next.spec?.selector, prev.spec?.selector);
  immutable(e, 'spec.completionMode', next.spec?.completionMode, prev.spec?.completionMode);
  immutable(e, 'spec.template', next.spec?.template, prev.spec?.template);
}

function validateDeployment(e: Errs, d: Deployment): void {
  validateWorkloadSpec(e, d.spec);
  if (!isObject(d.spec)) return;
  const st = d.spec.strategy;
  if (st) {
    e.enumOf('spec.strategy.type', st.type, ['Recreate', 'RollingUpdate']);
    if (st.type === 'Recreate' && st.rollingUpdate) e.forbidden('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\'');
    const ru = st.rollingUpdate;
    if (st.type === 'RollingUpdate' && ru) {
      for (const k of ['maxSurge', 'maxUnavailable'] as const) {
        if (ru[k] !== undefined && !isValidIntOrPercent(ru[k])) e.invalid(`spec.strategy.rollingUpdate.${k}`, ru[k], "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
      }
      if (isValidIntOrPercent(ru.maxSurge) && isValidIntOrPercent(ru.maxUnavailable)) {
        if (scaledValue(ru.maxSurge, 100, true) === 0 && scaledValue(ru.maxUnavailable, 100, false) === 0)
          e.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
        if (typeof ru.maxUnavailable === 'string' && scaledValue(ru.maxUnavailable, 100, false) > 100)
          e.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must not be greater than 100%');
      }
    }
  }
  e.nonNegative('spec.revisionHistoryLimit', d.spec.revisionHistoryLimit);
  if (d.spec.progressDeadlineSeconds !== undefined) {
    e.nonNegative('spec.progressDeadlineSeconds', d.spec.progressDeadlineSeconds);
    if (d.spec.progressDeadlineSeconds <= (d.spec.minReadySeconds ?? 0)) e.invalid('spec.progressDeadlineSeconds', d.spec.progressDeadlineSeconds, 'must be greater than minReadySeconds');
  }
}

/** Kubernetes' ValidateDaemonSetSpec and ValidateRollingUpdateDaemonSet. */
function validateDaemonSet(e: Errs, ds: DaemonSet): void {
  if (!isObject(ds.spec)) return e.required('spec');
  const sel = ds.spec.selector;
  if (isObject(sel) && !Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length) e.invalid('spec.selector', sel, 'empty selector is invalid for daemonset');
  else validateWorkloadSpec(e, ds.spec);
  e.nonNegative('spec.revisionHistoryLimit', ds.spec.revisionHistoryLimit);
  if (ds.spec.template?.spec?.activeDeadlineSeconds !== undefined) e.invalid('spec.template.spec.activeDeadlineSeconds', ds.spec.template.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in DaemonSet is not Supported');
  const st = ds.spec.updateStrategy;
  if (!st) return;
  e.enumOf('spec.updateStrategy.type', st.type, ['RollingUpdate', 'OnDelete']);
  const ru = st.rollingUpdate;
  if (st.type !== 'RollingUpdate' || !ru) return;
  const f = 'spec.updateStrategy.rollingUpdate';
  let valid = true;
  for (const k of ['maxUnavailable', 'maxSurge'] as const) {
    const v = ru[k];
    if (v === undefined) continue;
    if (!isValidIntOrPercent(v)) {
      valid = false;
      e.invalid(`${f}.${k}`, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    } else if (typeof v === 'string' && scaledValue(v, 100, false) > 100) e.invalid(`${f}.${k}`, v, 'must not be greater than 100%');
  }
  if (!valid) return;
  const unavailable = scaledValue(ru.maxUnavailable ?? 0, 100, false) !== 0;
  const surge = scaledValue(ru.maxSurge ?? 0, 100, true) !== 0;
  if (unavailable && surge) e.invalid(`${f}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero');
  if (!unavailable && !surge) e.required(`${f}.maxUnavailable`, 'cannot be 0 when maxSurge is 0');
}

/** Kubernetes' ValidatePodDisruptionBudgetSpec. */
export function podDisruptionBudgetRules(e: Errs, pdb: PodDisruptionBudget): void {
  if (!isObject(pdb.spec)) return e.required('spec');
  const { minAvailable, maxUnavailable, selector, unhealthyPodEvictionPolicy } = pdb.spec;
  if (minAvailable !== undefined && maxUnavailable !== undefined) e.invalid('spec', pdb.spec, 'minAvailable and maxUnavailable cannot be both set');
  for (const [k, v] of [['minAvailable', minAvailable], ['maxUnavailable', maxUnavailable]] as const) {
    if (v === undefined) continue;
    const f = `spec.${k}`;
    if (!isValidIntOrPercent(v)) e.invalid(f, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    else if (typeof v === 'number' && v < 0) e.invalid(f, v, 'must be greater than or equal to 0');
    else if (typeof v === 'string' && scaledValue(v, 100, false) > 100) e.invalid(f, v, 'must not be greater than 100%');
  }
  if (selector !== undefined) {
    if (!isObject(selector)) e.invalid('spec.selector', selector, 'must be a label selector');
    else if (Object.keys(selector.matchLabels ?? {}).length || (selector.matchExpressions ?? []).length) validateSelector(e, 'spec.selector', selector);
  }
  e.enumOf('spec.unhealthyPodEvictionPolicy', unhealthyPodEvictionPolicy, ['AlwaysAllow', 'IfHealthyBudget']);
}

const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
const QUOTA_NAMES = ['services.nodeports', 'services.loadbalancers', 'requests.storage'];

/** A resource list's quantities: valid and not negative; the values parsed, for the relations. */
function quantities(e: Errs, field: string, list: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (list === undefined) return out;
  if (!isObject(list)) {
    e.invalid(field, list, 'must be a map of resource names to quantities');
    return out;
  }
  for (const [k, v] of Object.entries(list as Record<string, unknown>)) {
    const f = `${field}[${k}]`;
    const msgs = isQualifiedName(k);
    if (msgs.length) e.each(f, k, msgs);
    else if (!isValidQuantity(v)) e.invalid(f, v, QUANTITY_FORMAT);
    else if ((parseQuantity(v as string) ?? 0) < 0) e.invalid(f, v, 'must be greater than or equal to 0');
    else out.set(k, parseQuantity(v as string)!);
  }
  return out;
}

/** Kubernetes' ValidateEndpointSlice, for the address types tinykube serves. */
export function endpointSliceRules(e: Errs, s: EndpointSlice): void {
  if (!s.addressType) e.required('addressType');
  else e.enumOf('addressType', s.addressType, ['FQDN', 'IPv4', 'IPv6']);
  const endpoints = s.endpoints ?? [];
  if (!Array.isArray(endpoints)) return e.invalid('endpoints', endpoints, 'must be a list');
  if (endpoints.length > 1000) e.invalid('endpoints', endpoints.length, 'must have at most 1000 items');
  endpoints.forEach((ep, i) => {
    const f = `endpoints[${i}]`;
    if (!isObject(ep)) return e.invalid(f, ep, 'must be an object');
    const addrs = ep.addresses;
    if (!Array.isArray(addrs) || addrs.length === 0) e.required(`${f}.addresses`, 'must contain at least 1 address');
    else if (addrs.length > 100) e.invalid(`${f}.addresses`, addrs.length, 'must have at most 100 items');
    else
      addrs.forEach((a, j) => {
        if (s.addressType === 'IPv4' && !isIPv4(String(a))) e.invalid(`${f}.addresses[${j}]`, a, 'must be a valid IPv4 address');
      });
    if (ep.hostname !== undefined) e.each(`${f}.hostname`, ep.hostname, isDns1123Label(ep.hostname));
    if (ep.nodeName !== undefined) e.each(`${f}.nodeName`, ep.nodeName, isDns1123Subdomain(ep.nodeName));
  });
  const ports = s.ports ?? [];
  if (!Array.isArray(ports)) return e.invalid('ports', ports, 'must be a list');
  if (ports.length > 100) e.invalid('ports', ports.length, 'must have at most 100 items');
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const f = `ports[${i}]`;
    if (!isObject(p)) return e.invalid(f, p, 'must be an object');
    const name = p.name ?? '';
    if (name) e.each(`${f}.name`, name, isDns1123Label(name));
    if (names.has(name)) e.duplicate(`${f}.name`, name);
    names.add(name);
    if (p.port !== undefined) e.port(`${f}.port`, p.port);
    e.enumOf(`${f}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']);
  });
}

export function resourceQuotaRules(e: Errs, q: ResourceQuota): void {
  if (q.spec === undefined) return;
  if (!isObject(q.spec)) return e.invalid('spec', q.spec, 'must be an object');
  const hard = quantities(e, 'spec.hard', q.spec.hard);
  for (const k of hard.keys()) {
    // Kubernetes takes any qualified name; a name it counts nothing for is stored and warned about.
    if (!countedResource(k) && !computeQuotaResource(k) && !QUOTA_NAMES.includes(k) && !k.includes('storageclass.storage.k8s.io/') && !k.includes('/'))
      e.invalid(`spec.hard[${k}]`, k, 'must be a standard resource for quota');
  }
  (q.spec.scopes ?? []).forEach((s, i) => e.enumOf(`spec.scopes[${i}]`, s, QUOTA_SCOPES));
}

export function limitRangeRules(e: Errs, lr: LimitRange): void {
  if (!isObject(lr.spec)) return e.required('spec');
  if (!Array.isArray(lr.spec.limits)) return e.required('spec.limits');
  lr.spec.limits.forEach((item, i) => {
    const f = `spec.limits[${i}]`;
    if (!isObject(item)) return e.invalid(f, item, 'must be an object');
    if (!item.type) e.required(`${f}.type`);
    else e.enumOf(`${f}.type`, item.type, ['Container', 'Pod', 'PersistentVolumeClaim']);
    const max = quantities(e, `${f}.max`, item.max);
    const min = quantities(e, `${f}.min`, item.min);
    const def = quantities(e, `${f}.default`, item.default);
    const defReq = quantities(e, `${f}.defaultRequest`, item.defaultRequest);
    const ratio = quantities(e, `${f}.maxLimitRequestRatio`, item.maxLimitRequestRatio);
    if (item.type === 'Pod') {
      if (item.default && Object.keys(item.default).length) e.forbidden(`${f}.default`, "may not be specified when `type` is 'Pod'");
      if (item.defaultRequest && Object.keys(item.defaultRequest).length) e.forbidden(`${f}.defaultRequest`, "may not be specified when `type` is 'Pod'");
    }
    const shown = (m: Record<string, string> | undefined, k: string): string => String(m?.[k]);
    for (const [k, lo] of min) {
      const hi = max.get(k);
      if (hi !== undefined && lo > hi) e.invalid(`${f}.min[${k}]`, item.min![k], `min value ${shown(item.min, k)} is greater than max value ${shown(item.max, k)}`);
    }
    for (const [k, d] of defReq) {
      const lo = min.get(k);
      const hi = max.get(k);
      const dl = def.get(k);
      if (lo !== undefined && lo > d) e.invalid(`${f}.defaultRequest[${k}]`, item.defaultRequest![k], `min value ${shown(item.min, k)} is greater than default request value ${shown(item.defaultRequest, k)}`);
      if (hi !== undefined && d > hi) e.invalid(`${f}.defaultRequest[${k}]`, item.defaultRequest![k], `default request value ${shown(item.defaultRequest, k)} is greater than max value ${shown(item.max, k)}`);
      if (dl !== undefined && d > dl) e.invalid(`${f}.defaultRequest[${k}]`, item.defaultRequest![k], `default request value ${shown(item.defaultRequest, k)} is greater than default limit value ${shown(item.default, k)}`);
    }
    for (const [k, d] of def) {
      const lo = min.get(k);
      const hi = max.get(k);
      if (lo !== undefined && lo > d) e.invalid(`${f}.default[${k}]`, item.default![k], `min value ${shown(item.min, k)} is greater than default value ${shown(item.default, k)}`);
      if (hi !== undefined && d > hi) e.invalid(`${f}.default[${k}]`, item.default![k], `default value ${shown(item.default, k)} is greater than max value ${shown(item.max, k)}`);
    }
    for (const [k, r] of ratio) {
      if (r < 1) e.invalid(`${f}.maxLimitRequestRatio[${k}]`, item.maxLimitRequestRatio![k], `ratio ${shown(item.maxLimitRequestRatio, k)} is less than 1`);
      const lo = min.get(k);
      const hi = max.get(k);
      if (lo && hi !== undefined && r > hi / lo) e.invalid(`${f}.maxLimitRequestRatio[${k}]`, item.maxLimitRequestRatio![k], `ratio ${shown(item.maxLimitRequestRatio, k)} is greater than max/min = ${(hi / lo).toFixed(6)}`);
    }
  });
}

/** Kubernetes' validatePodDNSConfig: None needs a nameserver; at most 3 nameservers, 32 searches. */
function validateDnsConfig(e: Errs, f: string, spec: PodSpec): void {
  const c = spec.dnsConfig;
  if (spec.dnsPolicy === 'None' && !(c?.nameservers ?? []).length) e.required(`${f}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None');
  if (!c) return;
  const ns = c.nameservers ?? [];
  if (ns.length > 3) e.invalid(`${f}.dnsConfig.nameservers`, ns, 'must not have more than 3 nameservers');
  ns.forEach((n, i) => {
    if (!isIPv4(String(n))) e.invalid(`${f}.dnsConfig.nameservers[${i}]`, n, 'must be a valid IP address');
  });
  const searches = c.searches ?? [];
  if (searches.length > 32) e.invalid(`${f}.dnsConfig.searches`, searches, 'must not have more than 32 search paths');
  searches.forEach((d, i) => e.each(`${f}.dnsConfig.searches[${i}]`, d, isDns1123Subdomain(String(d).replace(/\.$/, ''))));
  (c.options ?? []).forEach((o, i) => {
    if (!o?.name) e.required(`${f}.dnsConfig.options[${i}].name`);
  });
}

function validateStatefulSet(e: Errs, s: StatefulSet): void {
  validateWorkloadSpec(e, s.spec);
  if (!isObject(s.spec)) return;
  e.enumOf('spec.podManagementPolicy', s.spec.podManagementPolicy, ['OrderedReady', 'Parallel']);
  e.enumOf('spec.updateStrategy.type', s.spec.updateStrategy?.type, ['RollingUpdate', 'OnDelete']);
  e.nonNegative('spec.updateStrategy.rollingUpdate.partition', s.spec.updateStrategy?.rollingUpdate?.partition);
  if (s.spec.serviceName) e.each('spec.serviceName', s.spec.serviceName, isDns1123Label(s.spec.serviceName));
  (s.spec.volumeClaimTemplates ?? []).forEach((t, i) => {
    const f = `spec.volumeClaimTemplates[${i}]`;
    if (!t.metadata?.name) e.required(`${f}.metadata.name`);
    else e.each(`${f}.metadata.name`, t.metadata.name, isDns1123Label(t.metadata.name));
    validatePvcSpec(e, `${f}.spec`, t);
  });
}

function validatePvcSpec(e: Errs, f: string, p: PersistentVolumeClaim): void {
  if (!isObject(p.spec)) return e.required(f);
  const modes = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
  if (!p.spec.accessModes?.length) e.required(`${f}.accessModes`, 'at least 1 access mode is required');
  (p.spec.accessModes ?? []).forEach((m, i) => e.enumOf(`${f}.accessModes[${i}]`, m, modes));
  const storage = p.spec.resources?.requests?.storage;
  if (storage === undefined) e.required(`${f}.resources[storage]`);
  else if (!isValidQuantity(storage)) e.invalid(`${f}.resources.requests[storage]`, storage, 'must be a valid quantity');
  else if ((parseQuantity(storage) ?? 0) <= 0) e.invalid(`${f}.resources[storage]`, storage, 'must be greater than zero');
  e.enumOf(`${f}.volumeMode`, p.spec.volumeMode, ['Filesystem', 'Block']);
}

function validateServicePort(e: Errs, f: string, p: ServicePort, type: string | undefined): void {
  e.port(`${f}.port`, p.port);
  e.enumOf(`${f}.protocol`, p.protocol, ['TCP', 'UDP', 'SCTP']);
  if (p.name) e.each(`${f}.name`, p.name, isDns1123Label(p.name));
  if (typeof p.targetPort === 'number') e.port(`${f}.targetPort`, p.targetPort);
  else if (typeof p.targetPort === 'string') e.each(`${f}.targetPort`, p.targetPort, isIanaSvcName(p.targetPort));
  else if (p.targetPort !== undefined) e.invalid(`${f}.targetPort`, p.targetPort, 'must be a port number or name');
  if (p.nodePort !== undefined && p.nodePort !== 0) {
    if (type !== 'NodePort' && type !== 'LoadBalancer') e.forbidden(`${f}.nodePort`, 'may not be used when `type` is \'ClusterIP\'');
    else e.port(`${f}.nodePort`, p.nodePort);
  }
}

function validateService(e: Errs, s: Service): void {
  if (!isObject(s.spec)) return e.required('spec');
  const type = s.spec.type;
  e.enumOf('spec.type', type, ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
  const headless = s.spec.clusterIP === 'None';
  const ports = s.spec.ports ?? [];
  if (type !== 'ExternalName' && !headless && ports.length === 0) e.required('spec.ports');
  const seen = new Set<string>();
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const f = `spec.ports[${i}]`;
    validateServicePort(e, f, p, type);
    if (ports.length > 1 && !p.name) e.required(`${f}.name`);
    if (p.name) {
      if (seen.has(p.name)) e.duplicate(`${f}.name`, p.name);
      seen.add(p.name);
    }
    const pk = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (seenPorts.has(pk)) e.duplicate(`${f}`, { port: p.port, protocol: p.protocol ?? 'TCP' });
    seenPorts.add(pk);
  });
  if (s.spec.clusterIP && s.spec.clusterIP !== 'None' && !isIPv4(s.spec.clusterIP)) e.invalid('spec.clusterIP', s.spec.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) e.invalid('spec.clusterIP', 'None', 'may not be set to \'None\' for NodePort services');
  validateLabels(e, 'spec.selector', s.spec.selector);
  e.enumOf('spec.sessionAffinity', s.spec.sessionAffinity, ['None', 'ClientIP']);
  const to = s.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (to !== undefined && !(Number.isInteger(to) && to > 0 && to <= 86400)) e.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', to, 'must be greater than 0 and less than 86400');
  if (type === 'ExternalName' && !s.spec.externalName) e.required('spec.externalName');
}

function validateEndpoints(e: Errs, ep: Endpoints): void {
  (ep.subsets ?? []).forEach((s, i) => {
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (s[key] ?? []).forEach((a, j) => {
        if (!isIPv4(a.ip ?? '')) e.invalid(`subsets[${i}].${key}[${j}].ip`, a.ip, 'must be a valid IP address');
      });
    }
    (s.ports ?? []).forEach((p, j) => {
      e.port(`subsets[${i}].ports[${j}].port`, p.port);
      e.enumOf(`subsets[${i}].ports[${j}].protocol`, p.protocol, ['TCP', 'UDP', 'SCTP']);
    });
  });
}

function validateNode(e: Errs, n: Node): void {
  const spec = n.spec ?? {};
  if (spec.podCIDR && !isCidr(spec.podCIDR)) e.invalid('spec.podCIDR', spec.podCIDR, 'must be a valid CIDR');
  (spec.taints ?? []).forEach((t, i) => {
    e.each(`spec.taints[${i}].key`, t.key, isQualifiedName(t.key ?? ''));
    e.enumOf(`spec.taints[${i}].effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
    if (!t.effect) e.required(`spec.taints[${i}].effect`);
  });
}

/**
 * Validation of a new object: its metadata (names as `rule` says) and then the kind's own rules.
 * Each kind's strategy in the apiserver picks its rules; the kinds' rule functions follow.
 */
export function validateNew<T extends KubeObject>(obj: T, namespaced: boolean, rule: NameRule, rules?: (e: Errs, obj: T) => void): FieldError[] {
  const e = new Errs();
  validateObjectMeta(e, obj.metadata, namespaced, rule);
  rules?.(e, obj);
  return e.list;
}

/** Validation of an update against the stored object (immutable fields), with the kind's rules. */
export function validateChange<T extends KubeObject>(next: T, prev: T, rules: (e: Errs, next: T, prev: T) => void): FieldError[] {
  const e = new Errs();
  rules(e, next, prev);
  return e.list;
}

export const podRules = (e: Errs, p: Pod): void => validatePodSpec(e, 'spec', p.spec);
export const replicaSetRules = (e: Errs, rs: ReplicaSet): void => validateWorkloadSpec(e, rs.spec);
export const replicationControllerRules = validateReplicationController;
export const jobRules = validateJob;
export const cronJobRules = validateCronJob;
export const deploymentRules = validateDeployment;
export const statefulSetRules = validateStatefulSet;
export const daemonSetRules = validateDaemonSet;
export const serviceRules = validateService;
export const endpointsRules = validateEndpoints;
export const nodeRules = validateNode;
export const pvcRules = (e: Errs, p: PersistentVolumeClaim): void => validatePvcSpec(e, 'spec', p);
export function leaseRules(e: Errs, l: Lease): void {
  const d = l.spec?.leaseDurationSeconds;
  if (d !== undefined && !(Number.isInteger(d) && d > 0)) e.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0');
}
export function eventRules(e: Errs, ev: KubeObject): void {
  if (!isObject((ev as { involvedObject?: unknown }).involvedObject)) e.required('involvedObject');
}
export function controllerRevisionRules(e: Errs, cr: KubeObject): void {
  e.nonNegative('revision', (cr as { revision?: number }).revision);
}

function stripImages(spec: PodSpec): unknown {
  const c = JSON.parse(JSON.stringify(spec)) as PodSpec;
  for (const x of [...(c.containers ?? []), ...(c.initContainers ?? [])]) delete x.image;
  delete c.activeDeadlineSeconds;
  delete c.tolerations;
  return c;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function immutable(e: Errs, field: string, a: unknown, b: unknown): void {
  if (!same(a, b)) e.invalid(field, a, 'field is immutable');
}

export function podUpdateRules(e: Errs, next: Pod, prev: Pod): void {
  const n = next.spec;
  const p = prev.spec;
  if (n && p && !same(stripImages(n), stripImages(p)))
    e.forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)');
}

/** ReplicaSets and Deployments: the selector is immutable. */
export function workloadUpdateRules(e: Errs, next: Deployment | ReplicaSet | StatefulSet | DaemonSet, prev: Deployment | ReplicaSet | StatefulSet | DaemonSet): void {
  immutable(e, 'spec.selector', next.spec?.selector, prev.spec?.selector);
}

export function statefulSetUpdateRules(e: Errs, next: StatefulSet, prev: StatefulSet): void {
  workloadUpdateRules(e, next, prev);
  const strip = (s: StatefulSet['spec']): unknown => {
    const { replicas: _r, template: _t, updateStrategy: _u, persistentVolumeClaimRetentionPolicy: _p, minReadySeconds: _m, ...rest } = s ?? ({} as StatefulSet['spec']);
    return rest;
  };
  if (!same(strip(next.spec), strip(prev.spec)))
    e.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
}

export function serviceUpdateRules(e: Errs, next: Service, prev: Service): void {
  const n = next.spec;
  const p = prev.spec;
  if (n && p && n.clusterIP !== undefined && n.clusterIP !== '' && n.clusterIP !== p.clusterIP && p.type !== 'ExternalName') e.invalid('spec.clusterIP', n.clusterIP, 'field is immutable');
}

export function pvcUpdateRules(e: Errs, next: PersistentVolumeClaim, prev: PersistentVolumeClaim): void {
  const strip = (s: PersistentVolumeClaim['spec'] | undefined): unknown => ({ ...s, resources: undefined, volumeName: undefined });
  if (!same(strip(next.spec), strip(prev.spec))) e.forbidden('spec', 'spec is immutable after creation except resources.requests for bound claims');
}

export function nodeUpdateRules(e: Errs, next: Node, prev: Node): void {
  const n = next.spec?.podCIDR;
  const p = prev.spec?.podCIDR;
  if (p && n !== p) e.forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid');
}
