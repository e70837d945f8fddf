import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, isCidr, isIPv4, cidrsOverlap, formatCidr, ipToNumber, numberToIp, parseCidr, subnet } from '../src';

test('CIDRs parse to their network and size', () => {
  const c = parseCidr('10.96.7.9/16');
  assert.equal(formatCidr(c), '10.96.0.0/16');
  assert.equal(c.size, 65536);
  assert.equal(numberToIp(ipToNumber('255.1.2.3')), '255.1.2.3');
  assert.throws(() => parseCidr('10.0.0.0/33'));
  assert.throws(() => parseCidr('10.0.0/8'));
  assert.throws(() => parseCidr('10.0.0.0/ 8'));
  assert.equal(isCidr('10.244.1.0/24'), true);
  assert.equal(isIPv4('10.01.0.1'), false);
});

test('overlap and containment, as the safety checks use them', () => {
  const cluster = parseCidr('10.244.0.0/16');
  assert.equal(cidrsOverlap(cluster, parseCidr('10.244.3.0/24')), true);
  assert.equal(cidrsOverlap(cluster, parseCidr('10.0.0.0/8')), true);
  assert.equal(cidrsOverlap(cluster, parseCidr('10.96.0.0/16')), false);
  assert.equal(cidrsOverlap(cluster, parseCidr('192.0.2.0/24')), false);
  assert.equal(cidrsOverlap(cluster, parseCidr('0.0.0.0/0')), true);
  assert.equal(cidrContains(parseCidr('172.17.0.0/16'), '172.17.255.1'), true);
  assert.equal(cidrContains(parseCidr('172.17.0.0/16'), '172.18.0.1'), false);
});

test('pod CIDRs are /24 subnets of the cluster range', () => {
  const cluster = parseCidr('10.244.0.0/16');
  assert.equal(formatCidr(subnet(cluster, 24, 0)), '10.244.0.0/24');
  assert.equal(formatCidr(subnet(cluster, 24, 255)), '10.244.255.0/24');
  assert.throws(() => subnet(cluster, 24, 256));
});
