// Who is asking, in Kubernetes' user.Info shape; and the authenticators, run in Kubernetes'
// order (x509 client certificates first; ServiceAccount and bootstrap tokens join later).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Kubernetes' x509 authenticator: a client certificate the CA verified; CN is the user, each O a group. */
export function userFromClientCertificate(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  const cn = cert?.subject?.CN;
  if (!cn) return undefined;
  const o = cert.subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name: Array.isArray(cn) ? (cn[0] ?? '') : cn, groups: [...groups, 'system:authenticated'] };
}

/** The paths Kubernetes' default RBAC lets anyone read (system:public-info-viewer). */
export function isPublicInfo(method: string, path: string): boolean {
  return method === 'GET' && /^\/(healthz|livez|readyz)(\/[^/]+)?$|^\/version$/.test(path.replace(/\/+$/, '') || '/');
}
