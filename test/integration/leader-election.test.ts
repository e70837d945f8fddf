// Leader election on a Lease against a real apiserver and etcd: of two candidates exactly one
// leads; when it stops renewing, the other takes over within the lease duration.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { R, type Lease } from '@tinykube/api';
import { LeaderElector } from '@tinykube/client';
import { startTestApi, waitFor, type TestCluster } from '../helpers';

let c: TestCluster;

before(async () => {
  c = await startTestApi();
});

after(async () => {
  await c?.stop();
});

test('one of two candidates leads; the other takes over within the lease duration', async () => {
  const leading = new Set<string>();
  const make = (id: string): LeaderElector =>
    new LeaderElector(c.grpc, {
      namespace: 'kube-system',
      name: 'test-component',
      identity: id,
      leaseDurationSeconds: 2,
      retryPeriodMs: 200,
      onStartedLeading: () => leading.add(id),
      onStoppedLeading: () => leading.delete(id),
    });
  const a = make('a');
  const b = make('b');
  a.start();
  await waitFor(() => leading.has('a'), { what: 'a to lead' });
  b.start();
  // b keeps trying for more than a lease duration while a renews: it never leads.
  const until = Date.now() + 3000;
  await waitFor(() => Date.now() > until || leading.has('b'), { timeoutMs: 5000, what: 'three seconds of b trying' });
  assert.deepEqual([...leading], ['a']);
  assert.equal((await c.rest.get<Lease>(R.leases, 'kube-system', 'test-component')).spec.holderIdentity, 'a');
  // a dies without releasing (as after kill -9, it simply stops renewing): b takes over once the
  // 2 s lease has expired by its own clock.
  (a as unknown as { stopped: boolean }).stopped = true;
  await waitFor(() => leading.has('b'), { timeoutMs: 5000, what: 'b to take over within the lease duration and a few retries' });
  const lease = await c.rest.get<Lease>(R.leases, 'kube-system', 'test-component');
  assert.equal(lease.spec.holderIdentity, 'b');
  assert.equal(lease.spec.leaseTransitions, 1);
  await b.stop();
  assert.equal((await c.rest.get<Lease>(R.leases, 'kube-system', 'test-component')).spec.holderIdentity, '', 'a stopping leader releases the lease');
});
