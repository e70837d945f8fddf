import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { coversRule, ruleAllows, subjectMatches, type Attributes } from '../src';

const req = (verb: string, resource: string, o: Partial<Attributes> = {}): Attributes => ({ verb, resourceRequest: true, apiGroup: '', resource, subresource: '', namespace: 'ns', name: '', path: '', ...o });
const url = (verb: string, path: string): Attributes => ({ verb, resourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path });

test("rules match as Kubernetes' RuleAllows: verbs, groups, resources with subresources, names, URLs, *", () => {
  const r = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] };
  assert.ok(ruleAllows(r, req('get', 'pods')));
  assert.ok(ruleAllows(r, req('get', 'pods', { subresource: 'log' })));
  assert.ok(!ruleAllows(r, req('get', 'pods', { subresource: 'exec' })), 'a resource does not grant its subresources');
  assert.ok(!ruleAllows(r, req('create', 'pods')));
  assert.ok(!ruleAllows(r, req('get', 'pods', { apiGroup: 'apps' })));
  assert.ok(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, req('delete', 'deployments', { apiGroup: 'apps', subresource: 'scale' })));
  assert.ok(ruleAllows({ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }, req('get', 'deployments', { apiGroup: 'apps', subresource: 'scale' })));
  const named = { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] };
  assert.ok(ruleAllows(named, req('get', 'configmaps', { name: 'cluster-info' })));
  assert.ok(!ruleAllows(named, req('get', 'configmaps', { name: 'other' })));
  assert.ok(!ruleAllows(named, req('list', 'configmaps')));
  const paths = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
  assert.ok(ruleAllows(paths, url('get', '/healthz')));
  assert.ok(ruleAllows(paths, url('get', '/apis/apps/v1')));
  assert.ok(!ruleAllows(paths, url('get', '/healthz/etcd')));
  assert.ok(!ruleAllows(paths, req('get', 'pods')), 'URL rules grant no resources');
});

test('escalation coverage: every verb, group, resource and name of a rule must be held', () => {
  const held = [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'services'] }, { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }];
  assert.ok(coversRule(held, { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }));
  assert.ok(!coversRule(held, { verbs: ['create'], apiGroups: [''], resources: ['pods'] }));
  assert.ok(!coversRule(held, { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }));
  assert.ok(coversRule(held, { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }));
  assert.ok(!coversRule(held, { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }), 'a named grant does not cover all names');
  assert.ok(coversRule([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], { verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments/scale'] }));
  assert.ok(!coversRule(held, { verbs: ['get'], nonResourceURLs: ['/metrics'] }));
});

test('subjects: users by name, groups by membership, ServiceAccounts by their user name', () => {
  const u = { name: 'system:serviceaccount:ns:robot', groups: ['system:serviceaccounts', 'system:authenticated'] };
  assert.ok(subjectMatches({ kind: 'ServiceAccount', name: 'robot', namespace: 'ns' }, u));
  assert.ok(subjectMatches({ kind: 'ServiceAccount', name: 'robot' }, u, 'ns'), 'a RoleBinding subject without namespace means its own');
  assert.ok(!subjectMatches({ kind: 'ServiceAccount', name: 'robot', namespace: 'other' }, u));
  assert.ok(subjectMatches({ kind: 'Group', name: 'system:authenticated' }, u));
  assert.ok(!subjectMatches({ kind: 'User', name: 'robot' }, u));
});
