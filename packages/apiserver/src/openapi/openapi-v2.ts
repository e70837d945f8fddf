// /openapi/v2: a Swagger 2.0 document that names no definitions. The schemas are served as
// OpenAPI v3 (/openapi/v3), which kubectl 1.27+ reads for explain and for server-side field
// validation; kubectl still reads v2 for client-side validation of a kind v3 does not list, and
// there, as with Kubernetes, a kind it finds no schema for is not validated, so one unknown kind
// in a file is reported by itself ("no matches for kind") instead of failing the whole file.
// kubectl asks for gnostic's protobuf; the Document below is its fields 1 (swagger) and 2 (info:
// 1 title, 2 version), written by hand because three fields need no protobuf library.
import { VERSION_INFO } from '../rest/discovery';

/** What kubectl asks for; the answer is labelled with the form Go's mime parser accepts, as kube-openapi does. */
export const OPENAPI_V2_PROTOBUF_ACCEPT = /application\/com\.github\.proto-openapi\.spec\.v2[@.]v1\.0\+protobuf/;
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function field(n: number, value: Buffer): Buffer {
  if (value.length > 127) throw new Error('openapi v2: field too long for a one-byte length');
  return Buffer.concat([Buffer.from([(n << 3) | 2, value.length]), value]);
}

export function openapiV2Json(): object {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion }, paths: {}, definitions: {} };
}

export function openapiV2Protobuf(): Buffer {
  const info = Buffer.concat([field(1, Buffer.from('Kubernetes')), field(2, Buffer.from(VERSION_INFO.gitVersion))]);
  return Buffer.concat([field(1, Buffer.from('2.0')), field(2, info)]);
}
