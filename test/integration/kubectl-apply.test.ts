// kubectl's client-side apply against the apiserver alone: kubectl computes its patches from the
// published schemas, and the server merges them with the same merge keys.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { R, type Deployment } from '@tinykube/api';
import { run, startTestApi, type TestCluster } from '../helpers';

let c: TestCluster;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinykube-apply-'));
before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function manifest(env: string[], tolerations: string[]): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'ordered' },
    spec: {
      selector: { matchLabels: { app: 'ordered' } },
      template: {
        metadata: { labels: { app: 'ordered' } },
        spec: {
          containers: [{ name: 'web', image: 'nginx:1.22', env: env.map((name) => ({ name, value: name === 'C' ? '$(B)' : name })) }],
          tolerations: tolerations.map((key) => ({ key, operator: 'Exists' })),
        },
      },
    },
  });
}

test("an env var inserted between two lands in the manifest's order; a changed toleration list is replaced whole", async () => {
  const file = path.join(dir, 'ordered.json');
  const apply = (): Promise<string> => run('kubectl', ['--kubeconfig', c.kubeconfig, 'apply', '-f', file]);
  fs.writeFileSync(file, manifest(['A', 'C'], ['one', 'two']));
  assert.match(await apply(), /created/);
  fs.writeFileSync(file, manifest(['A', 'B', 'C'], ['two']));
  assert.match(await apply(), /configured/);
  const d = await c.rest.get<Deployment>(R.deployments, 'default', 'ordered');
  assert.deepEqual(d.spec.template.spec.containers[0]!.env?.map((e) => e.name), ['A', 'B', 'C']);
  // The apiserver adds its default tolerations to pods, not to templates: the list is the manifest's.
  assert.deepEqual(d.spec.template.spec.tolerations?.map((t) => t.key), ['two']);
});
