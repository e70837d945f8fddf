// core/v1 ConfigMap, Secret and ServiceAccount.
import { CORE, bool, kind, list, object, str, stringMap, type Schema } from './schema-builders';

/** Values that are base64 of bytes, as Kubernetes' []byte fields. */
function byteMap(description: string): Schema {
  return { type: 'object', description, additionalProperties: { type: 'string', format: 'byte' } };
}

export const CONFIG_SCHEMAS: Record<string, Schema> = {
  [`${CORE}ConfigMap`]: kind('Configuration for pods to consume as environment variables, command-line arguments or files in a volume.', {
    data: stringMap('UTF-8 values by key. Keys consist of alphanumerics, "-", "_" or "."; they may not overlap with binaryData\'s.'),
    binaryData: byteMap('Values that are not UTF-8, base64-encoded, by key.'),
    immutable: bool('If true, data and binaryData cannot be changed (the ConfigMap can only be deleted and re-created).'),
  }),
  [`${CORE}Secret`]: kind('Sensitive data (a password, a token, a key) for pods to consume.', {
    data: byteMap('Values, base64-encoded, by key. Keys consist of alphanumerics, "-", "_" or ".".'),
    stringData: stringMap('Write-only plain values, merged into data on write (a key in both takes this value). Never output when read.'),
    type: str('Used to facilitate programmatic handling of secret data: Opaque (the default), kubernetes.io/tls, kubernetes.io/dockerconfigjson, kubernetes.io/basic-auth, kubernetes.io/ssh-auth, kubernetes.io/service-account-token, ... Immutable.'),
    immutable: bool('If true, data cannot be changed (the Secret can only be deleted and re-created).'),
  }),
  [`${CORE}ServiceAccount`]: kind('An identity for processes that run in a pod; its tokens authenticate as system:serviceaccount:<namespace>:<name>.', {
    secrets: list(`${CORE}ObjectReference`, 'Secrets of the account (legacy token Secrets; tinykube issues bound tokens instead).'),
    imagePullSecrets: list(`${CORE}ServiceAccountPullSecret`, 'Secrets for pulling the images of pods of this account (stored; tinykube\'s kubelets pull from the cluster registry).'),
    automountServiceAccountToken: bool('Whether pods running as this account get an API token mounted; a pod\'s own field wins.'),
  }),
  [`${CORE}ServiceAccountPullSecret`]: object('A reference to a Secret in the same namespace.', { name: str('Name of the Secret.') }),
};
