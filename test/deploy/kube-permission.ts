import type { PolicyRule } from './manifests.js';

/** What one Kubernetes API request needs from RBAC. */
export interface Permission {
  /** `''` for the core group. */
  apiGroup: string;
  /** The resource, with `/subresource` when there is one (`pods/log`, `deployments/scale`). */
  resource: string;
  verb: string;
  /** Undefined for cluster-scoped resources. */
  namespace?: string;
  /** The object's name, for requests on one object. */
  name?: string;
}

/**
 * The permission a request needs, as the API server's authorizer derives it: `/api/v1/...` is the core group,
 * `/apis/<group>/<version>/...` a named one; GET on a collection is list (watch with `watch=true`), on one object
 * get; POST create, PUT update, PATCH patch, DELETE delete (deletecollection on a collection).
 */
export function permissionOf(req: { method: string; path: string; query?: Record<string, string> }): Permission {
  const parts = req.path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let apiGroup: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    apiGroup = parts[1] ?? '';
    rest = parts.slice(3);
  } else {
    throw new Error(`not a resource path: ${req.method} ${req.path}`);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) throw new Error(`unexpected resource path: ${req.path}`);
  const collection = name === undefined;
  const method = req.method.toUpperCase();
  const verb =
    method === 'GET'
      ? collection
        ? req.query?.watch === 'true' || req.query?.watch === '1'
          ? 'watch'
          : 'list'
        : 'get'
      : method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? 'patch'
            : method === 'DELETE'
              ? collection
                ? 'deletecollection'
                : 'delete'
              : method.toLowerCase();
  return { apiGroup, resource: subresource ? `${resource}/${subresource}` : resource, verb, namespace, name };
}

/** Subresources whose WebSocket upgrade (a GET) the API server also authorizes as create (1.35+, on by default). */
const upgradeCreateSubresources = new Set(['pods/exec', 'pods/attach', 'pods/portforward']);

/**
 * Every permission a request needs: {@link permissionOf}, and for the GET that upgrades pods/exec, attach or
 * portforward to a WebSocket, create too (the AuthorizePodWebsocketUpgradeCreatePermission check).
 */
export function permissionsOf(req: { method: string; path: string; query?: Record<string, string> }): Permission[] {
  const p = permissionOf(req);
  return p.verb === 'get' && upgradeCreateSubresources.has(p.resource) ? [p, { ...p, verb: 'create' }] : [p];
}

/** Whether one rule allows a permission (RBAC has no deny: any matching rule allows). */
export function ruleAllows(rule: PolicyRule, p: Permission): boolean {
  const has = (list: string[], value: string) => list.includes('*') || list.includes(value);
  if (!has(rule.apiGroups, p.apiGroup) || !has(rule.resources, p.resource) || !has(rule.verbs, p.verb)) return false;
  // resourceNames limit a rule to named objects, so it never allows list, watch, create or deletecollection.
  if (rule.resourceNames && rule.resourceNames.length > 0)
    return p.name !== undefined && rule.resourceNames.includes(p.name);
  return true;
}

/** A readable form of a permission, for test messages. */
export function describePermission(p: Permission): string {
  const group = p.apiGroup === '' ? 'core' : p.apiGroup;
  return `${p.verb} ${group}/${p.resource}${p.name ? ` ${p.name}` : ''}${p.namespace ? ` in ${p.namespace}` : ' (cluster)'}`;
}
