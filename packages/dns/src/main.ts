#!/usr/bin/env node
// tk-dns: the cluster's DNS, run on the cluster as CoreDNS is: it watches Services,
// EndpointSlices and Namespaces with its ServiceAccount's token and answers Kubernetes' DNS
// specification for the cluster domain, forwarding other names to the resolver of its own
// resolv.conf (the node's, with dnsPolicy Default) or answering SERVFAIL when there is none.
import * as fs from 'node:fs';
import { R, type EndpointSlice, type KubeObject, type Service } from '@tinykube/api';
import { Informer, RestClient } from '@tinykube/client';
import { runDaemon } from '@tinykube/daemon';
import { Counter, Histogram } from 'prom-client';
import { ClusterZone } from './cluster-zone';
import { DnsServer } from './dns-server';
import { upstreamFrom } from './resolv-conf';
import { startBareResponder } from './bare-responder';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

runDaemon({
  name: 'tk-dns',
  usage: 'answer DNS for the cluster domain from Services and EndpointSlices',
  flags: (y) =>
    y
      .option('cluster-domain', { type: 'string', default: 'cluster.local' })
      .option('port', { type: 'number', default: 53, describe: 'UDP and TCP port for DNS' })
      .option('metrics-port', { type: 'number', default: 9153, describe: '/metrics, /healthz, /readyz' })
      .option('apiserver', { type: 'string', describe: 'https://host:port; default: from KUBERNETES_SERVICE_HOST and _PORT, as in a pod' })
      .option('token-file', { type: 'string', default: `${SA_DIR}/token` })
      .option('ca-file', { type: 'string', default: `${SA_DIR}/ca.crt` })
      .option('resolv-conf', { type: 'string', default: '/etc/resolv.conf', describe: 'where the upstream resolver for other names is read from' })
      .option('ttl', { type: 'number', default: 5 })
      .option('lameduck', { type: 'number', default: 5, describe: 'seconds to go on answering after SIGTERM, while the endpoint is withdrawn (CoreDNS health lameduck)' })
      .option('bare', { type: 'boolean', default: false, describe: 'the benchmark baseline: answer every A question with 192.0.2.1, with no zone and no API' }),
  async run({ args: a, log, metrics, health, onStop, serve }) {
    if (a.bare) {
      const sock = await startBareResponder(a.port);
      onStop(() => sock.close());
      await serve('0.0.0.0', a['metrics-port']);
      log.info('bare responder serving');
      return;
    }
    const host = process.env['KUBERNETES_SERVICE_HOST'];
    const server = a.apiserver ?? (host ? `https://${host.includes(':') ? `[${host}]` : host}:${process.env['KUBERNETES_SERVICE_PORT'] ?? '443'}` : undefined);
    if (!server) throw new Error('no --apiserver and no KUBERNETES_SERVICE_HOST: run in a pod or say where the apiserver is');
    // The kubelet renews the projected token; read it again at every request.
    let token = '';
    let read = 0;
    const currentToken = (): string => {
      if (Date.now() - read > 60_000) {
        token = fs.readFileSync(a['token-file'], 'utf8').trim();
        read = Date.now();
      }
      return token;
    };
    const api = new RestClient(server, { tls: { ca: fs.readFileSync(a['ca-file'], 'utf8') }, token: currentToken });
    onStop(() => api.close());
    const zone = new ClusterZone(a['cluster-domain'], a.ttl);
    const services = new Informer<Service>(api, R.services);
    const slices = new Informer<EndpointSlice>(api, R.endpointslices);
    const namespaces = new Informer<KubeObject>(api, R.namespaces);
    const rebuild = (): void => zone.update(services.list(), slices.list(), namespaces.list().map((n) => n.metadata.name!));
    let pending: NodeJS.Timeout | undefined;
    const changed = (): void => {
      pending ??= setTimeout(() => {
        pending = undefined;
        rebuild();
      }, 20);
    };
    for (const inf of [services, slices, namespaces] as Informer<KubeObject>[]) {
      inf.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
      inf.start();
      onStop(() => inf.stop());
    }
    await Promise.all([services.waitForSync(), slices.waitForSync(), namespaces.waitForSync()]);
    rebuild();
    const queries = new Counter({ name: 'coredns_dns_requests_total', help: 'DNS queries answered, by type, rcode and transport', labelNames: ['type', 'rcode', 'proto'], registers: [metrics] });
    const latency = new Histogram({ name: 'coredns_dns_request_duration_seconds', help: 'Time to answer a query', labelNames: ['type'], buckets: [0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048], registers: [metrics] });
    const upstream = upstreamFrom(fs.existsSync(a['resolv-conf']) ? fs.readFileSync(a['resolv-conf'], 'utf8') : '');
    const dns = new DnsServer({
      zone,
      port: a.port,
      ...(upstream ? { upstream } : {}),
      onQuery: (type, rcode, seconds, proto) => {
        queries.inc({ type, rcode, proto });
        latency.observe({ type }, seconds);
      },
    });
    await dns.start();
    onStop(() => dns.stop());
    let stopping = false;
    health.addReady('informers', () => (stopping ? 'shutting down' : services.hasSynced() && slices.hasSynced() ? undefined : 'informers not synced'));
    // Stops run last-registered first: on SIGTERM this waits, still answering, before the server stops.
    onStop(async () => {
      stopping = true;
      log.info({ seconds: a.lameduck }, 'lameduck: still answering while the endpoint is withdrawn');
      await new Promise((r) => setTimeout(r, a.lameduck * 1000));
    });
    await serve('0.0.0.0', a['metrics-port']);
    log.info({ domain: a['cluster-domain'], upstream: upstream ? `${upstream.host}:${upstream.port}` : 'none (SERVFAIL)' }, 'dns serving');
  },
});
