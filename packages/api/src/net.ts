// IPv4 and CIDR arithmetic shared by the ClusterIP allocator, pod-CIDR allocation and the
// host network safety checks (which refuse to start when cluster ranges overlap the machine's).

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  /** Number of addresses in the block. */
  size: number;
  bits: number;
}

/** Dotted-quad IPv4 in canonical form (no leading zeros). */
export function isIPv4(v: string): boolean {
  const parts = v.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && String(Number(p)) === p);
}

export function isCidr(v: string): boolean {
  try {
    parseCidr(v);
    return true;
  } catch {
    return false;
  }
}

export function ipToNumber(ip: string): number {
  if (!isIPv4(ip)) throw new Error(`invalid IPv4 address ${ip}`);
  const p = ip.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `a.b.c.d/n`; the base is masked to the network address. */
export function parseCidr(cidr: string): Cidr {
  const [ip, bitsText, extra] = cidr.split('/');
  const bits = Number(bitsText);
  if (extra !== undefined || ip === undefined || !/^\d{1,2}$/.test(bitsText ?? '') || bits > 32) throw new Error(`invalid CIDR ${cidr}`);
  const raw = ipToNumber(ip);
  const size = 2 ** (32 - bits);
  return { base: raw - (raw % size), size, bits };
}

export function formatCidr(c: Cidr): string {
  return `${numberToIp(c.base)}/${c.bits}`;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = ipToNumber(ip);
  return n >= c.base && n < c.base + c.size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** The i-th subnet of `bits` length inside `parent` (e.g. the i-th /24 pod CIDR of 10.244.0.0/16). */
export function subnet(parent: Cidr, bits: number, i: number): Cidr {
  const size = 2 ** (32 - bits);
  if (bits < parent.bits || i < 0 || (i + 1) * size > parent.size) throw new Error(`subnet ${i} of /${bits} is outside ${formatCidr(parent)}`);
  return { base: parent.base + i * size, size, bits };
}

/** The first address of a range: a Service range's is the `kubernetes` Service's ClusterIP. */
export function firstAddress(cidr: string): string {
  return numberToIp(parseCidr(cidr).base + 1);
}
