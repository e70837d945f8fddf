// resource.Quantity: "100m", "0.5", "128Mi", "1G", "1e3".

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const re = /^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/** Parses a quantity into a plain number of base units (cores, bytes); undefined if malformed. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  // No trimming: Kubernetes refuses " 1Gi" and "1Gi ".
  const m = re.exec(q);
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1] as string)) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix in binary) return n * (binary[suffix] as number);
  if (suffix in decimal) return n * (decimal[suffix] as number);
  if (/^[eE]/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  return undefined;
}

export function isValidQuantity(q: unknown): boolean {
  return (typeof q === 'string' || typeof q === 'number') && parseQuantity(q) !== undefined;
}

/** CPU in millicores (rounded up, as Kubernetes does for MilliValue). */
export function cpuMillis(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return Math.ceil((parseQuantity(q) ?? 0) * 1000 - 1e-9);
}

/** Memory (or any byte quantity) in bytes. */
export function bytes(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return Math.ceil(parseQuantity(q) ?? 0);
}
