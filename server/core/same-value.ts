// Whether a change would change anything: a stored column's value against the value a request would
// write. A change that changes nothing writes nothing (no new version, no `dates.updated`, no event).

/** Prisma's Decimal, as far as a comparison needs it. */
interface DecimalLike { equals(other: string | number): boolean }

const isDecimal = (value: unknown): value is DecimalLike => typeof value === 'object' && value !== null && typeof (value as DecimalLike).equals === 'function';

/** Dates compare by instant, decimals by value (`12.5` is `12.50`), lists item by item; null and absent are alike. */
export function sameValue(stored: unknown, next: unknown): boolean {
  if (stored === null || stored === undefined || next === null || next === undefined) return (stored ?? null) === (next ?? null);
  if (stored instanceof Date && next instanceof Date) return stored.getTime() === next.getTime();
  if (Array.isArray(stored) && Array.isArray(next)) return stored.length === next.length && stored.every((item, index) => sameValue(item, next[index]));
  if (isDecimal(stored) && (typeof next === 'string' || typeof next === 'number')) return stored.equals(next);
  return stored === next;
}

/** The entries of `next` whose value differs from the same key's in `stored`. */
export function changedEntries<Next extends object>(stored: object, next: Next): Partial<Next> {
  return Object.fromEntries(Object.entries(next).filter(([key, value]) => !sameValue((stored as Record<string, unknown>)[key], value))) as Partial<Next>;
}
