// The list's custom field conditions: `custom_fields[key][operator]=value` (the grammar) joined with
// `custom_field_filter=key:operator:value` entries, the one-level form that generated clients can send.
import type { components } from '../../../generated/api-types.ts';
import { validationFailed } from '../../core/errors.ts';
import { customFieldConditionRepeated } from '../../core/messages.ts';
import { LIST_OPERATORS } from '../list-query.ts';

type CustomFilter = components['schemas']['CustomFieldFilter'];
type Operator = keyof CustomFilter;
type Operand = string | number;

/** The operators that take a list, which entries add to one value at a time. */
const listOperators: ReadonlySet<Operator> = new Set(LIST_OPERATORS);

/**
 * The conditions of both forms by key. The spec's pattern has checked each entry's key and operator;
 * the value is everything after the second colon. An operator that takes one value, given twice, is a 422.
 */
export function customFieldFilters(grammar: Record<string, CustomFilter> | undefined, entries: readonly string[] | undefined): Record<string, CustomFilter> | undefined {
  if (!entries?.length) return grammar;
  // A Map, not an object: a key such as `constructor` must not reach the prototype.
  const byKey = new Map<string, Map<Operator, Operand | Operand[]>>(
    Object.entries(grammar ?? {}).map(([key, operators]) => [key, new Map(Object.entries(operators) as [Operator, Operand | Operand[]][])]),
  );
  const repeated: string[] = [];
  for (const entry of entries) {
    const [key, operator] = entry.split(':', 2) as [string, Operator];
    const value = entry.slice(key.length + operator.length + 2);
    const conditions = byKey.get(key) ?? new Map<Operator, Operand | Operand[]>();
    byKey.set(key, conditions);
    const given = conditions.get(operator);
    if (listOperators.has(operator)) conditions.set(operator, [...(given === undefined ? [] : Array.isArray(given) ? given : [given]), value]);
    else if (given === undefined) conditions.set(operator, value);
    else repeated.push(customFieldConditionRepeated(key, operator));
  }
  if (repeated.length > 0) throw validationFailed({ custom_field_filter: [...new Set(repeated)] });
  return Object.fromEntries([...byKey].map(([key, conditions]) => [key, Object.fromEntries(conditions) as CustomFilter]));
}
