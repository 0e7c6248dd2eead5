// A client's search text, matched literally.
/** `%`, `_` and LIKE's escape `\` in a client's search text, escaped so that they match literally. */
export function escapeLike(search: string): string {
  return search.replace(/[\\%_]/g, '\\$&');
}

/** A case-insensitive substring filter for a client's search text (Prisma's `contains` is a LIKE). */
export function containsText(search: string) {
  return { contains: escapeLike(search), mode: 'insensitive' as const };
}
