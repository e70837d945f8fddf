// API errors as Kubernetes `Status` objects (reason, code, field causes).
import type { Status, StatusCause } from './meta';

export interface FieldError {
  /** Field path as Kubernetes prints it, e.g. `spec.template.spec.containers[0].image`. */
  field: string;
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueNotFound';
  /** The detail after the type, e.g. `must be no more than 63 characters`. */
  detail: string;
  value?: unknown;
}

const typeText: Record<FieldError['type'], string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueNotFound: 'Not found',
};

/** Renders one field error the way Kubernetes does: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`. */
export function formatFieldError(e: FieldError): string {
  const parts = [e.field, typeText[e.type]];
  if (e.type !== 'FieldValueRequired' && e.type !== 'FieldValueForbidden' && e.value !== undefined) {
    parts.push(typeof e.value === 'string' ? JSON.stringify(e.value) : JSON.stringify(e.value));
  }
  if (e.detail) parts.push(e.detail);
  return parts.join(': ');
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'ApiError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function statusFailure(code: number, reason: string, message: string, details?: Status['details']): Status {
  const s: Status = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** The HTTP code of a failed API call (an ApiError, or a client's error carrying a Status code); undefined for anything else. */
export function errorCode(e: unknown): number | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** Details naming the object: `deployments.apps` -> kind `deployments`, group `apps`. */
function objectDetails(resource: string, name: string): Status['details'] {
  const [kind, ...group] = resource.split('.');
  return { name, kind, group: group.join('.') || undefined };
}

export const errors = {
  notFound(resource: string, name: string): ApiError {
    return new ApiError(statusFailure(404, 'NotFound', `${resource} "${name}" not found`, objectDetails(resource, name)));
  },
  alreadyExists(resource: string, name: string): ApiError {
    return new ApiError(statusFailure(409, 'AlreadyExists', `${resource} "${name}" already exists`, objectDetails(resource, name)));
  },
  conflict(resource: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
    return new ApiError(statusFailure(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, objectDetails(resource, name)));
  },
  invalid(qualifiedKind: string, name: string, fieldErrors: FieldError[]): ApiError {
    const causes: StatusCause[] = fieldErrors.map((e) => ({ reason: e.type, message: formatFieldError(e).slice(e.field.length + 2), field: e.field }));
    const list = fieldErrors.map(formatFieldError);
    const msg = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    const [kind, ...group] = qualifiedKind.split('.');
    return new ApiError(statusFailure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${msg}`, { name, kind, group: group.join('.') || undefined, causes }));
  },
  /** A body whose fields have the wrong types: Kubernetes' decoder refuses it before validation (400). */
  undecodable(kind: string, version: string, fieldErrors: FieldError[]): ApiError {
    const causes: StatusCause[] = fieldErrors.map((e) => ({ reason: e.type, message: formatFieldError(e).slice(e.field.length + 2), field: e.field }));
    return new ApiError(statusFailure(400, 'BadRequest', `${kind} in version "${version}" cannot be handled as a ${kind}: ${fieldErrors.map(formatFieldError).join(', ')}`, { kind, causes }));
  },
  badRequest(message: string): ApiError {
    return new ApiError(statusFailure(400, 'BadRequest', message));
  },
  gone(message: string): ApiError {
    return new ApiError(statusFailure(410, 'Expired', message));
  },
  methodNotAllowed(message: string): ApiError {
    return new ApiError(statusFailure(405, 'MethodNotAllowed', message));
  },
  tooLarge(limit: number): ApiError {
    return new ApiError(statusFailure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`));
  },
  /** Kubernetes' 415: the accepted types listed; `type` is what the client sent. */
  unsupportedMediaType(type: string, accepted: readonly string[]): ApiError {
    return new ApiError(statusFailure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, { kind: type }));
  },
  notAcceptable(message: string): ApiError {
    return new ApiError(statusFailure(406, 'NotAcceptable', message));
  },
  forbidden(message: string): ApiError {
    return new ApiError(statusFailure(403, 'Forbidden', message));
  },
  internal(message: string): ApiError {
    return new ApiError(statusFailure(500, 'InternalError', `Internal error occurred: ${message}`));
  },
  timeout(message: string): ApiError {
    return new ApiError(statusFailure(504, 'Timeout', message));
  },
  unavailable(message: string): ApiError {
    return new ApiError(statusFailure(503, 'ServiceUnavailable', message));
  },
};
