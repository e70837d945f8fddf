// Cluster add-ons: manifests in addons/ of this checkout, their placeholders filled in, created
// or replaced object by object (as `kubectl apply` would), by `up` and by install-master.sh.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ApiError, firstAddress, ipToNumber, numberToIp, resourceByKind, type KubeObject } from '@tinykube/api';
import type { ApiClient } from '@tinykube/client';

/** kubeadm's cluster DNS address: the tenth of the Service range. */
export function clusterDnsIp(serviceCidr: string): string {
  return numberToIp(ipToNumber(firstAddress(serviceCidr)) + 9);
}

export function renderAddon(text: string, values: Record<string, string>): KubeObject[] {
  const filled = text.replace(/\{\{([A-Z_]+)\}\}/g, (m, k: string) => {
    if (!(k in values)) throw new Error(`add-on placeholder ${m} has no value`);
    return values[k]!;
  });
  return parseAllDocuments(filled)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o);
}

export async function applyAddon(api: ApiClient, repoDir: string, name: string, values: Record<string, string>): Promise<void> {
  for (const obj of renderAddon(fs.readFileSync(path.join(repoDir, 'addons', `${name}.yaml`), 'utf8'), values)) {
    const r = resourceByKind(obj.apiVersion ?? '', obj.kind ?? '');
    if (!r) throw new Error(`add-on ${name}: ${obj.apiVersion} ${obj.kind} is not served`);
    const cur = await api.get<KubeObject>(r, obj.metadata.namespace, obj.metadata.name!).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    });
    if (!cur) await api.create(r, obj);
    else await api.update(r, { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
  }
}
