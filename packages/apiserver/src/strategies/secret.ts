import type { Errs, Secret } from '@tinykube/api';
import { ageCol, age, nameCol } from '../rest/table';
import { decodedLength, validateConfigSize, validateDataKeys, validateImmutable } from './config-keys';
import { strategy } from './strategy';

/** Keys each well-known type requires, as Kubernetes' ValidateSecret. */
const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

function validateType(e: Errs, s: Secret): void {
  const data = s.data ?? {};
  for (const key of REQUIRED_KEYS[s.type ?? ''] ?? []) if (!(key in data)) e.required(`data[${key}]`);
  const json = s.type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : undefined;
  const raw = json ? data[json] : undefined;
  if (json && raw !== undefined) {
    try {
      JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    } catch (err) {
      e.invalid(`data[${json}]`, '<secret contents redacted>', (err as Error).message);
    }
  }
  if (s.type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) e.required('data[username]');
  if (s.type === 'kubernetes.io/service-account-token' && !s.metadata.annotations?.['kubernetes.io/service-account.name']) e.required('metadata.annotations[kubernetes.io/service-account.name]');
}

export const secretStrategy = strategy<Secret>({
  nameRule: 'subdomain',
  /** stringData is write-only: merged into data (base64) before anything else, as Kubernetes' conversion does. */
  defaults(s) {
    if (s.stringData) {
      s.data ??= {};
      for (const [key, value] of Object.entries(s.stringData)) s.data[key] = Buffer.from(value, 'utf8').toString('base64');
      delete s.stringData;
    }
    s.type ||= 'Opaque';
  },
  validate(e, s) {
    validateConfigSize(e, validateDataKeys(e, 'data', s.data, decodedLength));
    validateType(e, s);
  },
  validateUpdate(e, next, prev) {
    if (next.type !== prev.type) e.invalid('type', next.type, 'field is immutable');
    validateImmutable(e, next, prev, ['data']);
  },
  printer: {
    columns: [nameCol, ['Type', 'string', 0, 'The type of the secret.'], ['Data', 'string', 0, 'Number of keys in data.'], ageCol],
    cells: (o) => {
      const s = o as Secret;
      return [s.metadata.name, s.type ?? 'Opaque', Object.keys(s.data ?? {}).length, age(s.metadata.creationTimestamp)];
    },
  },
});
