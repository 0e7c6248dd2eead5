// The list's grammar as the query parser reads it, made whole before validation.

/** The operators that take a list (`filter[status][in]`, `custom_fields[labels][not_in]`). */
export const LIST_OPERATORS = ['in', 'not_in'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each field's `in`/`not_in` given as a single value, made a list of one. */
function listOperands(conditions: unknown): void {
  if (!isRecord(conditions)) return;
  for (const operators of Object.values(conditions)) {
    if (!isRecord(operators)) continue;
    for (const operator of LIST_OPERATORS) {
      const value = operators[operator];
      if (typeof value === 'string') operators[operator] = [value];
    }
  }
}

/**
 * A list of one sent by repeating the parameter per item (`filter[status][in]=on_hold`: how generated
 * clients send a one-item array) reads as a single value, which the schema's array type refuses:
 * `in` and `not_in` of `filter`, its `and`/`or` groups and `custom_fields` take it as the list it is.
 */
export function readListOperands(query: Record<string, unknown>): void {
  const { filter, custom_fields: customFields } = query;
  listOperands(filter);
  if (isRecord(filter)) for (const groups of [filter.and, filter.or]) if (Array.isArray(groups)) groups.forEach(listOperands);
  listOperands(customFields);
}
