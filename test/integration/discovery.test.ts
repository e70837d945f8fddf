// Discovery as kubectl reads it: aggregated discovery (apidiscovery.k8s.io/v2) when asked for,
// legacy documents otherwise, the OpenAPI v3 paths its validation checks and the schemas
// `kubectl explain` prints (the real kubectl binary).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '@tinykube/api';
import { run, startTestApi, type TestCluster } from '../helpers';

let c: TestCluster;
before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
});

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

interface Discovery {
  kind: string;
  items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; scope: string; responseKind: { kind: string }; subresources?: { subresource: string; responseKind: { group: string; kind: string } }[] }[] }[] }[];
}

test('aggregated discovery lists every resource with its subresources', async () => {
  const apis = await c.fetch(`${c.api.url}/apis`, { headers: { Accept: AGGREGATED } });
  assert.equal(apis.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const doc = (await apis.json()) as Discovery;
  assert.equal(doc.kind, 'APIGroupDiscoveryList');
  const apps = doc.items.find((g) => g.metadata.name === 'apps')!.versions[0]!;
  const deployments = apps.resources.find((r) => r.resource === 'deployments')!;
  assert.equal(deployments.scope, 'Namespaced');
  assert.deepEqual(deployments.subresources?.map((s) => [s.subresource, s.responseKind.group, s.responseKind.kind]), [
    ['status', 'apps', 'Deployment'],
    ['scale', 'autoscaling', 'Scale'],
  ]);
  const core = (await (await c.fetch(`${c.api.url}/api`, { headers: { Accept: AGGREGATED } })).json()) as Discovery;
  const pods = core.items[0]!.versions[0]!.resources.find((r) => r.resource === 'pods')!;
  assert.deepEqual(pods.subresources?.map((s) => s.subresource).sort(), ['binding', 'eviction', 'exec', 'log', 'status']);
  const eviction = pods.subresources?.find((s) => s.subresource === 'eviction');
  assert.deepEqual([eviction?.responseKind.group, eviction?.responseKind.kind], ['policy', 'Eviction']);
  assert.equal(core.items[0]!.versions[0]!.resources.find((r) => r.resource === 'nodes')?.scope, 'Cluster');
  // Without the aggregated media type, the legacy documents.
  assert.equal(((await (await c.fetch(`${c.api.url}/apis`)).json()) as { kind: string }).kind, 'APIGroupList');
});

test('OpenAPI v3: a document per group-version whose PATCH operations take fieldValidation and strategic merge patches', async () => {
  const root = (await (await c.fetch(`${c.api.url}/openapi/v3`)).json()) as { paths: Record<string, { serverRelativeURL: string }> };
  assert.ok(root.paths['api/v1'] && root.paths['apis/apps/v1']);
  const apps = (await (await c.fetch(`${c.api.url}${root.paths['apis/apps/v1'].serverRelativeURL}`)).json()) as {
    paths: Record<string, { patch?: { 'x-kubernetes-group-version-kind': { kind: string }; parameters: { name: string; in: string }[]; requestBody: { content: Record<string, unknown> } } }>;
  };
  const patch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!.patch!;
  assert.equal(patch['x-kubernetes-group-version-kind'].kind, 'Deployment');
  assert.ok(patch.parameters.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  // kubectl computes strategic merge patches from the schemas only when PATCH says it takes them.
  assert.ok(patch.requestBody.content['application/strategic-merge-patch+json']);
});

test('kubectl explain prints field docs for every served kind from the OpenAPI v3 schemas', async () => {
  const explain = (...args: string[]): Promise<string> => run('kubectl', ['--kubeconfig', c.kubeconfig, 'explain', ...args]);
  const strategy = await explain('deployment.spec.strategy');
  assert.match(strategy, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
  assert.match(strategy, /FIELD: strategy <DeploymentStrategy>/);
  assert.match(strategy, /The deployment strategy to use to replace existing pods with new ones\./);
  assert.match(strategy, /rollingUpdate\t<RollingUpdateDeployment>/);
  assert.match(strategy, /type\t<string>\n  enum: Recreate, RollingUpdate\n/);
  assert.match(await explain('pods.spec.containers.ports'), /containerPort\t<integer> -required-/);
  assert.match(await explain('svc.spec.ports.targetPort'), /FIELD: targetPort <IntOrString>/);
  assert.match(await explain('nodes.status.capacity'), /FIELD: capacity <map\[string\]Quantity>/);
  for (const r of RESOURCES) {
    const out = await explain(r.plural);
    assert.match(out, new RegExp(`KIND:\\s+${r.kind}\\n`), r.plural);
    assert.match(out, /metadata\t<ObjectMeta>/, r.plural);
  }
  await assert.rejects(explain('deployment.spec.strategie'), /field "strategie" does not exist/);
});
