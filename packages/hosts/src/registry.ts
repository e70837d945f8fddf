import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Daemons } from './processes';
import { waitForDaemons } from './wait';

// The local image registry (Debian's docker-registry), listening on the master's bridge address
// so every node's dockerd can use it as its mirror. Its storage lives in the cache directory,
// which `down` keeps, so images are built once.

/** Writes the registry's config (storage under cacheDir, listening on address); returns its path. */
export function writeRegistryConfig(cacheDir: string, address: string): string {
  const config = path.join(cacheDir, 'registry.yml');
  fs.mkdirSync(path.join(cacheDir, 'registry'), { recursive: true });
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(cacheDir, 'registry')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}`,
      '',
    ].join('\n'),
  );
  return config;
}

export async function startRegistry(daemons: Daemons, cacheDir: string, address: string, timeoutMs = 30_000): Promise<void> {
  const config = writeRegistryConfig(cacheDir, address);
  daemons.start({ name: 'registry', command: 'docker-registry', args: ['serve', config] });
  await waitForDaemons({
    what: `the registry at ${address}`,
    timeoutMs,
    daemons,
    watch: ['registry'],
    check: async () => (await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2000) })).ok,
  });
}

/** Whether the registry holds name:tag. */
export async function hasManifest(address: string, name: string, tag: string): Promise<boolean> {
  const res = await fetch(`http://${address}/v2/library/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    signal: AbortSignal.timeout(5000),
  });
  return res.ok;
}
