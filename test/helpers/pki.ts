// The cluster PKI for tests that run an apiserver in-process: made once per test process, as
// `up` makes it (the same code), in a temporary directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TlsIdentity } from '@tinykube/client';
import { DEFAULT_ISSUER } from '@tinykube/apiserver';
import { adminIdentity, ensureClusterPki, pkiFiles, pkiIdentity } from '@tinykube/hosts';

export interface TestPki {
  dir: string;
  /** The apiserver's serving certificate and key and the client CA, as startApiserver takes them. */
  serving: { cert: string; key: string; clientCa: string };
  admin: Required<TlsIdentity>;
  /** ServiceAccount token issuer settings, as startApiserver takes them. */
  serviceAccount: { issuer: string; signingKey: string; verifyKeys: string[]; audiences: string[] };
  /** The identity of one of the PKI's certificates (`scheduler`, `proxy`, ...). */
  identity(name: string): Required<TlsIdentity>;
}

let made: Promise<TestPki> | undefined;


export function testPki(): Promise<TestPki> {
  made ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-test-pki-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    await ensureClusterPki({ dir, masterIps: ['127.0.0.1'], serviceCidr: '10.96.0.0/16', nodes: [{ name: 'node-1', ip: '127.0.0.1' }] });
    const f = pkiFiles(dir);
    return {
      dir,
      serving: { cert: fs.readFileSync(f.crt('apiserver'), 'utf8'), key: fs.readFileSync(f.key('apiserver'), 'utf8'), clientCa: fs.readFileSync(f.ca, 'utf8') },
      admin: adminIdentity(dir),
      serviceAccount: { issuer: DEFAULT_ISSUER, signingKey: fs.readFileSync(path.join(dir, 'sa.key'), 'utf8'), verifyKeys: [fs.readFileSync(path.join(dir, 'sa.pub'), 'utf8')], audiences: [DEFAULT_ISSUER] },
      identity: (name) => pkiIdentity(dir, name),
    };
  })();
  return made;
}
