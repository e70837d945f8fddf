// The records of Kubernetes' DNS specification (kubernetes/dns docs/specification.md, schema
// 1.1.0) for one cluster domain, computed from Services, EndpointSlices and Namespaces:
// `<svc>.<ns>.svc.<zone>` (ClusterIP, the ready endpoints of a headless Service, a CNAME for
// ExternalName), `<hostname>.<svc>.<ns>.svc.<zone>`, SRV for named ports, PTR for Service and
// endpoint IPs, `dns-version.<zone>` TXT, and CoreDNS's `pods insecure` A records. A name
// that exists with no record of the asked type is NOERROR with no answer (NODATA); a name
// that does not exist is NXDOMAIN. Names are compared case-insensitively.
import { SERVICE_NAME_LABEL, type EndpointSlice, type Service } from '@tinykube/api';

export const SCHEMA_VERSION = '1.1.0';

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'SRV' | 'PTR' | 'TXT' | 'SOA' | 'NS';

export interface ZoneRecord {
  name: string;
  type: RecordType;
  ttl: number;
  data: string | string[] | { priority: number; weight: number; port: number; target: string } | Soa;
}

export interface Soa {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface Lookup {
  /** False: the name is not this zone's (forward it). */
  inZone: boolean;
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: ZoneRecord[];
  /** The SOA, on negative answers. */
  authority: ZoneRecord[];
  /** The A records SRV answers name. */
  additionals: ZoneRecord[];
}

interface Endpoint {
  ip: string;
  /** Its hostname, or CoreDNS's dashed IP when it has none. */
  label: string;
}

interface ServiceEntry {
  svc: Service;
  ready: Endpoint[];
  /** Ready, or not ready under publishNotReadyAddresses. */
  published: Endpoint[];
}

const dashed = (ip: string): string => ip.replace(/\./g, '-');

function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

export class ClusterZone {
  private services = new Map<string, ServiceEntry>();
  private namespaces = new Set<string>();
  private reverse = new Map<string, string[]>();
  private serial = 1;

  constructor(
    readonly domain = 'cluster.local',
    readonly ttl = 5,
  ) {
    this.domain = domain.toLowerCase().replace(/\.$/, '');
  }

  /** Rebuilds the index from the cluster's objects (called on every change the informers see). */
  update(services: Service[], slices: EndpointSlice[], namespaces: string[]): void {
    const bySvc = new Map<string, EndpointSlice[]>();
    for (const s of slices) {
      const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!name || s.addressType !== 'IPv4') continue;
      const key = `${name}.${s.metadata.namespace}`.toLowerCase();
      bySvc.set(key, [...(bySvc.get(key) ?? []), s]);
    }
    const next = new Map<string, ServiceEntry>();
    const reverse = new Map<string, string[]>();
    const addPtr = (ip: string, target: string): void => {
      const k = reverseName(ip);
      if (!reverse.get(k)?.includes(target)) reverse.set(k, [...(reverse.get(k) ?? []), target]);
    };
    for (const svc of services) {
      const key = `${svc.metadata.name}.${svc.metadata.namespace}`.toLowerCase();
      const seen = new Set<string>();
      const ready: Endpoint[] = [];
      const published: Endpoint[] = [];
      for (const slice of bySvc.get(key) ?? []) {
        for (const e of slice.endpoints ?? []) {
          for (const ip of e.addresses ?? []) {
            if (seen.has(ip)) continue;
            seen.add(ip);
            const ep = { ip, label: (e.hostname ?? dashed(ip)).toLowerCase() };
            const isReady = e.conditions?.ready !== false;
            if (isReady) ready.push(ep);
            if (isReady || svc.spec.publishNotReadyAddresses) published.push(ep);
          }
        }
      }
      const byIp = (a: Endpoint, b: Endpoint): number => a.ip.localeCompare(b.ip, undefined, { numeric: true });
      next.set(key, { svc, ready: ready.sort(byIp), published: published.sort(byIp) });
      const fqdn = `${key}.svc.${this.domain}`;
      const ip = svc.spec.clusterIP;
      if (ip && ip !== 'None') addPtr(ip, fqdn);
      for (const e of published) addPtr(e.ip, `${e.label}.${fqdn}`);
    }
    this.services = next;
    this.reverse = reverse;
    this.namespaces = new Set(namespaces.map((n) => n.toLowerCase()));
    this.serial++;
  }

  private soa(): ZoneRecord {
    return { name: this.domain, type: 'SOA', ttl: this.ttl, data: { mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl } };
  }

  private result(rcode: Lookup['rcode'], answers: ZoneRecord[] = [], additionals: ZoneRecord[] = []): Lookup {
    return { inZone: true, rcode, answers, additionals, authority: answers.length ? [] : [this.soa()] };
  }

  resolve(qname: string, qtype: string): Lookup {
    const name = qname.toLowerCase().replace(/\.$/, '');
    if (name.endsWith('.in-addr.arpa')) {
      const targets = this.reverse.get(name);
      if (!targets) return { inZone: false, rcode: 'NOERROR', answers: [], authority: [], additionals: [] };
      return this.result('NOERROR', qtype === 'PTR' || qtype === 'ANY' ? targets.map((t) => ({ name, type: 'PTR' as const, ttl: this.ttl, data: t })) : []);
    }
    if (name !== this.domain && !name.endsWith(`.${this.domain}`)) return { inZone: false, rcode: 'NOERROR', answers: [], authority: [], additionals: [] };
    const rel = name === this.domain ? [] : name.slice(0, -(this.domain.length + 1)).split('.');
    const want = (t: RecordType): boolean => qtype === t || qtype === 'ANY';
    if (rel.length === 0) {
      const out: ZoneRecord[] = [];
      if (want('SOA')) out.push(this.soa());
      if (want('NS')) out.push({ name, type: 'NS', ttl: this.ttl, data: `ns.dns.${this.domain}` });
      return this.result('NOERROR', out);
    }
    if (rel.length === 1 && rel[0] === 'dns-version') return this.result('NOERROR', want('TXT') ? [{ name, type: 'TXT', ttl: this.ttl, data: [SCHEMA_VERSION] }] : []);
    const kind = rel[rel.length - 1];
    if (kind === 'pod') return this.pod(name, rel, want);
    if (kind !== 'svc') return this.result('NXDOMAIN');
    // <...>.<ns>.svc.<zone>
    if (rel.length === 1) return this.result('NOERROR');
    const ns = rel[rel.length - 2]!;
    if (!this.namespaces.has(ns)) return this.result('NXDOMAIN');
    if (rel.length === 2) return this.result('NOERROR');
    const svcName = rel[rel.length - 3]!;
    const entry = this.services.get(`${svcName}.${ns}`);
    if (!entry) return this.result('NXDOMAIN');
    const svcFqdn = `${svcName}.${ns}.svc.${this.domain}`;
    const headless = !entry.svc.spec.clusterIP || entry.svc.spec.clusterIP === 'None';
    const a = (n: string, ip: string): ZoneRecord => ({ name: n, type: 'A', ttl: this.ttl, data: ip });
    if (rel.length === 3) {
      if (entry.svc.spec.type === 'ExternalName' && entry.svc.spec.externalName) {
        return this.result('NOERROR', [{ name, type: 'CNAME', ttl: this.ttl, data: entry.svc.spec.externalName.replace(/\.$/, '') }]);
      }
      if (headless) {
        if (!entry.published.length) return this.result('NXDOMAIN');
        return this.result('NOERROR', want('A') ? entry.published.map((e) => a(name, e.ip)) : []);
      }
      return this.result('NOERROR', want('A') ? [a(name, entry.svc.spec.clusterIP!)] : []);
    }
    if (rel.length === 4 && !rel[0]!.startsWith('_')) {
      // <hostname>.<svc>.<ns>.svc.<zone>: an endpoint of a headless Service.
      const hits = headless ? entry.published.filter((e) => e.label === rel[0]) : [];
      if (!hits.length) return this.result('NXDOMAIN');
      return this.result('NOERROR', want('A') ? hits.map((e) => a(name, e.ip)) : []);
    }
    if (rel.length === 5 && rel[0]!.startsWith('_') && rel[1]!.startsWith('_')) {
      // _<port>._<proto>.<svc>.<ns>.svc.<zone>
      const portName = rel[0]!.slice(1);
      const proto = rel[1]!.slice(1).toUpperCase();
      const ports = (entry.svc.spec.ports ?? []).filter((p) => p.name && p.name.toLowerCase() === portName && (p.protocol ?? 'TCP') === proto);
      if (!ports.length) return this.result('NXDOMAIN');
      if (!want('SRV')) return this.result('NOERROR');
      const answers: ZoneRecord[] = [];
      const extra: ZoneRecord[] = [];
      for (const p of ports) {
        if (headless) {
          for (const e of entry.published) {
            const target = `${e.label}.${svcFqdn}`;
            answers.push({ name, type: 'SRV', ttl: this.ttl, data: { priority: 0, weight: Math.floor(100 / entry.published.length) || 1, port: p.port, target } });
            extra.push(a(target, e.ip));
          }
        } else {
          answers.push({ name, type: 'SRV', ttl: this.ttl, data: { priority: 0, weight: 100, port: p.port, target: svcFqdn } });
          extra.push(a(svcFqdn, entry.svc.spec.clusterIP!));
        }
      }
      if (!answers.length) return this.result('NXDOMAIN');
      return this.result('NOERROR', answers, extra);
    }
    return this.result('NXDOMAIN');
  }

  /** CoreDNS's `pods insecure`: `a-b-c-d.<ns>.pod.<zone>` is A a.b.c.d for any IPv4 address. */
  private pod(name: string, rel: string[], want: (t: RecordType) => boolean): Lookup {
    if (rel.length === 1) return this.result('NOERROR');
    const ns = rel[rel.length - 2]!;
    if (!this.namespaces.has(ns)) return this.result('NXDOMAIN');
    if (rel.length === 2) return this.result('NOERROR');
    const m = rel.length === 3 ? /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/.exec(rel[0]!) : null;
    if (!m || m.slice(1).some((x) => Number(x) > 255)) return this.result('NXDOMAIN');
    return this.result('NOERROR', want('A') ? [{ name, type: 'A', ttl: this.ttl, data: m.slice(1).join('.') }] : []);
  }
}
