// Kubernetes' two time formats: Time (RFC 3339 at whole seconds) and MicroTime (microseconds,
// as Leases carry).

export function timestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function microTime(d = new Date()): string {
  return d.toISOString().replace('Z', '000Z');
}
