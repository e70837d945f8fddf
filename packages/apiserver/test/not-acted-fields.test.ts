import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerState, ContainerStatus, Pod } from '@tinykube/api';
import { notActedFields, notActedMarkdown, podSummary } from '../src';

const REPO = path.resolve(__dirname, '../../../..');

test('fields tinykube stores but does not act on are named by their path; blank values and acted-on fields are not', () => {
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      template: {
        spec: {
          priorityClassName: 'high',
          hostAliases: [],
          containers: [{ name: 'a', image: 'x', stdinOnce: true, workingDir: '/w', stdin: false, envFrom: [{ configMapRef: { name: 'c' } }], securityContext: { runAsUser: 1, seLinuxOptions: { user: 'u' } } }],
        },
      },
    },
    status: { terminatingReplicas: 2 },
  };
  assert.deepEqual(notActedFields(dep, 'io.k8s.api.apps.v1.Deployment'), ['spec.template.spec.priorityClassName', 'spec.template.spec.containers[0].securityContext.seLinuxOptions']);
});

test("the README's list of fields not acted on is the one the schemas give (npm run docs:fields rewrites it)", () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const m = /<!-- not-acted-fields:start -->\n([\s\S]*?)\n<!-- not-acted-fields:end -->/.exec(readme);
  assert.ok(m, 'README.md has the not-acted-fields block');
  assert.equal(m[1], notActedMarkdown());
});

function pod(init: Pod['spec']['initContainers'], status: Pod['status']): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { initContainers: init, containers: [{ name: 'app', image: 'x' }] }, status };
}

test("kubectl get pods' READY and STATUS with init containers and native sidecars, as kubectl's printPod", () => {
  const init = [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }];
  const s = (name: string, state: ContainerState, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({ name, state, ready: false, restartCount: 0, image: 'x', imageID: '', ...extra });
  const waitingApp = [s('app', { waiting: { reason: 'PodInitializing' } })];
  assert.equal(podSummary(pod(init, { phase: 'Pending', initContainerStatuses: [s('a', { terminated: { exitCode: 0, reason: 'Completed' } }), s('b', { running: {} })], containerStatuses: waitingApp })).reason, 'Init:1/2');
  assert.equal(podSummary(pod(init, { phase: 'Pending', initContainerStatuses: [s('a', { waiting: { reason: 'CrashLoopBackOff' } }), s('b', { waiting: { reason: 'PodInitializing' } })], containerStatuses: waitingApp })).reason, 'Init:CrashLoopBackOff');
  const sidecar = [{ name: 'side', image: 'x', restartPolicy: 'Always' as const }];
  const running = podSummary(pod(sidecar, { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }], initContainerStatuses: [s('side', { running: {} }, { started: true, ready: true, restartCount: 1 })], containerStatuses: [s('app', { running: {} }, { ready: true, restartCount: 2 })] }));
  assert.deepEqual([running.reason, `${running.ready}/${running.total}`, running.restarts], ['Running', '2/2', 3]);
});
