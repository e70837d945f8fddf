import { isObject, type ConfigMap } from '@tinykube/api';
import { ageCol, age, nameCol } from '../rest/table';
import { decodedLength, validateConfigKey, validateConfigSize } from './config-keys';
import { strategy } from './strategy';

export const configMapStrategy = strategy<ConfigMap>({
  nameRule: 'subdomain',
  validate(e, cm) {
    let bytes = 0;
    for (const [key, value] of Object.entries(cm.data ?? {})) {
      validateConfigKey(e, `data[${key}]`, key);
      bytes += Buffer.byteLength(value);
    }
    for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
      validateConfigKey(e, `binaryData[${key}]`, key);
      if (isObject(cm.data) && key in cm.data) e.invalid(`binaryData[${key}]`, key, 'duplicate of key present in data');
      bytes += decodedLength(value);
    }
    validateConfigSize(e, bytes);
  },
  validateUpdate(e, next, prev) {
    if (!prev.immutable) return;
    if (!next.immutable) e.forbidden('immutable', 'field is immutable when `immutable` is set');
    if (JSON.stringify(next.data ?? {}) !== JSON.stringify(prev.data ?? {})) e.forbidden('data', 'field is immutable when `immutable` is set');
    if (JSON.stringify(next.binaryData ?? {}) !== JSON.stringify(prev.binaryData ?? {})) e.forbidden('binaryData', 'field is immutable when `immutable` is set');
  },
  printer: {
    columns: [nameCol, ['Data', 'string', 0, 'Number of keys in data and binaryData.'], ageCol],
    cells: (o) => {
      const cm = o as ConfigMap;
      return [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm.metadata.creationTimestamp)];
    },
  },
});
