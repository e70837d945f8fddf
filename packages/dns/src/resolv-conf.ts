// The upstream resolver for names outside the cluster: the first nameserver of a resolv.conf
// that is not this server's own loopback (a pod's resolv.conf may name a local stub).

export function upstreamFrom(text: string): { host: string; port: number } | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const host = m[1]!;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('127.')) continue;
    return { host, port: 53 };
  }
  return undefined;
}
