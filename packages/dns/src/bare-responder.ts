// The DNS benchmark's baseline: a responder on the same library and the same path (a pod
// behind a ClusterIP) that answers every A question with one address, without a zone.
import * as dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';

export async function startBareResponder(port: number, address = '192.0.2.1'): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let q: dnsPacket.DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = q.questions?.[0];
    const answers: dnsPacket.Answer[] = question?.type === 'A' ? [{ name: question.name, type: 'A', ttl: 5, data: address }] : [];
    sock.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions ?? [], answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(port, '0.0.0.0', () => resolve()));
  return sock;
}
