import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { run } from './exec';
import { hasManifest } from './registry';

// Builds the cluster's images from sources in images/ and the machine's Debian packages (no
// public registry is reachable), and pushes them to the local registry as library/<name>:<tag>.
// A content hash of every input decides whether an image must be rebuilt.

export interface ImageSpec {
  name: string;
  tag: string;
  /** A C source compiled statically into the image. */
  compile?: { source: string; output: string };
  /** busybox-static with a link per applet. */
  busybox?: boolean;
  /** Binaries of the build host, copied with the shared libraries they load. */
  binaries?: string[];
  /** [source (absolute, or relative to images/), path in the image]. */
  files?: [string, string][];
  /** A built main of this checkout (relative to the repository), bundled with its dependencies into one file by esbuild. */
  bundle?: { entry: string; output: string };
  dirs?: string[];
  workdir?: string;
  ports?: number[];
  entrypoint?: string[];
  cmd?: string[];
}

/** Bump when the way images are assembled changes, so cached images are rebuilt. */
const FORMAT = 'tinykube-image-v1';

export function loadImageSpecs(imagesDir: string): ImageSpec[] {
  return (JSON.parse(fs.readFileSync(path.join(imagesDir, 'images.json'), 'utf8')) as { images: ImageSpec[] }).images;
}

/** Shared libraries a dynamic binary loads, including the loader itself (from ldd). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let out: string;
  try {
    out = (await run('ldd', [binary])).stdout;
  } catch {
    return []; // static
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

/**
 * One JavaScript file with everything `entry` requires, so the image needs no node_modules.
 * esbuild is made for this; its output for the same sources is the same, so the image hash holds.
 */
async function bundled(spec: ImageSpec, imagesDir: string): Promise<string> {
  const entry = path.join(imagesDir, '..', spec.bundle!.entry);
  if (!fs.existsSync(entry)) throw new Error(`image ${spec.name}: ${entry} is missing (run npm run build)`);
  const out = path.join(os.tmpdir(), 'tinykube-bundles', `${spec.name}-${spec.tag}.js`);
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, logLevel: 'error', legalComments: 'none' });
  return out;
}

/** Every host file an image is made of: [host path, image path]. */
async function inputs(spec: ImageSpec, imagesDir: string): Promise<[string, string][]> {
  const files: [string, string][] = [];
  if (spec.bundle) files.push([await bundled(spec, imagesDir), spec.bundle.output]);
  if (spec.busybox) files.push(['/usr/bin/busybox', '/bin/busybox']);
  for (const bin of spec.binaries ?? []) {
    files.push([bin, bin]);
    for (const lib of await sharedLibraries(bin)) files.push([lib, lib]);
  }
  for (const [src, dst] of spec.files ?? []) files.push([path.isAbsolute(src) ? src : path.join(imagesDir, src), dst]);
  if (spec.compile) files.push([path.join(imagesDir, spec.compile.source), '']);
  for (const [src] of files) if (!fs.existsSync(src)) throw new Error(`image ${spec.name}: ${src} is missing (is its Debian package installed?)`);
  return files;
}

export async function imageHash(spec: ImageSpec, imagesDir: string): Promise<string> {
  const h = createHash('sha256').update(FORMAT).update(JSON.stringify(spec));
  for (const [src, dst] of await inputs(spec, imagesDir)) h.update(src).update(dst).update(fs.readFileSync(src));
  return h.digest('hex');
}

/** Lays out the build context: rootfs/ plus a Dockerfile FROM scratch. */
async function buildContext(spec: ImageSpec, imagesDir: string, dir: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  const rootfs = path.join(dir, 'rootfs');
  const put = (src: string, dst: string): void => {
    const target = path.join(rootfs, dst);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(fs.realpathSync(src), target);
    fs.chmodSync(target, fs.statSync(fs.realpathSync(src)).mode & 0o7777);
  };
  for (const [src, dst] of await inputs(spec, imagesDir)) if (dst) put(src, dst);
  if (spec.compile) {
    const out = path.join(rootfs, spec.compile.output);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await run('gcc', ['-static', '-O2', '-o', out, path.join(imagesDir, spec.compile.source)]);
  }
  if (spec.busybox) {
    for (const applet of (await run('/usr/bin/busybox', ['--list-full'])).stdout.split('\n').filter(Boolean)) {
      const link = path.join(rootfs, applet);
      if (fs.existsSync(link)) continue;
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync('/bin/busybox', link);
    }
  }
  for (const d of [...(spec.dirs ?? []), '/tmp', '/etc']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  const lines = ['FROM scratch', 'COPY rootfs/ /'];
  if (spec.workdir) lines.push(`WORKDIR ${spec.workdir}`);
  for (const p of spec.ports ?? []) lines.push(`EXPOSE ${p}`);
  if (spec.entrypoint) lines.push(`ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`);
  if (spec.cmd) lines.push(`CMD ${JSON.stringify(spec.cmd)}`);
  lines.push(`LABEL org.tinykube.image="${spec.name}:${spec.tag}"`);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `${lines.join('\n')}\n`);
}

/** Follows a dockerode progress stream; rejects on the first error message in it. */
function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
      const failed = err ?? output.find((o) => o.error);
      if (failed) reject(new Error(failed instanceof Error ? failed.message : String(failed.error)));
      else resolve();
    });
  });
}

export interface BuildResult {
  image: string;
  built: boolean;
}

/** Builds (when its inputs changed) and pushes one image; returns whether it was rebuilt. */
export async function ensureImage(getDocker: () => Promise<Docker>, spec: ImageSpec, o: { imagesDir: string; cacheDir: string; registry: string }): Promise<BuildResult> {
  const ref = `${spec.name}:${spec.tag}`;
  const hash = await imageHash(spec, o.imagesDir);
  const stamp = path.join(o.cacheDir, 'images', `${spec.name}-${spec.tag}.hash`);
  const cached = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash;
  if (cached && (await hasManifest(o.registry, spec.name, spec.tag))) return { image: ref, built: false };
  const docker = await getDocker();
  const dir = path.join(o.cacheDir, 'build', `${spec.name}-${spec.tag}`);
  await buildContext(spec, o.imagesDir, dir);
  const tag = `${o.registry}/library/${ref}`;
  await follow(docker, await docker.buildImage({ context: dir, src: ['Dockerfile', 'rootfs'] }, { t: tag, networkmode: 'none', rm: true, forcerm: true }));
  await follow(docker, await docker.getImage(tag).push({ authconfig: { serveraddress: o.registry } }));
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, hash);
  fs.rmSync(dir, { recursive: true, force: true });
  return { image: ref, built: true };
}
