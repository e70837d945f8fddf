// ClusterIP and NodePort allocation. Each allocated value is its own etcd key, created in the same
// transaction as the Service, so two concurrent creates can never get the same IP or port, and a
// deleted Service frees its values in the same transaction that removes it.
import { randomInt } from 'node:crypto';
import { errors, ipToNumber, numberToIp as ipToString, parseCidr, type Cidr } from '@tinykube/api';
import type { EtcdStore } from './storage/etcd-store';

export const clusterIpKey = (ip: string): string => `/registry/ranges/serviceips/${ip}`;
export const nodePortKey = (port: number): string => `/registry/ranges/servicenodeports/${port}`;

export class ServiceAllocators {
  private readonly range: Cidr;

  constructor(
    private readonly store: EtcdStore,
    readonly serviceCidr: string,
    readonly nodePortRange: [number, number] = [30000, 32767],
  ) {
    this.range = parseCidr(serviceCidr);
    if (this.range.bits < 8 || this.range.bits > 30) throw new Error(`service CIDR ${serviceCidr} must be between /8 and /30`);
  }

  /** True when the IP is a usable ClusterIP of the range (not the network or broadcast address). */
  inRange(ip: string): boolean {
    const n = ipToNumber(ip);
    return n > this.range.base && n < this.range.base + this.range.size - 1;
  }

  /** The first address is reserved for the `kubernetes` Service, as in Kubernetes. */
  firstIp(): string {
    return ipToString(this.range.base + 1);
  }

  /** Picks a free-looking ClusterIP; the create transaction is the real guard. */
  async pickClusterIp(): Promise<string> {
    const used = new Set((await this.store.keys('/registry/ranges/serviceips/')).map((k) => k.slice(k.lastIndexOf('/') + 1)));
    const total = this.range.size - 2;
    if (used.size >= total - 1) throw errors.internal('failed to allocate a serviceIP: range is full');
    for (let i = 0; i < 64; i++) {
      // Skip .1 (the kubernetes Service) unless asked for explicitly.
      const ip = ipToString(this.range.base + 2 + randomInt(total - 1));
      if (!used.has(ip)) return ip;
    }
    for (let n = this.range.base + 2; n < this.range.base + this.range.size - 1; n++) {
      const ip = ipToString(n);
      if (!used.has(ip)) return ip;
    }
    throw errors.internal('failed to allocate a serviceIP: range is full');
  }

  async pickNodePort(avoid: Set<number>): Promise<number> {
    const used = new Set((await this.store.keys('/registry/ranges/servicenodeports/')).map((k) => Number(k.slice(k.lastIndexOf('/') + 1))));
    const [lo, hi] = this.nodePortRange;
    for (let i = 0; i < 64; i++) {
      const p = lo + randomInt(hi - lo + 1);
      if (!used.has(p) && !avoid.has(p)) return p;
    }
    for (let p = lo; p <= hi; p++) if (!used.has(p) && !avoid.has(p)) return p;
    throw errors.internal('failed to allocate a nodePort: range is full');
  }

  async isClusterIpTaken(ip: string): Promise<boolean> {
    return (await this.store.client.get(clusterIpKey(ip)).exec()).kvs.length > 0;
  }

  async isNodePortTaken(port: number): Promise<boolean> {
    return (await this.store.client.get(nodePortKey(port)).exec()).kvs.length > 0;
  }
}
