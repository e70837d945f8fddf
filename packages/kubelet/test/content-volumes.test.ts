import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { R, type ConfigMap, type Pod, type Stored } from '@tinykube/api';
import { FakeApiClient } from '@tinykube/client';
import { ContentVolumes, type PodSources } from '../src';

async function sources(api: FakeApiClient, ns: string, names: string[]): Promise<PodSources> {
  const configMaps = new Map<string, ConfigMap | undefined>();
  for (const n of names) configMaps.set(n, await api.get<ConfigMap>(R.configmaps, ns, n).catch(() => undefined));
  return { configMaps, secrets: new Map(), allocatable: { cpu: '2', memory: '4Gi' } };
}

function pod(api: FakeApiClient): Stored<Pod> {
  api.seed(R.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: 'team' } });
  api.seed(R.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'team' }, data: { 'ca.crt': 'THE CA' } } as never);
  api.seed(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'team', labels: { app: 'web', tier: 'front' } },
    spec: {
      serviceAccountName: 'reader',
      containers: [{ name: 'c' }],
      volumes: [
        {
          name: 'kube-api-access-x',
          projected: {
            defaultMode: 0o644,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3600, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }, { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
            ],
          },
        },
      ],
    },
  } as Pod);
  return api.find<Pod>(R.pods, 'team', 'p')!;
}

test('a projected ServiceAccount volume: a token bound to the pod, the CA and the namespace as files; the token renewed only after 80% of its life', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-projected-'));
  try {
    const api = new FakeApiClient();
    const p = pod(api);
    let now = Date.now();
    const volumes = new ContentVolumes(api, () => now);
    const src = await sources(api, 'team', ['kube-root-ca.crt']);
    const dirs = new Map([['kube-api-access-x', dir]]);
    await volumes.write(p, dirs, src);
    const token = fs.readFileSync(path.join(dir, 'token'), 'utf8');
    assert.match(token, /^fake-token-team-reader-/);
    assert.equal(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), 'THE CA');
    assert.equal(fs.readFileSync(path.join(dir, 'namespace'), 'utf8'), 'team');
    assert.equal(fs.readFileSync(path.join(dir, 'labels'), 'utf8'), 'app="web"\ntier="front"');
    assert.equal(fs.statSync(path.join(dir, 'token')).mode & 0o777, 0o644);
    const bound = api.actions.filter((a) => a.resource === 'serviceaccounts/token');
    assert.equal(bound.length, 1);
    now += 0.79 * 3600_000;
    await volumes.write(p, dirs, src);
    assert.equal(fs.readFileSync(path.join(dir, 'token'), 'utf8'), token, 'not yet due');
    now += 0.02 * 3600_000;
    await volumes.write(p, dirs, src);
    assert.notEqual(fs.readFileSync(path.join(dir, 'token'), 'utf8'), token, 'renewed at 80%');
    assert.equal(api.actions.filter((a) => a.resource === 'serviceaccounts/token').length, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a projected volume whose ConfigMap is missing fails to mount, as Kubernetes says it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-projected-'));
  try {
    const api = new FakeApiClient();
    const p = pod(api);
    await api.delete(R.configmaps, 'team', 'kube-root-ca.crt');
    await assert.rejects(new ContentVolumes(api).write(p, new Map([['kube-api-access-x', dir]]), await sources(api, 'team', ['kube-root-ca.crt'])), /MountVolume.SetUp failed for volume "kube-api-access-x" : configmap "kube-root-ca.crt" not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
