// The SPDY/3.1 server session against a client written here from the SPDY/3 draft: streams are
// accepted with SYN_REPLY, data both ways with FIN, PING echoed, RST ends a stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { decodeHeaders, encodeHeaders, SpdySession, type SpdyStream } from '../src/portforward/spdy-session';
import { SPDY3_DICTIONARY } from '../src/portforward/spdy-dictionary';

function control(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8003, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(body.length, 4);
  h[4] = flags;
  return Buffer.concat([h, body]);
}

function data(id: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(id, 0);
  h.writeUInt32BE(body.length, 4);
  h[4] = flags;
  return Buffer.concat([h, body]);
}

/** A client's frames as they come: [type or 'data', stream id, flags, body]. */
class Client {
  frames: Array<{ type: number | 'data'; id: number; flags: number; body: Buffer }> = [];
  private buf = Buffer.alloc(0);
  private readonly deflate = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  private readonly inflate = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 8 && this.buf.length >= 8 + (this.buf.readUInt32BE(4) & 0xffffff)) {
        const len = this.buf.readUInt32BE(4) & 0xffffff;
        const f = this.buf.subarray(0, 8 + len);
        this.buf = this.buf.subarray(8 + len);
        const isControl = (f[0]! & 0x80) !== 0;
        this.frames.push({ type: isControl ? f.readUInt16BE(2) : 'data', id: isControl ? (len >= 4 ? f.readUInt32BE(8) & 0x7fffffff : 0) : f.readUInt32BE(0), flags: f[4]!, body: f.subarray(8) });
      }
    });
  }

  private run(z: zlib.Deflate | zlib.Inflate, b: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      z.write(b);
      z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        const parts: Buffer[] = [];
        for (let c: Buffer | null; (c = z.read() as Buffer | null) !== null; ) parts.push(c);
        resolve(Buffer.concat(parts));
      });
    });
  }

  async open(id: number, headers: Record<string, string>, fin = false): Promise<void> {
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    const block = await this.run(this.deflate, encodeHeaders(headers));
    this.socket.write(control(1, fin ? 1 : 0, Buffer.concat([head, block])));
  }

  /** The headers of a SYN_REPLY, read with this client's own decompression context. */
  replyHeaders(body: Buffer): Promise<Record<string, string>> {
    return this.run(this.inflate, body.subarray(4)).then(decodeHeaders);
  }

  async until<T>(what: string, f: () => T | undefined): Promise<T> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const v = f();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setImmediate(r));
    }
  }
}

async function pair(): Promise<{ session: SpdySession; client: Client; close: () => void }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const session = new SpdySession(await accepted);
  return { session, client: new Client(socket), close: () => (socket.destroy(), server.close()) };
}

test('a stream is accepted with SYN_REPLY, carries data both ways and half-closes with FIN; headers survive several blocks in one context', async () => {
  const { session, client, close } = await pair();
  const streams: SpdyStream[] = [];
  session.on('stream', (s: SpdyStream) => streams.push(s));
  try {
    await client.open(1, { streamtype: 'error', port: '80', requestid: '0' }, false);
    await client.open(3, { streamtype: 'data', port: '80', requestid: '0' });
    await client.until('two streams', () => (streams.length === 2 ? true : undefined));
    assert.deepEqual(streams.map((s) => s.headers), [{ streamtype: 'error', port: '80', requestid: '0' }, { streamtype: 'data', port: '80', requestid: '0' }]);
    const replies = await client.until('two replies', () => { const r = client.frames.filter((f) => f.type === 2); return r.length === 2 ? r : undefined; });
    assert.deepEqual(replies.map((r) => r.id), [1, 3]);
    for (const r of replies) assert.deepEqual(await client.replyHeaders(r.body), {});

    const got: Buffer[] = [];
    let ended = false;
    streams[1]!.on('data', (d) => got.push(d));
    streams[1]!.on('end', () => (ended = true));
    client.socket.write(data(3, 0, Buffer.from('GET / ')));
    client.socket.write(data(3, 1, Buffer.from('HTTP/1.1')));
    await client.until('the client FIN', () => (ended ? true : undefined));
    assert.equal(Buffer.concat(got).toString(), 'GET / HTTP/1.1');

    streams[1]!.write(Buffer.alloc(150_000, 7));
    streams[1]!.end();
    const fin = await client.until('the server FIN', () => client.frames.find((f) => f.type === 'data' && f.id === 3 && f.flags & 1));
    const sent = client.frames.filter((f) => f.type === 'data' && f.id === 3);
    assert.equal(Buffer.concat(sent.map((f) => f.body)).length, 150_000);
    assert.ok(sent.every((f) => f.body.length <= 65536), 'data frames are split');
    assert.equal(fin.body.length, 0);
  } finally {
    close();
  }
});

test('PING is echoed, RST_STREAM closes a stream, a second SYN_STREAM with the same id is refused, GOAWAY ends the session', async () => {
  const { session, client, close } = await pair();
  const streams: SpdyStream[] = [];
  session.on('stream', (s: SpdyStream) => streams.push(s));
  let sessionClosed = false;
  session.on('close', () => (sessionClosed = true));
  try {
    const ping = Buffer.alloc(4);
    ping.writeUInt32BE(7);
    client.socket.write(control(6, 0, ping));
    const echoed = await client.until('the PING echo', () => client.frames.find((f) => f.type === 6));
    assert.equal(echoed.body.readUInt32BE(0), 7);

    await client.open(1, { streamtype: 'data', port: '80' });
    await client.until('the stream', () => streams[0]);
    let closed = false;
    streams[0]!.on('close', () => (closed = true));
    const rst = Buffer.alloc(8);
    rst.writeUInt32BE(1, 0);
    rst.writeUInt32BE(5, 4);
    client.socket.write(control(3, 0, rst));
    await client.until('the reset', () => (closed ? true : undefined));

    await client.open(5, { streamtype: 'data', port: '80' });
    await client.open(5, { streamtype: 'data', port: '81' });
    const refused = await client.until('a RST for the second stream 5', () => client.frames.find((f) => f.type === 3 && f.id === 5));
    assert.equal(refused.body.readUInt32BE(4), 1, 'PROTOCOL_ERROR');

    client.socket.write(control(7, 0, Buffer.alloc(8)));
    await client.until('the session to end', () => (sessionClosed ? true : undefined));
  } finally {
    close();
  }
});
