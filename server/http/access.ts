// The scope check: a key without the scope an operation needs (its security requirement in the spec)
// is refused with 403 before its body is read or validated. The operation is found from the method
// and the path's shape alone: Express would decode the path's parameters to match a route, and a
// request whose parameters do not decode must still reach the validator's answer.
import type { NextFunction, Request, Response } from 'express';
import { type Caller, missingScopeMessage, type Scope } from '../core/access.ts';
import { type OpenApiDocument, listOperations, requiredScope } from '../contract/spec.ts';

interface ScopedPath { segments: (string | null)[]; scope: Scope | undefined }

/** The operations' paths by method and number of segments; a `{parameter}` segment (null) matches any. */
function scopedPaths(doc: OpenApiDocument): Map<string, ScopedPath[]> {
  const byShape = new Map<string, ScopedPath[]>();
  for (const { method, specPath, operation } of listOperations(doc)) {
    const segments = specPath.split('/').map((segment) => (segment.startsWith('{') ? null : segment));
    const key = `${method.toUpperCase()} ${segments.length}`;
    const paths = byShape.get(key) ?? [];
    paths.push({ segments, scope: requiredScope(operation) });
    // A literal segment wins over a parameter at the same place.
    paths.sort((a, b) => a.segments.filter((s) => s === null).length - b.segments.filter((s) => s === null).length);
    byShape.set(key, paths);
  }
  return byShape;
}

/** Refuses a caller (res.locals.caller, already identified) without the scope of the operation it calls. */
export function requireScopes(doc: OpenApiDocument) {
  const byShape = scopedPaths(doc);
  return (req: Request, res: Response, next: NextFunction): void => {
    const segments = (req.baseUrl + req.path).replace(/\/$/, '').split('/');
    const candidates = byShape.get(`${req.method} ${segments.length}`) ?? [];
    const found = candidates.find((path) => path.segments.every((segment, index) => segment === null || segment === segments[index]));
    const caller = (res.locals as { caller: Caller }).caller;
    // No operation here (the 404 comes later), or one any key may call.
    if (!found?.scope || caller.scopes.has(found.scope)) {
      next();
      return;
    }
    res.status(403).json({ message: missingScopeMessage(caller, found.scope), required_scope: found.scope });
  };
}
