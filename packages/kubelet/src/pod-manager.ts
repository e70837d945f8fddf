import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { cpuMillis, bytes, podReferences, R, type ConfigMap, type Container, type PersistentVolumeClaim, type Pod, type PodStatus, type Secret, type Service, canonicalJson, errorCode, withoutConditionTimes, type Stored } from '@tinykube/api';
import type { ApiClient, EventRecorder, Informer } from '@tinykube/client';
import type { Logger } from 'pino';
import { Backoff } from './backoff';
import { ImagePullError, type DockerRuntime, type RuntimeContainer } from './docker-runtime';
import { ContentVolumes, MountError } from './content-volumes';
import { ContainerConfigError, containerEnv, expand, type PodSources } from './env';
import { containerName, LABEL_ATTEMPT, LABEL_CONTAINER_NAME, LABEL_HASH, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, LABEL_TYPE, SANDBOX_NAME } from './labels';
import { ensureHairpin, POD_NETWORK } from './pod-network';
import { podDns, resolvConfText, type DnsSettings } from './pod-dns';
import { podStatus, type ContainerView, type Instance } from './pod-status';
import { ProbeManager, runHandler, type ProbeTarget } from './probes';
import { cpuShares, dockerSecurity } from './security-context';
import type { Volumes } from './volumes';

// Makes the host's containers match the pods bound to this node. sync(key) is idempotent and
// reads everything it needs afresh (the pod from the informer, the containers from Docker), so
// it may run at any time, any number of times, and after a kubelet restart.

export interface PodManagerOptions {
  nodeName: string;
  nodeIP: string;
  pauseImage: string;
  backoffInitialMs: number;
  backoffMaxMs: number;
  backoffResetMs: number;
  /** Enqueue a pod key again after this many ms (probe results, back-off expiry). */
  enqueue: (key: string, afterMs?: number) => void;
  /** The node's allocatable cpu and memory, for resourceFieldRef of unset limits. */
  allocatable: () => { cpu: string; memory: string };
  /** --cluster-dns, --cluster-domain and the node's resolv.conf (--resolv-conf), for each pod's resolv.conf. */
  dns: DnsSettings;
}

/** How a container is restarted once it exits. */
type Restart = 'Always' | 'OnFailure' | 'Never';

/** Kubernetes' log fallback for a termination message: the last 80 lines, at most 2 KiB. */
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2048;

const IMAGE_BACKOFF_MS = 10_000;
/** Where a node-local claim's data lives (the annotation Kubernetes uses for local volumes). */
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Hash of what must restart a container when it changes (the pod spec is immutable but for image). */
export function containerHash(c: Container): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 12);
}

export class PodManager {
  private readonly backoff: Backoff;
  private readonly imageBackoff: Backoff;
  readonly probes: ProbeManager;
  private readonly content: ContentVolumes;
  /** Immutable ConfigMaps and Secrets, which Kubernetes' kubelet reads once (`<kind>/<ns>/<name>`). */
  private readonly immutable = new Map<string, ConfigMap | Secret>();
  /** Termination messages of exited containers, by container id (they never change). */
  private readonly messages = new Map<string, string>();
  /** Waiting reasons the kubelet decided, per `<uid>/<container>`. */
  private readonly waiting = new Map<string, { reason: string; message?: string }>();
  /** Pods whose termination is running, so a second sync does not start another. */
  private readonly terminating = new Set<string>();

  constructor(
    private readonly api: ApiClient,
    private readonly runtime: DockerRuntime,
    private readonly pods: Informer<Pod>,
    private readonly services: Informer<Service>,
    private readonly volumes: Volumes,
    private readonly events: EventRecorder,
    private readonly log: Logger,
    private readonly o: PodManagerOptions,
  ) {
    this.backoff = new Backoff({ initialMs: o.backoffInitialMs, maxMs: o.backoffMaxMs, resetMs: o.backoffResetMs });
    this.imageBackoff = new Backoff({ initialMs: IMAGE_BACKOFF_MS, maxMs: o.backoffMaxMs, resetMs: Number.MAX_SAFE_INTEGER });
    this.content = new ContentVolumes(api);
    this.probes = new ProbeManager(
      (key, kind, container, outcome) => {
        this.log.info({ pod: key, container, probe: kind, ok: outcome.ok }, 'probe result changed');
        this.o.enqueue(key);
      },
      (key, kind, _container, message) => {
        const pod = this.pods.get(key);
        if (pod) this.events.warning(pod, 'Unhealthy', `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed: ${message}`);
      },
    );
  }

  async sync(key: string): Promise<void> {
    const pod = this.pods.get(key);
    const [namespace, name] = key.split('/') as [string, string];
    const all = (await this.runtime.listPodContainers()).filter((c) => c.namespace === namespace && c.podName === name);
    // Containers of another incarnation of the name (a pod deleted and created again), or of a
    // pod that is gone or no longer bound here.
    const mine = pod && pod.spec.nodeName === this.o.nodeName ? pod.metadata.uid : undefined;
    const stale = all.filter((c) => c.podUid !== mine);
    if (stale.length > 0) await this.killContainers(stale, 10, undefined);
    for (const uid of new Set(stale.map((c) => c.podUid))) this.forgetPod(uid);
    if (!pod || !mine) {
      this.probes.retainPod(key, new Set());
      return;
    }
    const containers = all.filter((c) => c.podUid === mine);

    if (pod.metadata.deletionTimestamp) return this.terminate(pod, containers);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.probes.retainPod(key, new Set());
      const running = containers.filter((c) => c.running);
      if (running.length > 0) await this.killContainers(running, pod.spec.terminationGracePeriodSeconds ?? 30, pod);
      return;
    }
    await this.syncRunning(pod, containers);
  }

  private async syncRunning(pod: Stored<Pod>, containers: RuntimeContainer[]): Promise<void> {
    const uid = pod.metadata.uid;
    const key = podKey(pod.metadata.namespace!, pod.metadata.name);
    const sandboxes = containers.filter((c) => c.name === SANDBOX_NAME).sort((a, b) => b.attempt - a.attempt);
    let sandbox = sandboxes.find((s) => s.running);
    if (!sandbox) {
      // A new pod, or its sandbox died: everything of the pod starts again in a new sandbox.
      const apps = containers.filter((c) => c.name !== SANDBOX_NAME && c.running);
      if (apps.length > 0) await this.killContainers(apps, 0, pod);
      for (const s of sandboxes) await this.runtime.remove(s.id);
      const attempt = sandboxes.length > 0 ? sandboxes[0]!.attempt + 1 : 0;
      const id = await this.createSandbox(pod, attempt);
      this.log.info({ pod: key, uid, attempt }, 'pod sandbox created');
      if (!pod.spec.hostNetwork) await ensureHairpin();
      sandbox = { id, podUid: uid, podName: pod.metadata.name, namespace: pod.metadata.namespace!, name: SANDBOX_NAME, attempt, hash: '', running: true, created: Math.floor(Date.now() / 1000) };
    }
    const podIP = pod.spec.hostNetwork ? this.o.nodeIP : (await this.runtime.inspect(sandbox.id, POD_NETWORK)).ip;
    for (const s of sandboxes) if (s.id !== sandbox.id) await this.runtime.remove(s.id);

    await this.bindClaims(pod);
    const sources = await this.podSources(pod);
    let dirs: Map<string, string>;
    try {
      dirs = await this.volumes.prepare(pod);
      await this.content.write(pod, dirs, sources);
    } catch (err) {
      if (!(err instanceof MountError)) throw err;
      // The pod waits in ContainerCreating; housekeeping tries again every period.
      this.events.warning(pod, 'FailedMount', err.message);
      const waiting = (spec: Container): ContainerView => ({ spec, ready: false, started: false, waiting: { reason: spec.restartPolicy === 'Always' || !pod.spec.initContainers?.includes(spec) ? 'ContainerCreating' : 'PodInitializing' } });
      await this.writeStatus(pod, podStatus(pod, pod.spec.containers.map(waiting), podIP, this.o.nodeIP, (pod.spec.initContainers ?? []).map(waiting), !pod.spec.initContainers?.length));
      return;
    }
    const current = containers.filter((c) => c.created >= sandbox.created);
    const appNames = new Set(pod.spec.containers.map((c) => c.name));
    // Once an app container ran in this sandbox the pod is initialized for good, as in Kubernetes.
    const appsStarted = current.some((c) => appNames.has(c.name));
    const policy: Restart = pod.spec.restartPolicy ?? 'Always';
    let appsDone = appsStarted && policy !== 'Always';
    for (const spec of pod.spec.containers) if (appsDone) appsDone = await this.finished(spec, containers, policy);
    const live = new Set<string>();
    const initViews: ContainerView[] = [];
    let initialized = true;
    for (const spec of pod.spec.initContainers ?? []) {
      const sidecar = spec.restartPolicy === 'Always';
      let view: ContainerView;
      if (!initialized) view = { spec, ready: false, started: false, waiting: { reason: 'PodInitializing' } };
      else if (appsDone && sidecar) view = await this.stopSidecar(pod, spec, containers);
      else if (appsStarted && !sidecar) view = await this.observe(spec, containers);
      else view = await this.syncContainer(pod, spec, containers, sandbox.id, podIP, dirs, sources, sidecar ? 'Always' : policy === 'Never' ? 'Never' : 'OnFailure', sandbox.created);
      initViews.push(view);
      if (view.current?.details.running) live.add(view.current.id);
      if (appsStarted) continue;
      const cur = view.current;
      const done = sidecar ? !!cur?.details.running && view.started : !!cur && !cur.details.running && cur.details.exitCode === 0 && current.some((c) => c.id === cur.id);
      if (!done) initialized = false;
    }
    const views: ContainerView[] = [];
    for (const spec of pod.spec.containers) {
      const view = initialized || appsStarted ? await this.syncContainer(pod, spec, containers, sandbox.id, podIP, dirs, sources, policy) : { spec, ready: false, started: false, waiting: { reason: 'PodInitializing' } };
      views.push(view);
      if (view.current?.details.running) live.add(view.current.id);
    }
    // Probe workers of containers that stopped.
    this.probes.retainPod(key, live);
    await this.writeStatus(pod, podStatus(pod, views, podIP, this.o.nodeIP, initViews, initialized || appsStarted));
  }

  /** Whether an app container has exited for good under the pod's restart policy. */
  private async finished(spec: Container, containers: RuntimeContainer[], policy: Restart): Promise<boolean> {
    const latest = containers.filter((c) => c.name === spec.name).sort((a, b) => b.attempt - a.attempt)[0];
    if (!latest || latest.running) return false;
    return policy === 'Never' || (await this.runtime.inspect(latest.id)).exitCode === 0;
  }

  /** A container's view from what Docker has, without acting on it. */
  private async observe(spec: Container, containers: RuntimeContainer[]): Promise<ContainerView> {
    const [latest, prior] = containers.filter((c) => c.name === spec.name).sort((a, b) => b.attempt - a.attempt);
    const view: ContainerView = { spec, ready: false, started: false };
    if (latest) view.current = await this.instance(latest, spec);
    if (prior) view.previous = await this.instance(prior, spec);
    if (view.current?.details.running) {
      view.started = this.probes.result(view.current.id, 'startup');
      view.ready = view.started && this.probes.result(view.current.id, 'readiness');
    }
    if (!view.current) view.waiting = { reason: 'PodInitializing' };
    return view;
  }

  /** The app containers are done: a native sidecar is stopped (the pod then completes). */
  private async stopSidecar(pod: Stored<Pod>, spec: Container, containers: RuntimeContainer[]): Promise<ContainerView> {
    const running = containers.find((c) => c.name === spec.name && c.running);
    if (running) {
      this.events.normal(pod, 'Killing', `Stopping container ${spec.name}`);
      await this.stopContainer(pod, running.id, spec, pod.spec.terminationGracePeriodSeconds ?? 30);
      running.running = false;
    }
    return this.observe(spec, containers);
  }

  /** The ConfigMaps and Secrets the pod names, read afresh (immutable ones once). */
  private async podSources(pod: Stored<Pod>): Promise<PodSources> {
    const ns = pod.metadata.namespace!;
    const read = async <T extends ConfigMap | Secret>(kind: 'configmaps' | 'secrets', name: string): Promise<T | undefined> => {
      const ckey = `${kind}/${ns}/${name}`;
      const held = this.immutable.get(ckey);
      if (held) return held as T;
      try {
        const o = await this.api.get<T>(kind === 'configmaps' ? R.configmaps : R.secrets, ns, name);
        if (o.immutable) this.immutable.set(ckey, o);
        return o;
      } catch (err) {
        if (errorCode(err) === 404 || errorCode(err) === 403) return undefined;
        throw err;
      }
    };
    const configMaps = new Map<string, ConfigMap | undefined>();
    const secrets = new Map<string, Secret | undefined>();
    for (const n of podReferences(pod, 'configmaps')) configMaps.set(n, await read<ConfigMap>('configmaps', n));
    for (const n of podReferences(pod, 'secrets')) secrets.set(n, await read<Secret>('secrets', n));
    return { configMaps, secrets, allocatable: this.o.allocatable() };
  }

  /**
   * Starts or restarts one container as `policy` says. `since`: for init containers, attempts of
   * an earlier sandbox count as not run (a new sandbox runs its init containers again).
   */
  private async syncContainer(pod: Stored<Pod>, spec: Container, containers: RuntimeContainer[], sandboxId: string, podIP: string, dirs: Map<string, string>, sources: PodSources, policy: Restart, since?: number): Promise<ContainerView> {
    const uid = pod.metadata.uid;
    const key = podKey(pod.metadata.namespace!, pod.metadata.name);
    const wkey = `${uid}/${spec.name}`;
    const instances = containers.filter((c) => c.name === spec.name).sort((a, b) => b.attempt - a.attempt);
    // Keep the latest two attempts (the current one and the previous, for `logs --previous`).
    for (const old of instances.slice(2)) await this.runtime.remove(old.id);
    const [latest, prior] = instances;
    const view: ContainerView = { spec, ready: false, started: false };
    if (latest) view.current = await this.instance(latest, spec);
    if (prior) view.previous = await this.instance(prior, spec);
    const hash = containerHash(spec);
    const earlier = since !== undefined && latest !== undefined && latest.created < since;

    if (latest?.running) {
      const t = this.probeTarget(key, latest.id, spec, podIP);
      this.probes.ensure(t);
      const livenessFailed = this.probes.failed(latest.id);
      if (livenessFailed || latest.hash !== hash) {
        const why = livenessFailed ? 'failed liveness probe, will be restarted' : 'definition changed, will be restarted';
        this.events.normal(pod, 'Killing', `Container ${spec.name} ${why}`);
        await this.stopContainer(pod, latest.id, spec, pod.spec.terminationGracePeriodSeconds ?? 30);
        this.o.enqueue(key);
        view.current = await this.instance(latest, spec);
        return view;
      }
      this.waiting.delete(wkey);
      view.started = this.probes.result(latest.id, 'startup');
      view.ready = view.started && this.probes.result(latest.id, 'readiness');
      return view;
    }

    // Not running: start it for the first time, or restart it as restartPolicy says.
    if (latest && view.current && !earlier) {
      const d = view.current.details;
      if (policy === 'Never' || (policy === 'OnFailure' && d.exitCode === 0)) {
        this.waiting.delete(wkey);
        return view;
      }
      const finished = d.finishedAt ? Date.parse(d.finishedAt) : Date.now();
      const ran = d.startedAt ? finished - Date.parse(d.startedAt) : 0;
      const wait = this.backoff.remaining(wkey, finished, ran);
      if (wait > 0) {
        const message = `back-off ${Math.round(this.backoffDelay(wkey) / 1000)}s restarting failed container=${spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})`;
        if (this.waiting.get(wkey)?.reason !== 'CrashLoopBackOff') this.events.warning(pod, 'BackOff', 'Back-off restarting failed container');
        this.waiting.set(wkey, { reason: 'CrashLoopBackOff', message });
        view.waiting = this.waiting.get(wkey)!;
        this.o.enqueue(key, wait + 50);
        return view;
      }
    }
    const attempt = latest ? latest.attempt + 1 : 0;
    try {
      await this.pullImage(pod, spec);
    } catch (err) {
      view.waiting = this.waiting.get(wkey) ?? { reason: 'ErrImagePull', message: (err as Error).message };
      return view;
    }
    try {
      const id = await this.createContainer(pod, spec, sandboxId, podIP, attempt, dirs, sources, hash);
      await this.runtime.start(id);
      this.events.normal(pod, 'Started', `Started container ${spec.name}`);
      if (latest) this.backoff.next(wkey);
      this.waiting.delete(wkey);
      const created: RuntimeContainer = { id, podUid: uid, podName: pod.metadata.name, namespace: pod.metadata.namespace!, name: spec.name, attempt, hash, running: true, created: Date.now() / 1000 };
      view.previous = view.current;
      view.current = await this.instance(created, spec);
      if (view.current.details.running) {
        this.probes.ensure(this.probeTarget(key, id, spec, podIP));
        view.started = this.probes.result(id, 'startup');
        view.ready = view.started && this.probes.result(id, 'readiness');
      }
      if (spec.lifecycle?.postStart) {
        const r = await runHandler(spec.lifecycle.postStart, this.probeTarget(key, id, spec, podIP), 30_000);
        if (!r.ok) {
          this.events.warning(pod, 'FailedPostStartHook', r.message);
          await this.stopContainer(pod, id, spec, 0);
        }
      }
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof ContainerConfigError) {
        // Kubernetes' CreateContainerConfigError: tried again each sync, so the container starts
        // once its ConfigMap or Secret is there.
        if (this.waiting.get(wkey)?.message !== message) this.events.warning(pod, 'Failed', `Error: ${message}`);
        this.waiting.set(wkey, { reason: 'CreateContainerConfigError', message });
        view.waiting = this.waiting.get(wkey)!;
        return view;
      }
      this.events.warning(pod, 'Failed', `Error: ${message}`);
      this.waiting.set(wkey, { reason: 'CreateContainerError', message });
      view.waiting = this.waiting.get(wkey)!;
      this.backoff.next(wkey);
      this.o.enqueue(key, this.backoffDelay(wkey));
    }
    return view;
  }

  private backoffDelay(wkey: string): number {
    return Math.max(this.backoff.remaining(wkey, Date.now(), 0), this.o.backoffInitialMs);
  }

  private async instance(c: RuntimeContainer, spec: Container): Promise<Instance> {
    const details = await this.runtime.inspect(c.id);
    const i: Instance = { id: c.id, attempt: c.attempt, details };
    if (!details.running && details.finishedAt) {
      let message = this.messages.get(c.id);
      if (message === undefined) {
        message = spec.terminationMessagePath ? this.volumes.terminationMessage(c.podUid, spec.name, c.attempt) : '';
        if (!message && spec.terminationMessagePolicy === 'FallbackToLogsOnError' && details.exitCode !== 0) {
          const tail = Buffer.from(await this.runtime.tail(c.id, FALLBACK_LINES).catch(() => ''));
          message = tail.subarray(Math.max(tail.length - FALLBACK_BYTES, 0)).toString('utf8');
        }
        this.messages.set(c.id, message);
      }
      if (message) i.message = message;
    }
    return i;
  }

  private probeTarget(podKeyStr: string, id: string, spec: Container, podIP: string): ProbeTarget {
    return { podKey: podKeyStr, containerId: id, container: spec, podIP, exec: (cmd, ms) => this.runtime.exec(id, cmd, ms) };
  }

  private async pullImage(pod: Stored<Pod>, spec: Container): Promise<void> {
    const image = spec.image ?? '';
    const wkey = `${pod.metadata.uid}/${spec.name}`;
    const policy = spec.imagePullPolicy ?? (image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent');
    const present = await this.runtime.hasImage(image);
    if (policy === 'Never') {
      if (present) return;
      this.waiting.set(wkey, { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` });
      this.events.warning(pod, 'ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
      throw new Error('image not present');
    }
    if (present && policy === 'IfNotPresent') return;
    const key = podKey(pod.metadata.namespace!, pod.metadata.name);
    const wait = this.imageBackoff.remaining(wkey, Date.now(), 0);
    const prev = this.waiting.get(wkey);
    if (prev && (prev.reason === 'ErrImagePull' || prev.reason === 'ImagePullBackOff') && wait > 0) {
      this.waiting.set(wkey, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
      this.o.enqueue(key, wait + 50);
      throw new Error('image pull back-off');
    }
    this.events.normal(pod, 'Pulling', `Pulling image "${image}"`);
    const started = Date.now();
    try {
      await this.runtime.pull(image);
      this.imageBackoff.forget(wkey);
      this.events.normal(pod, 'Pulled', `Successfully pulled image "${image}" in ${Date.now() - started}ms`);
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      this.imageBackoff.next(wkey);
      this.waiting.set(wkey, { reason: 'ErrImagePull', message: err.message });
      this.events.warning(pod, 'Failed', err.message);
      this.o.enqueue(key, this.imageBackoff.remaining(wkey, Date.now(), 0) + 50);
      throw err;
    }
  }

  private labels(pod: Stored<Pod>, container: string, attempt: number, type: 'podsandbox' | 'container', hash = ''): Record<string, string> {
    return {
      [LABEL_POD_UID]: pod.metadata.uid,
      [LABEL_POD_NAME]: pod.metadata.name,
      [LABEL_POD_NAMESPACE]: pod.metadata.namespace!,
      [LABEL_CONTAINER_NAME]: container,
      [LABEL_ATTEMPT]: String(attempt),
      [LABEL_TYPE]: type,
      ...(hash ? { [LABEL_HASH]: hash } : {}),
    };
  }

  private async createSandbox(pod: Stored<Pod>, attempt: number): Promise<string> {
    if (!(await this.runtime.hasImage(this.o.pauseImage))) await this.runtime.pull(this.o.pauseImage);
    const ns = pod.metadata.namespace!;
    const hostname = pod.spec.hostname ?? pod.metadata.name;
    const sysctls = pod.spec.securityContext?.sysctls ?? [];
    const id = await this.runtime.create({
      name: containerName(SANDBOX_NAME, pod.metadata.name, ns, pod.metadata.uid, attempt),
      Image: this.o.pauseImage,
      // A hostNetwork pod has the node's network and name; Docker refuses a hostname there.
      ...(pod.spec.hostNetwork ? {} : { Hostname: hostname.slice(0, 63), ...(pod.spec.subdomain ? { Domainname: `${pod.spec.subdomain}.${ns}.svc.${this.o.dns.clusterDomain}` } : {}) }),
      Labels: this.labels(pod, SANDBOX_NAME, attempt, 'podsandbox'),
      HostConfig: {
        NetworkMode: pod.spec.hostNetwork ? 'host' : POD_NETWORK,
        IpcMode: pod.spec.hostIPC ? 'host' : 'shareable',
        ...(pod.spec.hostPID ? { PidMode: 'host' } : {}),
        ...(sysctls.length ? { Sysctls: Object.fromEntries(sysctls.map((x) => [x.name, x.value])) } : {}),
        RestartPolicy: { Name: 'no' },
        // hostAliases, in the /etc/hosts every container of the pod shares.
        ...(pod.spec.hostAliases?.length ? { ExtraHosts: pod.spec.hostAliases.flatMap((h) => (h.hostnames ?? []).map((n) => `${n}:${h.ip}`)) } : {}),
      },
    });
    await this.runtime.start(id);
    await this.writeResolvConf(pod, id);
    return id;
  }

  /**
   * The pod's resolv.conf in place of the one Docker wrote (which names its own 127.0.0.11 on
   * a user-defined network), as Kubernetes' dockershim did: the app containers join the
   * sandbox's network and so read this same file.
   */
  private async writeResolvConf(pod: Stored<Pod>, sandboxId: string): Promise<void> {
    // A kubelet without --cluster-dns leaves Docker's resolv.conf to the pods that ask nothing else.
    const asked = pod.spec.dnsConfig || pod.spec.dnsPolicy === 'Default' || pod.spec.dnsPolicy === 'None';
    if (!this.o.dns.clusterDns.length && !asked) return;
    const dns = podDns(pod, this.o.dns);
    if (dns.warning) this.events.warning(pod, 'MissingClusterDNS', dns.warning);
    const file = (await this.runtime.inspect(sandboxId)).resolvConfPath;
    if (!file) return;
    await fs.promises.writeFile(file, resolvConfText(dns));
  }

  private async createContainer(pod: Stored<Pod>, spec: Container, sandboxId: string, podIP: string, attempt: number, dirs: Map<string, string>, sources: PodSources, hash: string): Promise<string> {
    const services = this.services.list().filter((s) => s.metadata.namespace === pod.metadata.namespace);
    const { env, skipped } = containerEnv(pod, spec, services, podIP, this.o.nodeIP, sources, this.services.get('default/kubernetes'));
    for (const message of skipped) this.events.warning(pod, 'InvalidEnvironmentVariableNames', message);
    const image = spec.image ?? '';
    const sc = { ...pod.spec.securityContext, ...spec.securityContext };
    const needsImageUser = sc.runAsNonRoot === true || (sc.runAsGroup !== undefined && sc.runAsUser === undefined);
    const security = dockerSecurity(pod, spec, needsImageUser ? await this.runtime.imageUser(image) : '');
    const cpu = spec.resources?.limits?.cpu;
    const memory = spec.resources?.limits?.memory;
    const args = (a: string[] | undefined): string[] | undefined => a?.map((x) => expand(x, env));
    const cmd = args(spec.args);
    const entrypoint = args(spec.command);
    const binds = this.volumes.binds(pod, spec, dirs, env);
    if (spec.terminationMessagePath) binds.push(`${this.volumes.terminationFile(pod.metadata.uid, spec.name, attempt)}:${spec.terminationMessagePath}`);
    const { User, ...hostSecurity } = security;
    this.events.normal(pod, 'Created', `Created container ${spec.name}`);
    return this.runtime.create({
      name: containerName(spec.name, pod.metadata.name, pod.metadata.namespace!, pod.metadata.uid, attempt),
      Image: image,
      ...(entrypoint ? { Entrypoint: entrypoint } : {}),
      ...(cmd ? { Cmd: cmd } : entrypoint ? { Cmd: [] } : {}),
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
      ...(User ? { User } : {}),
      Labels: this.labels(pod, spec.name, attempt, 'container', hash),
      Tty: spec.tty ?? false,
      OpenStdin: spec.stdin ?? false,
      StdinOnce: spec.stdinOnce ?? false,
      HostConfig: {
        NetworkMode: `container:${sandboxId}`,
        IpcMode: `container:${sandboxId}`,
        ...(pod.spec.hostPID ? { PidMode: 'host' } : pod.spec.shareProcessNamespace ? { PidMode: `container:${sandboxId}` } : {}),
        Binds: binds,
        RestartPolicy: { Name: 'no' },
        CpuShares: cpuShares(cpuMillis(spec.resources?.requests?.cpu)),
        ...(cpu ? { NanoCpus: cpuMillis(cpu) * 1_000_000 } : {}),
        ...(memory ? { Memory: bytes(memory) } : {}),
        ...hostSecurity,
      },
    });
  }

  /** preStop, then SIGTERM, then SIGKILL after the grace period. */
  private async stopContainer(pod: Stored<Pod> | undefined, id: string, spec: Container | undefined, graceSeconds: number): Promise<void> {
    const started = Date.now();
    if (pod && spec?.lifecycle?.preStop && graceSeconds > 0) {
      const r = await runHandler(spec.lifecycle.preStop, this.probeTarget('', id, spec, pod.status?.podIP ?? ''), graceSeconds * 1000);
      if (!r.ok) this.events.warning(pod, 'FailedPreStopHook', `PreStopHook failed: ${r.message}`);
    }
    const left = Math.max(graceSeconds - Math.floor((Date.now() - started) / 1000), pod && graceSeconds > 0 ? 2 : 0);
    await this.runtime.stop(id, left);
  }

  /** App containers first (in parallel), then native sidecars in reverse order, the sandbox last. */
  private async killContainers(list: RuntimeContainer[], graceSeconds: number, pod: Stored<Pod> | undefined): Promise<void> {
    const sidecars = (pod?.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
    const stop = async (c: RuntimeContainer): Promise<void> => {
      if (c.running) {
        if (pod) this.events.normal(pod, 'Killing', `Stopping container ${c.name}`);
        const spec = [...(pod?.spec.containers ?? []), ...(pod?.spec.initContainers ?? [])].find((s) => s.name === c.name);
        await this.stopContainer(pod, c.id, spec, graceSeconds);
      }
      if (!pod) await this.runtime.remove(c.id);
    };
    await Promise.all(list.filter((c) => c.name !== SANDBOX_NAME && !sidecars.includes(c.name)).map(stop));
    for (const name of [...sidecars].reverse()) for (const c of list.filter((x) => x.name === name)) await stop(c);
    for (const s of list.filter((c) => c.name === SANDBOX_NAME)) {
      await this.runtime.stop(s.id, 0);
      if (!pod) await this.runtime.remove(s.id);
    }
  }

  private async terminate(pod: Stored<Pod>, containers: RuntimeContainer[]): Promise<void> {
    const uid = pod.metadata.uid;
    if (this.terminating.has(uid)) return;
    this.terminating.add(uid);
    try {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      await this.killContainers(containers, grace, pod);
      for (const c of containers) await this.runtime.remove(c.id);
      this.log.info({ pod: podKey(pod.metadata.namespace!, pod.metadata.name), uid }, 'pod terminated');
      await this.volumes.cleanup(uid);
      this.content.forget(uid);
      for (const c of containers) this.messages.delete(c.id);
      this.forgetPod(uid);
      try {
        await this.api.delete(R.pods, pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        if (errorCode(err) !== 404 && errorCode(err) !== 409) throw err;
      }
    } finally {
      this.terminating.delete(uid);
    }
  }

  /**
   * Claims are node-local: the first node to use one records itself on it (the annotation the
   * scheduler reads to bring the claim's later pods back here) and marks it Bound.
   */
  private async bindClaims(pod: Stored<Pod>): Promise<void> {
    for (const v of pod.spec.volumes ?? []) {
      if (!v.persistentVolumeClaim) continue;
      const name = v.persistentVolumeClaim.claimName;
      let claim: PersistentVolumeClaim;
      try {
        claim = await this.api.get<PersistentVolumeClaim>(R.pvcs, pod.metadata.namespace, name);
      } catch (err) {
        if (errorCode(err) === 404) throw new Error(`persistentvolumeclaim "${name}" not found`);
        throw err;
      }
      const at = claim.metadata.annotations?.[SELECTED_NODE];
      if (at && at !== this.o.nodeName) throw new Error(`persistentvolumeclaim "${name}" holds its data on node ${at}`);
      if (at && claim.status?.phase === 'Bound') continue;
      await this.api.patch(R.pvcs, pod.metadata.namespace, name, 'merge', { metadata: { annotations: { [SELECTED_NODE]: this.o.nodeName } } });
      const storage = claim.spec.resources?.requests?.storage;
      await this.api.patch(R.pvcs, pod.metadata.namespace, name, 'merge', { status: { phase: 'Bound', accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'], ...(storage ? { capacity: { storage } } : {}) } }, true);
    }
  }

  private forgetPod(uid: string): void {
    this.backoff.forget(`${uid}/`);
    this.imageBackoff.forget(`${uid}/`);
    for (const k of this.waiting.keys()) if (k.startsWith(`${uid}/`)) this.waiting.delete(k);
  }

  private async writeStatus(pod: Stored<Pod>, status: PodStatus): Promise<void> {
    if (canonicalJson(withoutConditionTimes(status)) === canonicalJson(withoutConditionTimes(pod.status ?? {}))) return;
    await this.api.patch(R.pods, pod.metadata.namespace, pod.metadata.name, 'merge', { metadata: { uid: pod.metadata.uid }, status }, true);
  }
}
