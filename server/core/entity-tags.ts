// Strong entity tags for projects, from the row's `version` (incremented by every change in the same
// statement), and the If-Match precondition on writes. A counter rather than `updated_at`: two
// changes within one millisecond, or on instances whose clocks differ, would share a timestamp, and
// a lost update would go unnoticed. The read that builds the answer already returns the version, so
// the tag costs no query. If-None-Match is evaluated here rather than by Express's `req.fresh`: that
// check is a cache's, and ignores the header whenever the request says `Cache-Control: no-cache`,
// which fetch() adds to every request that carries If-None-Match.
import { ApiError } from './errors.ts';
import { PRECONDITION_FAILED_MESSAGE } from './messages.ts';

/** `"v7"`: a strong ETag (RFC 9110 §8.8.3). */
export function entityTag(version: number): string {
  return `"v${version}"`;
}

/** What If-Match allows: any current version (`*`), or one of the listed ones. */
export type VersionCondition = { any: true } | { any: false; versions: number[] };

/**
 * The If-Match header (already checked against the spec's pattern) → the versions it allows.
 * Weak tags (`W/"v7"`) never match: If-Match uses the strong comparison.
 */
export function parseIfMatch(header: string | undefined): VersionCondition | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { any: true };
  const versions = [...header.matchAll(/(W\/)?"v([1-9]\d{0,9})"/g)].filter(([, weak]) => !weak).map(([, , digits]) => Number(digits));
  return { any: false, versions };
}

/**
 * True when If-None-Match names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`: a GET is then
 * a 304. The header is a list of tags or `*`.
 */
export function stillCurrent(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string) => tag.replace(/^W\//, '');
  return [...ifNoneMatch.matchAll(/(?:W\/)?"[^"]*"/g)].some(([tag]) => opaque(tag) === opaque(etag));
}

export function allows(condition: VersionCondition | undefined, version: number): boolean {
  return !condition || condition.any || condition.versions.includes(version);
}


/** 412, with the tag of the project as it is now. */
export function preconditionFailed(currentVersion: number): ApiError {
  return new ApiError(412, PRECONDITION_FAILED_MESSAGE, undefined, { ETag: entityTag(currentVersion) });
}
