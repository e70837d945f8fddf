// @tinykube/wire: the gRPC contract between the apiserver and the daemons. Loads this package's
// tinykube.proto at run time (@grpc/proto-loader: no generated code to keep in step) and
// describes its messages in TypeScript.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface GetRequest { resource: string; namespace: string; name: string }
export interface ListRequest { resource: string; namespace: string; labelSelector: string; fieldSelector: string; limit?: number; continue?: string }
export interface ListResponse { items: Buffer[]; resourceVersion: string; continue?: string }
export interface WatchRequest extends ListRequest { resourceVersion: string }
export interface WatchEventMsg { type: string; object: Buffer }
export interface WriteRequest { resource: string; namespace: string; name: string; object: Buffer; dryRun: boolean; fieldManager: string }
export interface PatchRequest { resource: string; namespace: string; name: string; patchType: string; patch: Buffer; status: boolean }
export interface DeleteRequest { resource: string; namespace: string; name: string; gracePeriodSeconds: number; propagationPolicy: string; preconditionUid: string; preconditionResourceVersion: string }
export interface BindRequest { namespace: string; name: string; nodeName: string; podUid: string }
export interface ObjectResponse { object: Buffer }

/** The contract, in this package beside dist/ (from dist/src/index.js, two levels up). */
export const PROTO_PATH = join(__dirname, '..', '..', 'proto', 'tinykube.proto');

let cached: grpc.GrpcObject | undefined;

export function loadApiService(): grpc.ServiceClientConstructor {
  cached ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO_PATH, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true }),
  );
  const pkg = (cached.tinykube as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return pkg.Api as grpc.ServiceClientConstructor;
}

/** Keepalive for long-lived watch streams, on both ends. */
export const KEEPALIVE_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.max_pings_without_data': 0,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

/** gRPC status codes for Kubernetes HTTP codes; the full Status travels in the error details. */
export function grpcCodeFor(httpCode: number): grpc.status {
  switch (httpCode) {
    case 400:
      return grpc.status.INVALID_ARGUMENT;
    case 403:
      return grpc.status.PERMISSION_DENIED;
    case 404:
      return grpc.status.NOT_FOUND;
    case 409:
      return grpc.status.ABORTED;
    case 410:
      return grpc.status.OUT_OF_RANGE;
    case 413:
      return grpc.status.RESOURCE_EXHAUSTED;
    case 422:
      return grpc.status.INVALID_ARGUMENT;
    case 503:
      return grpc.status.UNAVAILABLE;
    case 504:
      return grpc.status.DEADLINE_EXCEEDED;
    default:
      return httpCode >= 500 ? grpc.status.INTERNAL : grpc.status.UNKNOWN;
  }
}
