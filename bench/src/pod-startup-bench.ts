// 1. Pod startup: 30 pods (pause + one app container) created at once over the hosts, creation
// -> all containers running as seen through a watch; baseline: the same pause + app containers
// created straight through dockerode on the same hosts with the same concurrency. Also one pod
// alone, with a cold and a warm image.
import Docker from 'dockerode';
import { R, type Pod } from '@tinykube/api';
import { deleteNamespace, freshNamespace, type Local } from './local-cluster';
import { median, percentile, timed, type Row } from './stats';

const ROUNDS = 3;
const NS = 'bench-startup';
const APP = { image: 'busybox:1.35', cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] };

function pod(name: string, node?: string, image = APP.image): Pod {
  const container = image === APP.image ? { name: 'app', image, command: APP.cmd } : { name: 'app', image };
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { ...(node ? { nodeName: node } : {}), terminationGracePeriodSeconds: 1, containers: [container] } };
}

function running(p: Pod): boolean {
  const cs = p.status?.containerStatuses ?? [];
  return cs.length === p.spec.containers.length && cs.every((c) => c.state?.running);
}

/** Creates pods at once; resolves each one's create-start -> seen-running latency. */
async function startPods(local: Local, pods: Pod[]): Promise<number[]> {
  const started = new Map<string, number>();
  const done = new Map<string, number>();
  const finished = new Promise<void>((resolve) => {
    const h = local.api.watch(R.pods, NS, {}, (type, o) => {
      const p = o as Pod;
      if (type !== 'DELETED' && running(p) && started.has(p.metadata.name!) && !done.has(p.metadata.name!)) {
        done.set(p.metadata.name!, performance.now());
        if (done.size === pods.length) {
          h.stop();
          resolve();
        }
      }
    }, () => undefined);
  });
  await new Promise((r) => setTimeout(r, 200)); // the watch stream opens (setup, not measured)
  await Promise.all(pods.map(async (p) => {
    started.set(p.metadata.name!, performance.now());
    await local.api.create(R.pods, p);
  }));
  await Promise.race([finished, new Promise((_, rej) => setTimeout(() => rej(new Error('pods did not start within 180 s')), 180_000))]);
  return pods.map((p) => done.get(p.metadata.name!)! - started.get(p.metadata.name!)!);
}

async function deleteAll(local: Local): Promise<void> {
  const list = (await local.api.list<Pod>(R.pods, NS)).items;
  await Promise.all(list.map((p) => local.api.delete(R.pods, NS, p.metadata.name).catch(() => undefined)));
  const deadline = Date.now() + 120_000;
  while ((await local.api.list(R.pods, NS)).items.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
}

/** The baseline: what the kubelet asks Docker for, with nothing in between. */
async function bareDocker(docker: Docker, tag: string, image: string, cmd?: string[]): Promise<{ ms: number; ids: string[] }> {
  const { ms, value } = await timed(async () => {
    const pause = await docker.createContainer({ name: `bench-pause-${tag}`, Image: 'pause:3.9', Hostname: `b-${tag}`, HostConfig: { NetworkMode: 'tinykube', IpcMode: 'shareable' } });
    await pause.start();
    await pause.inspect();
    const app = await docker.createContainer({ name: `bench-app-${tag}`, Image: image, ...(cmd ? { Cmd: cmd } : {}), HostConfig: { NetworkMode: `container:${pause.id}`, IpcMode: `container:${pause.id}` } });
    await app.start();
    return [app.id, pause.id];
  });
  return { ms, ids: value };
}

async function removeAll(docker: Docker, ids: string[]): Promise<void> {
  for (const id of ids) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
}

async function pull(docker: Docker, image: string): Promise<void> {
  const stream = (await docker.pull(image));
  await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(undefined))));
}

export async function podStartupBench(local: Local, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  await freshNamespace(local.api, NS);
  const dockers = local.plan.nodes.map((n) => new Docker({ socketPath: n.dockerSocket }));
  const p50: number[] = [];
  const p99: number[] = [];
  const b50: number[] = [];
  const b99: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const lat = await startPods(local, Array.from({ length: 30 }, (_, i) => pod(`s-${r}-${i}`)));
    p50.push(percentile(lat, 50));
    p99.push(percentile(lat, 99));
    await deleteAll(local);
    // Same concurrency: 30 at once, spread over the hosts as the scheduler spread the pods.
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => bareDocker(dockers[i % dockers.length]!, `${r}-${i}`, APP.image, APP.cmd)));
    b50.push(percentile(results.map((x) => x.ms), 50));
    b99.push(percentile(results.map((x) => x.ms), 99));
    await Promise.all(results.map((x, i) => removeAll(dockers[i % dockers.length]!, x.ids)));
    log(`  round ${r + 1}: tinykube p50 ${p50[r]!.toFixed(0)} / p99 ${p99[r]!.toFixed(0)} ms; docker p50 ${b50[r]!.toFixed(0)} / p99 ${b99[r]!.toFixed(0)} ms`);
  }
  rows.push({ benchmark: 'pod startup', figure: '30 pods at once, p50', value: median(p50), unit: 'ms', baseline: median(b50), baselineLabel: 'bare dockerode p50 ms', ratio: median(p50) / median(b50) });
  rows.push({ benchmark: 'pod startup', figure: '30 pods at once, p99', value: median(p99), unit: 'ms', baseline: median(b99), baselineLabel: 'bare dockerode p99 ms', ratio: median(p99) / median(b99), target: '<= 1.25x', met: median(p99) / median(b99) <= 1.25 });
  // One pod alone on node-1, cold (image removed first) and warm.
  const node = local.plan.nodes[0]!.name;
  const docker = dockers[0]!;
  const image = 'redis:7.0';
  for (const cold of [true, false]) {
    const t: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (cold) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
      t.push((await startPods(local, [pod(`one-${cold ? 'c' : 'w'}-${r}`, node, image)]))[0]!);
      await deleteAll(local);
      if (cold) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
      const bare = await timed(async () => {
        if (!(await docker.getImage(image).inspect().then(() => true, () => false))) await pull(docker, image);
        return bareDocker(docker, `one-${cold}-${r}`, image);
      });
      b.push(bare.ms);
      await removeAll(docker, bare.value.ids);
    }
    rows.push({ benchmark: 'pod startup', figure: `1 pod alone, ${cold ? 'cold' : 'warm'} image`, value: median(t), unit: 'ms', baseline: median(b), baselineLabel: 'bare dockerode ms', ratio: median(t) / median(b) });
    log(`  one pod, ${cold ? 'cold' : 'warm'}: ${median(t).toFixed(0)} ms vs docker ${median(b).toFixed(0)} ms`);
  }
  await deleteNamespace(local.api, NS);
  return rows;
}
