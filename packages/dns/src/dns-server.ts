// The DNS front end: UDP and TCP on one port, Kubernetes' zone answered authoritatively, other
// names forwarded to the node's resolver when there is one (one UDP round trip, SERVFAIL after
// the timeout) or answered SERVFAIL at once, never left to hang. UDP answers fit the client's
// EDNS0 buffer (512 bytes without EDNS0) or are truncated (TC) so the client asks again by TCP.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { ClusterZone, Lookup, ZoneRecord } from './cluster-zone';

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODE;

export interface DnsServerOptions {
  zone: ClusterZone;
  host?: string;
  port: number;
  /** The resolver for names outside the zone (host:port); none: SERVFAIL at once. */
  upstream?: { host: string; port: number };
  forwardTimeoutMs?: number;
  /** Called once per answered query, for metrics. */
  onQuery?: (type: string, rcode: Rcode, seconds: number, transport: 'udp' | 'tcp') => void;
}

function toAnswer(r: ZoneRecord): dnsPacket.Answer {
  return { name: r.name, type: r.type, ttl: r.ttl, class: 'IN', data: r.data } as dnsPacket.Answer;
}

export class DnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly o: DnsServerOptions) {}

  async start(): Promise<{ port: number }> {
    const host = this.o.host ?? '0.0.0.0';
    this.udp = dgram.createSocket('udp4');
    this.udp.on('message', (msg, rinfo) => {
      void this.answer(msg, 'udp').then((out) => {
        if (out) this.udp?.send(out, rinfo.port, rinfo.address);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.udp!.once('error', reject);
      this.udp!.bind(this.o.port, host, () => resolve());
    });
    const port = this.udp.address().port;
    this.tcp = net.createServer((sock) => this.serveTcp(sock));
    await new Promise<void>((resolve, reject) => {
      this.tcp!.once('error', reject);
      this.tcp!.listen(port, host, () => resolve());
    });
    return { port };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())), new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r()))]);
  }

  private serveTcp(sock: net.Socket): void {
    this.sockets.add(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.answer(Buffer.from(msg), 'tcp').then((out) => {
          if (!out || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          sock.write(Buffer.concat([len, out]));
        });
      }
      // A client sending more than a message's worth of garbage is cut off.
      if (buf.length > 65_537) sock.destroy();
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.sockets.delete(sock));
    sock.setTimeout(10_000, () => sock.destroy());
  }

  /** One query in, one answer out (undefined: not even an id to answer to). */
  async answer(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const started = process.hrtime.bigint();
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      if (msg.length < 12) return undefined;
      return this.reply({ id: msg.readUInt16BE(0), flags: 0, questions: [] }, 'FORMERR', [], [], [], 512, 'UNKNOWN', started, transport);
    }
    const q = query.questions?.[0];
    const opt = query.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
    const max = transport === 'tcp' ? 65_535 : Math.min(4096, Math.max(512, opt?.udpPayloadSize ?? 512));
    if (query.type !== 'query' || !q || (query.questions?.length ?? 0) !== 1) return this.reply(query, 'FORMERR', [], [], [], max, q?.type ?? 'UNKNOWN', started, transport, opt);
    const lookup: Lookup = this.o.zone.resolve(q.name, q.type);
    if (!lookup.inZone) return this.forward(msg, query, max, q.type, started, transport, opt);
    return this.reply(query, lookup.rcode, lookup.answers.map(toAnswer), lookup.authority.map(toAnswer), lookup.additionals.map(toAnswer), max, q.type, started, transport, opt, true);
  }

  private async forward(msg: Buffer, query: dnsPacket.DecodedPacket, max: number, type: string, started: bigint, transport: 'udp' | 'tcp', opt?: dnsPacket.OptAnswer): Promise<Buffer> {
    const up = this.o.upstream;
    if (!up) return this.reply(query, 'SERVFAIL', [], [], [], max, type, started, transport, opt);
    const answer = await new Promise<Buffer | undefined>((resolve) => {
      const s = dgram.createSocket('udp4');
      const done = (b?: Buffer): void => {
        clearTimeout(timer);
        s.close();
        resolve(b);
      };
      const timer = setTimeout(() => done(), this.o.forwardTimeoutMs ?? 2000);
      s.on('message', (b) => done(b));
      s.on('error', () => done());
      s.send(msg, up.port, up.host);
    });
    if (!answer || answer.length < 12) return this.reply(query, 'SERVFAIL', [], [], [], max, type, started, transport, opt);
    // The upstream's answer as it came (its id is the client's); too big for UDP: truncated.
    this.o.onQuery?.(type, rcodeOf(answer), seconds(started), transport);
    if (transport === 'udp' && answer.length > max) return this.truncated(query, opt);
    return answer;
  }

  private reply(query: dnsPacket.Packet, rcode: Rcode, answers: dnsPacket.Answer[], authorities: dnsPacket.Answer[], additionals: dnsPacket.Answer[], max: number, type: string, started: bigint, transport: 'udp' | 'tcp', opt?: dnsPacket.OptAnswer, authoritative = false): Buffer {
    const flags = (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | RCODE[rcode];
    const edns: dnsPacket.Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as dnsPacket.Answer] : [];
    const packet: dnsPacket.Packet = { type: 'response', id: query.id ?? 0, flags, questions: query.questions ?? [], answers, authorities, additionals: [...additionals, ...edns] };
    let out = dnsPacket.encode(packet);
    // Additional records go first, then the answers, when the client's buffer is too small.
    if (out.length > max) out = dnsPacket.encode({ ...packet, additionals: edns });
    this.o.onQuery?.(type, rcode, seconds(started), transport);
    if (out.length > max) return this.truncated(query, opt);
    return out;
  }

  private truncated(query: dnsPacket.Packet, opt?: dnsPacket.OptAnswer): Buffer {
    const edns: dnsPacket.Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as dnsPacket.Answer] : [];
    return dnsPacket.encode({ type: 'response', id: query.id ?? 0, flags: dnsPacket.TRUNCATED_RESPONSE | dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE, questions: query.questions ?? [], answers: [], additionals: edns });
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function rcodeOf(b: Buffer): Rcode {
  const n = b.readUInt16BE(2) & 0xf;
  return (Object.entries(RCODE).find(([, v]) => v === n)?.[0] as Rcode | undefined) ?? 'SERVFAIL';
}
