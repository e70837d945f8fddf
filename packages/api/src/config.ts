// core/v1 ConfigMap and Secret: configuration and credentials that pods consume.

import type { KubeObject } from './meta';

export interface ConfigMap extends KubeObject {
  /** UTF-8 values by key. */
  data?: Record<string, string>;
  /** Other bytes by key, base64-encoded. */
  binaryData?: Record<string, string>;
  /** Once true, data and binaryData can no longer change (and immutable cannot be unset). */
  immutable?: boolean;
}

export interface Secret extends KubeObject {
  /** Values by key, base64-encoded. */
  data?: Record<string, string>;
  /** Write-only plain values, merged into data by the apiserver (they win over data). */
  stringData?: Record<string, string>;
  /** What the secret holds: Opaque (the default), kubernetes.io/tls, kubernetes.io/dockerconfigjson, ... */
  type?: string;
  immutable?: boolean;
}
