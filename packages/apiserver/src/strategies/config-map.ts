import type { ConfigMap } from '@tinykube/api';
import { ageCol, age, nameCol } from '../rest/table';
import { decodedLength, validateConfigSize, validateDataKeys, validateImmutable } from './config-keys';
import { strategy } from './strategy';

export const configMapStrategy = strategy<ConfigMap>({
  nameRule: 'subdomain',
  validate(e, cm) {
    const text = validateDataKeys(e, 'data', cm.data, (v) => Buffer.byteLength(v));
    const binary = validateDataKeys(e, 'binaryData', cm.binaryData, decodedLength);
    for (const key of Object.keys(cm.binaryData ?? {})) if (key in (cm.data ?? {})) e.invalid(`binaryData[${key}]`, key, 'duplicate of key present in data');
    validateConfigSize(e, text + binary);
  },
  validateUpdate: (e, next, prev) => validateImmutable(e, next, prev, ['data', 'binaryData']),
  printer: {
    columns: [nameCol, ['Data', 'string', 0, 'Number of keys in data and binaryData.'], ageCol],
    cells: (o) => {
      const cm = o as ConfigMap;
      return [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm.metadata.creationTimestamp)];
    },
  },
});
