// The client side of the cluster's TLS: whom to trust (the cluster CA) and who we are (a
// certificate the CA signed: CN = user, O = groups). There is no insecure mode.
import * as fs from 'node:fs';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import type { Argv } from 'yargs';

export interface TlsIdentity {
  /** PEM of the CA that signed the server's certificate. */
  ca: string;
  /** PEM client certificate and key; absent for an anonymous client (health checks). */
  cert?: string;
  key?: string;
}

export function readTlsIdentity(files: { caFile: string; certFile?: string; keyFile?: string }): TlsIdentity {
  const read = (f: string, what: string): string => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch (e) {
      throw new Error(`cannot read the ${what} ${f}: ${(e as Error).message}`);
    }
  };
  return {
    ca: read(files.caFile, 'CA certificate'),
    ...(files.certFile ? { cert: read(files.certFile, 'client certificate') } : {}),
    ...(files.keyFile ? { key: read(files.keyFile, 'client key') } : {}),
  };
}

/** An HTTP agent presenting the identity and trusting only its CA. */
export function tlsAgent(id: TlsIdentity): Agent {
  return new Agent({ connect: { ca: id.ca, ...(id.cert ? { cert: id.cert } : {}), ...(id.key ? { key: id.key } : {}) }, keepAliveTimeout: 30_000 });
}

export type TlsFetch = (url: string | URL, init?: UndiciRequestInit) => ReturnType<typeof undiciFetch>;
export type TlsResponse = Awaited<ReturnType<TlsFetch>>;

/** fetch over the cluster's TLS, as this identity. */
export function tlsFetch(id: TlsIdentity): TlsFetch {
  const dispatcher = tlsAgent(id);
  return (url, init = {}) => undiciFetch(url, { ...init, dispatcher });
}

export interface ApiClientFlags {
  apiserver: string;
  'ca-file': string;
  'cert-file': string;
  'key-file': string;
}

/** The flags of a daemon that talks to the apiserver over gRPC: where, whom to trust, who it is. */
export function apiClientFlags<T>(y: Argv<T>, apiserverDefault?: string): Argv<T & ApiClientFlags> {
  return y
    .option('apiserver', { type: 'string', ...(apiserverDefault ? { default: apiserverDefault } : { demandOption: true }), describe: 'apiserver gRPC address host:port' })
    .option('ca-file', { type: 'string', demandOption: true, describe: 'the cluster CA certificate (PEM) the apiserver\'s certificate must be signed by' })
    .option('cert-file', { type: 'string', demandOption: true, describe: 'this daemon\'s client certificate (PEM; CN is its user name, O its groups)' })
    .option('key-file', { type: 'string', demandOption: true, describe: 'the private key of --cert-file' }) as Argv<T & ApiClientFlags>;
}

export function identityFromFlags(a: ApiClientFlags): TlsIdentity {
  return readTlsIdentity({ caFile: a['ca-file'], certFile: a['cert-file'], keyFile: a['key-file'] });
}
