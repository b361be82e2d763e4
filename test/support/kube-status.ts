import type { JsonObject } from './json-value.js';

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The `reason` a Kubernetes API server uses for an HTTP status code (`Unknown` when it has none). */
export function kubeReasonFor(code: number): string {
  return REASON_BY_CODE[code] ?? 'Unknown';
}

/** A `Status` failure object exactly as the API server returns it. */
export function kubeStatus(
  code: number,
  message: string,
  details?: JsonObject,
  reason = kubeReasonFor(code),
): JsonObject {
  const status: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
  };
  if (details !== undefined) status.details = details;
  status.code = code;
  return status;
}

/** The 404 `Status` for a named object that does not exist, e.g. `deployments.apps "api" not found`. */
export function kubeNotFound(resource: string, group: string, name: string): JsonObject {
  const qualified = group === '' ? resource : `${resource}.${group}`;
  const details: JsonObject = { name, kind: resource };
  if (group !== '') details.group = group;
  return kubeStatus(404, `${qualified} "${name}" not found`, details);
}

/** The 404 `Status` for a path no API group serves. */
export function kubeUnknownPath(): JsonObject {
  return kubeStatus(404, 'the server could not find the requested resource', {});
}

/** The `Status` an injected fault returns: for 500 the API server's `Internal error occurred: …` shape. */
export function kubeFaultStatus(code: number, message = 'injected fault'): JsonObject {
  if (code === 500) {
    return kubeStatus(500, `Internal error occurred: ${message}`, { causes: [{ message }] });
  }
  if (code === 503) return kubeStatus(503, 'the server is currently unable to handle the request', {});
  if (code === 504) return kubeStatus(504, 'the server was unable to return a response in the time allotted', {});
  return kubeStatus(code, message, {});
}
