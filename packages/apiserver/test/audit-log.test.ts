// The audit log's stages and omitStages, written to a temporary file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLog } from '../src/audit';
import { requestAttributes } from '../src/authz/attributes';

const user = { name: 'alice', groups: ['system:authenticated'] };

async function eventsFor(policy: string): Promise<{ stage: string; auditID: string; responseStatus?: unknown; requestObject?: unknown; annotations?: Record<string, string> }[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
  fs.writeFileSync(path.join(dir, 'policy.yaml'), policy);
  const log = AuditLog.fromFiles(path.join(dir, 'audit.log'), path.join(dir, 'policy.yaml'));
  const attributes = requestAttributes('POST', '/api/v1/namespaces/default/configmaps', new URLSearchParams());
  const about = { auditID: 'a-1', user, attributes, requestURI: '/api/v1/namespaces/default/configmaps', sourceIPs: ['127.0.0.1'], received: new Date() };
  log.write({ ...about, stage: 'RequestReceived', code: 0 });
  log.write({ ...about, code: 201, requestObject: { metadata: { name: 'c' } }, annotations: { 'pod-security.kubernetes.io/enforce-policy': 'baseline:latest' } });
  await log.close();
  const lines = fs.readFileSync(path.join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean);
  fs.rmSync(dir, { recursive: true });
  return lines.map((l) => JSON.parse(l) as { stage: string; auditID: string });
}

test('a request is logged at each stage with one auditID; omitStages of the policy or of the rule leave stages out; bad stages are refused', async () => {
  const both = await eventsFor('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Request\n');
  assert.deepEqual(both.map((e) => [e.stage, e.auditID]), [['RequestReceived', 'a-1'], ['ResponseComplete', 'a-1']]);
  assert.equal(both[0]!.responseStatus, undefined, 'no response yet when the request arrives');
  assert.equal(both[0]!.requestObject, undefined);
  assert.deepEqual(both[1]!.requestObject, { metadata: { name: 'c' } });
  assert.equal(both[1]!.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
  const global = await eventsFor('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n');
  assert.deepEqual(global.map((e) => e.stage), ['ResponseComplete']);
  const perRule = await eventsFor('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n    omitStages: [ResponseComplete]\n');
  assert.deepEqual(perRule.map((e) => e.stage), ['RequestReceived']);
  await assert.rejects(eventsFor('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Whenever]\nrules: []\n'), /omitStages\[0\]: Unsupported value: "Whenever"/);
});
