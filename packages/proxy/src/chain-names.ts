import { createHash } from 'node:crypto';

// Chain names as upstream kube-proxy forms them: a prefix and the first 16 characters of the
// base32 of a sha256, so every name fits iptables' 28-character limit.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function hashed(prefix: string, text: string): string {
  return `${prefix}${base32(createHash('sha256').update(text).digest()).slice(0, 16)}`;
}

/** `ns/name:port` plus protocol identifies a service port. */
export function serviceChain(servicePortName: string, protocol: string): string {
  return hashed('KUBE-SVC-', `${servicePortName}${protocol.toLowerCase()}`);
}

export function endpointChain(servicePortName: string, protocol: string, endpoint: string): string {
  return hashed('KUBE-SEP-', `${servicePortName}${protocol.toLowerCase()}${endpoint}`);
}
