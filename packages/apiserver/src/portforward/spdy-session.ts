// The server side of a SPDY/3.1 session, as much as kubectl's port-forward uses: the client opens
// streams (SYN_STREAM with a header block), the server accepts each (SYN_REPLY), both sides send
// DATA and half-close with FIN; RST_STREAM ends a stream, PING is echoed, GOAWAY ends the session.
// SETTINGS and WINDOW_UPDATE are read and ignored: Kubernetes' Go implementation (spdystream)
// does no flow control, so neither side waits on windows. Header blocks share one zlib context
// per direction, primed with SPDY/3's dictionary and flushed per block.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary';

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 0x01;
/** RST_STREAM statuses. */
export const PROTOCOL_ERROR = 1;
export const CANCEL = 5;
/** Frames larger than this end the session: no client of port-forward sends them. */
const MAX_FRAME = 1 << 20;
/** Data frames this server writes carry at most this much. */
const MAX_DATA = 64 * 1024;

/** One zlib stream used block by block: each call writes a block and returns what a sync flush yields. */
class BlockCodec {
  constructor(private readonly z: zlib.Inflate | zlib.Deflate) {}

  run(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.z.once('error', reject);
      this.z.write(block);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', reject);
        const parts: Buffer[] = [];
        for (let c: Buffer | null; (c = this.z.read() as Buffer | null) !== null; ) parts.push(c);
        resolve(Buffer.concat(parts));
      });
    });
  }

  close(): void {
    this.z.close();
  }
}

function controlHeader(type: number, flags: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(0x8000 | VERSION, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(length, 4);
  b[4] = flags;
  return b;
}

/** A SPDY/3 name/value block, uncompressed: a count, then length-prefixed names and values. */
export function encodeHeaders(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)];
  parts[0]!.writeUInt32BE(Object.keys(headers).length);
  for (const [k, v] of Object.entries(headers)) {
    for (const s of [k.toLowerCase(), v]) {
      const b = Buffer.from(s);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

/** Reads a name/value block; multiple values (NUL-separated) keep the first. */
export function decodeHeaders(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  const take = (): string => {
    if (at + 4 > b.length) throw new Error('truncated header block');
    const n = b.readUInt32BE(at);
    at += 4;
    if (at + n > b.length) throw new Error('truncated header block');
    const s = b.subarray(at, at + n).toString();
    at += n;
    return s;
  };
  if (b.length < 4) throw new Error('truncated header block');
  const count = b.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take();
    out[name] = take().split('\0')[0]!;
  }
  return out;
}

export interface SpdyStream extends EventEmitter {
  readonly id: number;
  readonly headers: Record<string, string>;
  write(data: Buffer): boolean;
  /** Half-closes our side (DATA with FIN). */
  end(): void;
  reset(status?: number): void;
  on(event: 'data', listener: (data: Buffer) => void): this;
  /** The peer half-closed (FIN). */
  on(event: 'end', listener: () => void): this;
  /** Reset by the peer, or the session ended. */
  on(event: 'close', listener: () => void): this;
}

class Stream extends EventEmitter implements SpdyStream {
  ended = false;
  remoteEnded = false;
  closed = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Record<string, string>,
  ) {
    super();
  }

  write(data: Buffer): boolean {
    if (this.ended || this.closed) return true;
    let ok = true;
    for (let at = 0; at < data.length; at += MAX_DATA) ok = this.session.sendData(this.id, data.subarray(at, at + MAX_DATA), 0);
    return ok;
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    this.session.sendData(this.id, Buffer.alloc(0), FLAG_FIN);
    this.maybeDone();
  }

  reset(status = CANCEL): void {
    if (this.closed) return;
    this.session.sendReset(this.id, status);
    this.close();
  }

  remoteEnd(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.emit('end');
    this.maybeDone();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.forget(this.id);
    this.emit('close');
  }

  private maybeDone(): void {
    if (this.ended && this.remoteEnded) this.close();
  }
}

/**
 * A server session on a byte stream (an upgraded socket, or a WebSocket carrying SPDY's bytes).
 * Emits 'stream' for each stream the client opens, after it is accepted, 'drain' when the
 * transport takes writes again, and 'close' once.
 */
export class SpdySession extends EventEmitter {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, Stream>();
  private readonly inflate = new BlockCodec(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly deflate = new BlockCodec(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));
  /** Frames are handled strictly in order; header blocks make some of them asynchronous. */
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private done = false;

  constructor(private readonly transport: Duplex) {
    super();
    this.setMaxListeners(0);
    transport.on('drain', () => this.emit('drain'));
    transport.on('data', (d: Buffer) => this.receive(d));
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', () => this.close());
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    for (const s of [...this.streams.values()]) s.close();
    this.inflate.close();
    this.deflate.close();
    this.transport.destroy();
    this.emit('close');
  }

  /** Says GOAWAY and ends the session. */
  goAway(): void {
    if (this.done) return;
    const b = Buffer.concat([controlHeader(GOAWAY, 0, 8), Buffer.alloc(8)]);
    this.transport.end(b);
    this.close();
  }

  sendData(id: number, data: Buffer, flags: number): boolean {
    if (this.done) return true;
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id & 0x7fffffff, 0);
    h.writeUInt32BE(data.length, 4);
    h[4] = flags;
    return this.transport.write(Buffer.concat([h, data]));
  }

  sendReset(id: number, status: number): void {
    if (this.done) return;
    const b = Buffer.alloc(8);
    b.writeUInt32BE(id & 0x7fffffff, 0);
    b.writeUInt32BE(status, 4);
    this.transport.write(Buffer.concat([controlHeader(RST_STREAM, 0, 8), b]));
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Pauses reading from the client (while what it sent cannot be passed on yet). */
  pause(): void {
    this.transport.pause();
  }

  resume(): void {
    this.transport.resume();
  }

  private receive(d: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, d]) : d;
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUInt32BE(4) & 0xffffff;
      if (length > MAX_FRAME) return this.goAway();
      if (this.buffer.length < 8 + length) break;
      const frame = this.buffer.subarray(0, 8 + length);
      this.buffer = this.buffer.subarray(8 + length);
      this.pending++;
      if (this.pending > 64) this.transport.pause();
      this.chain = this.chain
        .then(() => this.handle(frame))
        .catch(() => this.goAway())
        .finally(() => {
          this.pending--;
          if (this.pending === 32) this.transport.resume();
        });
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.done) return;
    const flags = frame[4]!;
    const body = frame.subarray(8);
    if (!(frame[0]! & 0x80)) {
      const s = this.streams.get(frame.readUInt32BE(0) & 0x7fffffff);
      if (!s) return;
      if (body.length) s.emit('data', Buffer.from(body));
      if (flags & FLAG_FIN) s.remoteEnd();
      return;
    }
    const type = frame.readUInt16BE(2);
    if ((frame.readUInt16BE(0) & 0x7fff) !== VERSION) return this.goAway();
    if (type === SYN_STREAM) {
      if (body.length < 10) return this.goAway();
      const id = body.readUInt32BE(0) & 0x7fffffff;
      const headers = decodeHeaders(await this.inflate.run(body.subarray(10)));
      if (id % 2 !== 1 || this.streams.has(id)) return this.sendReset(id, PROTOCOL_ERROR);
      const s = new Stream(this, id, headers);
      this.streams.set(id, s);
      const block = await this.deflate.run(encodeHeaders({}));
      const idb = Buffer.alloc(4);
      idb.writeUInt32BE(id);
      this.transport.write(Buffer.concat([controlHeader(SYN_REPLY, 0, 4 + block.length), idb, block]));
      this.emit('stream', s);
      if (flags & FLAG_FIN) s.remoteEnd();
    } else if (type === RST_STREAM) {
      if (body.length >= 4) this.streams.get(body.readUInt32BE(0) & 0x7fffffff)?.close();
    } else if (type === PING) {
      this.transport.write(frame);
    } else if (type === GOAWAY) {
      this.close();
    } else if (type === 8) {
      // HEADERS: read to keep the compression context in step; nothing uses them.
      if (body.length >= 4) await this.inflate.run(body.subarray(4));
    }
  }
}
