// Who is on the other end of a TLS connection, as Kubernetes' x509 authenticator reads a client
// certificate the CA verified: CN is the user, each O a group.
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface CertificateSubject {
  name: string;
  groups: string[];
}

/** A certificate's CN and O, or undefined when it names no CN. */
export function certificateSubject(cert: PeerCertificate | undefined): CertificateSubject | undefined {
  const subject = cert?.subject;
  const cn = subject?.CN;
  if (!cn) return undefined;
  const o = subject.O;
  return { name: Array.isArray(cn) ? (cn[0] ?? '') : cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

/** The verified client certificate's subject, or undefined without one (or one the CA did not sign). */
export function verifiedPeer(socket: TLSSocket): CertificateSubject | undefined {
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  return certificateSubject(socket.getPeerCertificate());
}
