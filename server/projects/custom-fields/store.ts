// Custom field values: how each type of field is checked, stored, shown, filtered and sorted.
// A project's values live in project_custom_values, one row per field, in the column of the field's
// type; the project read aggregates them into `custom_fields` in the same statement.
import { type ExpressionBuilder, type RawBuilder, type Selectable, sql } from 'kysely';
import type { CustomField as CustomFieldRow } from '../../../generated/prisma/client.ts';
import type { components } from '../../../generated/api-types.ts';
import { validationFailed, type FieldErrorCollector } from '../../core/errors.ts';
import { CUSTOM_VALUE_RULES, customFieldNotSortable, customFieldOperators, customFieldUndefined, customFieldUnknown, customValueInvalid, customValueOneOf, customValueOnlyOptionsOf } from '../../core/messages.ts';
import { isCalendarDate } from '../../core/dates.ts';
import type { Db, Tx } from '../../platform/database/transaction.ts';
import { currentOrganizationId } from '../../platform/database/tenancy.ts';
import { changedEntries } from '../../core/same-value.ts';
import { type DB, executeStatement, queryRows, sqlBuilder } from '../../platform/database/sql.ts';
import { escapeLike } from '../../core/search-text.ts';

type CustomFieldType = components['schemas']['CustomFieldType'];
type Operator = keyof components['schemas']['CustomFieldFilter'];
type Input = components['schemas']['CustomFieldInput'];

/** One stored value: the columns of project_custom_values that a type writes. */
interface StoredValue { textValue?: string; numberValue?: string; dateValue?: Date; optionValues?: string[]; userId?: number }

const DECIMAL_LITERAL = /^[-+]?(\d+\.?\d*|\.\d+)$/;
const EQUALITY = ['eq', 'not_eq', 'in', 'not_in'] as const;
const ORDERED = ['eq', 'not_eq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in'] as const;
/** The largest magnitude numeric(20, 6) holds, less a margin for rounding. */
const NUMBER_LIMIT = 1e14;

/** An operand or stored value that failed: told apart from a good one by being an object. */
class Refusal {
  readonly message: string;
  constructor(message: string) { this.message = message; }
}
const refuse = (message: string) => new Refusal(message);

function numberOf(value: string | number): number | Refusal {
  const number = typeof value === 'number' ? value : DECIMAL_LITERAL.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) return refuse(CUSTOM_VALUE_RULES.number);
  if (Math.abs(number) >= NUMBER_LIMIT) return refuse(CUSTOM_VALUE_RULES.numberRange);
  if (Number(number.toFixed(6)) !== number) return refuse(CUSTOM_VALUE_RULES.numberPlaces);
  return number;
}
function dateOf(value: string | number): string | Refusal {
  return typeof value === 'string' && isCalendarDate(value) ? value : refuse(CUSTOM_VALUE_RULES.date);
}
function optionOf(value: string | number, field: CustomFieldRow): string | Refusal {
  return typeof value === 'string' && field.options.includes(value) ? value : refuse(customValueOneOf(field.options));
}
function userIdOf(value: string | number): number | Refusal {
  const id = typeof value === 'number' ? value : /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(id) && id >= 1 && id <= 2147483647 ? id : refuse(CUSTOM_VALUE_RULES.teamUser);
}

/** What a value is for each type: its column and SQL type, how a sent value is read, which filters it takes. */
type Rules = { [T in CustomFieldType]: {
  column: keyof DB['project_custom_values'] & ('text_value' | 'number_value' | 'date_value' | 'option_values' | 'user_id'); sqlType: string; operators: readonly Operator[]; sortable: boolean;
  read(value: string | number | string[], field: CustomFieldRow): StoredValue | Refusal;
  operand(value: string | number, field: CustomFieldRow): string | number | Refusal;
} };

const rules = {
  text: {
    column: 'text_value', sqlType: 'text', operators: ['eq', 'not_eq', 'contains', 'not_contains', 'in', 'not_in'], sortable: true,
    read: (value) => (typeof value === 'string' ? { textValue: value } : refuse(CUSTOM_VALUE_RULES.text)),
    operand: (value) => String(value),
  },
  number: {
    column: 'number_value', sqlType: 'numeric', operators: ORDERED, sortable: true,
    read: (value) => {
      const number = Array.isArray(value) ? refuse(CUSTOM_VALUE_RULES.number) : numberOf(value);
      return number instanceof Refusal ? number : { numberValue: number.toFixed(6) };
    },
    operand: numberOf,
  },
  date: {
    column: 'date_value', sqlType: 'date', operators: ORDERED, sortable: true,
    read: (value) => {
      const date = Array.isArray(value) ? refuse(CUSTOM_VALUE_RULES.date) : dateOf(value);
      return date instanceof Refusal ? date : { dateValue: new Date(`${date}T00:00:00Z`) };
    },
    operand: dateOf,
  },
  single_select: {
    column: 'text_value', sqlType: 'text', operators: EQUALITY, sortable: true,
    read: (value, field) => {
      const option = Array.isArray(value) ? refuse(CUSTOM_VALUE_RULES.oneOption) : optionOf(value, field);
      return option instanceof Refusal ? option : { textValue: option };
    },
    operand: optionOf,
  },
  multi_select: {
    column: 'option_values', sqlType: 'text', operators: EQUALITY, sortable: false,
    read: (value, field) => {
      const chosen = Array.isArray(value) ? value : [String(value)];
      const unknown = chosen.find((option) => !field.options.includes(option));
      if (unknown !== undefined) return refuse(customValueOnlyOptionsOf(field.options));
      // Kept in the field's order, each once: the order `custom_fields` shows them in.
      return { optionValues: field.options.filter((option) => chosen.includes(option)) };
    },
    operand: optionOf,
  },
  person: {
    column: 'user_id', sqlType: 'int', operators: EQUALITY, sortable: false,
    read: (value) => {
      const id = Array.isArray(value) ? refuse(CUSTOM_VALUE_RULES.teamUser) : userIdOf(value);
      return id instanceof Refusal ? id : { userId: id };
    },
    operand: userIdOf,
  },
} as const satisfies Rules;

/** A field's key as a field name of a 422: `project_custom_fields.phase`. */

/** Values a body sets, checked: the rows to write, and the fields whose value it removes. */
export interface PreparedValues { set: { fieldId: number; value: StoredValue }[]; removed: number[] }

/**
 * Checks `project_custom_fields` against the fields defined: an unknown key, a value of the wrong
 * type, an option the field lacks or a user that does not exist is an error on
 * `project_custom_fields.<key>`. Returns what to write.
 */
export async function prepareCustomValues(db: Db, input: Record<string, Input> | undefined, errors: FieldErrorCollector): Promise<PreparedValues> {
  const prepared: PreparedValues = { set: [], removed: [] };
  if (!input || Object.keys(input).length === 0) return prepared;
  const fields = await db.customField.findMany({ where: { key: { in: Object.keys(input) } } });
  const byKey = new Map(fields.map((field) => [field.key, field]));
  const userIds: { key: string; id: number }[] = [];
  for (const [key, value] of Object.entries(input)) {
    const name = `project_custom_fields.${key}`;
    const field = byKey.get(key);
    if (!field) {
      errors.add(name, customFieldUndefined(key));
      continue;
    }
    if (value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
      prepared.removed.push(field.id);
      continue;
    }
    const stored = rules[field.type].read(value, field);
    if (stored instanceof Refusal) {
      errors.add(name, customValueInvalid(key, stored.message));
      continue;
    }
    if ('userId' in stored) userIds.push({ key, id: stored.userId });
    prepared.set.push({ fieldId: field.id, value: stored });
  }
  if (userIds.length > 0) {
    const found = new Set((await db.user.findMany({ where: { id: { in: userIds.map((u) => u.id) } }, select: { id: true } })).map((u) => u.id));
    for (const { key, id } of userIds) if (!found.has(id)) errors.add(`project_custom_fields.${key}`, customValueInvalid(key, CUSTOM_VALUE_RULES.teamUser));
  }
  return prepared;
}

/** A stored value's columns, the ones its type does not write empty. */
const storedRow = (value: StoredValue) => ({ textValue: null, numberValue: null, dateValue: null, optionValues: [], userId: null, ...value });

/** Of the checked values, those that differ from what the project holds: the ones a write would change. */
export async function customValuesChanging(db: Db, projectId: number, prepared: PreparedValues): Promise<PreparedValues> {
  const fieldIds = [...prepared.set.map(({ fieldId }) => fieldId), ...prepared.removed];
  if (fieldIds.length === 0) return prepared;
  const held = new Map((await db.projectCustomValue.findMany({ where: { projectId, fieldId: { in: fieldIds } } })).map((row) => [row.fieldId, row]));
  return {
    set: prepared.set.filter(({ fieldId, value }) => {
      const row = held.get(fieldId);
      return !row || Object.keys(changedEntries(row, storedRow(value))).length > 0;
    }),
    removed: prepared.removed.filter((fieldId) => held.has(fieldId)),
  };
}

/** Writes checked values to a project: each set value replaces the field's row, removed ones are deleted. */
export async function writeCustomValues(tx: Tx, projectId: number, prepared: PreparedValues): Promise<void> {
  if (prepared.removed.length > 0) {
    await tx.projectCustomValue.deleteMany({ where: { projectId, fieldId: { in: prepared.removed } } });
  }
  for (const { fieldId, value } of prepared.set) {
    const row = storedRow(value);
    await tx.projectCustomValue.upsert({ where: { organizationId_projectId_fieldId: { organizationId: currentOrganizationId(), projectId, fieldId } }, create: { projectId, fieldId, ...row }, update: row });
  }
}

/** Copies every custom value of one project to another (a clone). */
export async function copyCustomValues(tx: Tx, fromProjectId: number, toProjectId: number): Promise<void> {
  await executeStatement(tx, sqlBuilder.insertInto('project_custom_values')
    .columns(['project_id', 'field_id', 'text_value', 'number_value', 'date_value', 'option_values', 'user_id'])
    .expression((eb) => eb.selectFrom('project_custom_values')
      .select([sql.val(toProjectId).as('project_id'), 'field_id', 'text_value', 'number_value', 'date_value', 'option_values', 'user_id'])
      .where('project_id', '=', fromProjectId)));
}

/** The project's `custom_fields`, in a statement over `p` (a projects row): values by key, each as its type shows it. */
export function customFieldsColumn(eb: ExpressionBuilder<DB & { p: Selectable<DB['projects']> }, 'p'>): RawBuilder<Record<string, components['schemas']['CustomFieldValue']>> {
  const values = eb.selectFrom('project_custom_values as v')
    .innerJoin('custom_fields as d', 'd.id', 'v.field_id')
    .leftJoin('users as u', 'u.id', 'v.user_id')
    .select((t) => sql`json_object_agg(${t.ref('d.key')}, CASE ${t.ref('d.type')}
                          WHEN 'number' THEN to_json(${t.ref('v.number_value')}::float8)
                          WHEN 'date' THEN to_json(to_char(${t.ref('v.date_value')}, 'YYYY-MM-DD'))
                          WHEN 'multi_select' THEN to_json(${t.ref('v.option_values')})
                          WHEN 'person' THEN json_build_object('id', ${t.ref('u.id')}, 'name', ${t.ref('u.first_name')} || ' ' || ${t.ref('u.last_name')})
                          ELSE to_json(${t.ref('v.text_value')}) END ORDER BY ${t.ref('d.id')})`.as('custom_fields'))
    .whereRef('v.project_id', '=', 'p.id');
  return sql`COALESCE(${values}, '{}')`;
}

/** The field, its row locked for the rest of the transaction; undefined when there is none. */
export async function lockCustomField(tx: Db, id: number) {
  const [field] = await queryRows(tx, sqlBuilder.selectFrom('custom_fields')
    .select((eb) => ['id', sql<CustomFieldType>`${eb.ref('type')}::text`.as('type')])
    .where('id', '=', id)
    .forUpdate());
  return field;
}

/** The options of a select field that projects hold (in a value of theirs) and `kept` does not list. */
export function heldOptions(db: Db, fieldId: number, kept: string[]): Promise<{ option: string }[]> {
  return queryRows(db, sqlBuilder.selectFrom('project_custom_values as v')
    .crossJoinLateral((eb) => sql<{ option: string | null }>`unnest(${eb.ref('v.option_values')} || ARRAY[${eb.ref('v.text_value')}])`.as('option'))
    .select((eb) => eb.ref('option.option').$notNull().as('option'))
    .distinct()
    .where('v.field_id', '=', fieldId)
    .where('option.option', 'is not', null)
    .where((eb) => eb.not(sql<boolean>`${eb.ref('option.option')} = ANY(${kept}::text[])`)));
}

/** The fields a list names (in `custom_fields` or `sort_custom_field`), by key; an unknown key is a 422. */
export async function customFieldsNamed(db: Db, filter: Record<string, unknown> | undefined, sortKey: string | undefined): Promise<Map<string, CustomFieldRow>> {
  const keys = [...Object.keys(filter ?? {}), ...(sortKey ? [sortKey] : [])];
  if (keys.length === 0) return new Map();
  const fields = new Map((await db.customField.findMany({ where: { key: { in: keys } } })).map((field) => [field.key, field]));
  const errors: Record<string, string[]> = {};
  for (const key of Object.keys(filter ?? {})) if (!fields.has(key)) errors[`custom_fields.${key}`] = [customFieldUnknown(key)];
  if (sortKey && !fields.has(sortKey)) errors.sort_custom_field = [customFieldUnknown(sortKey)];
  if (Object.keys(errors).length > 0) throw validationFailed(errors);
  return fields;
}

type CustomFilter = components['schemas']['CustomFieldFilter'];

/**
 * The conditions of `custom_fields[key][operator]=value` on `p`: membership of the project in the
 * projects whose value matches, found through the field's value index. A negated operator keeps
 * the projects that have no matching value, those without a value included.
 */
export function customFieldConditions(filter: Record<string, CustomFilter>, fields: Map<string, CustomFieldRow>): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  const errors: Record<string, string[]> = {};
  for (const [key, operators] of Object.entries(filter)) {
    const field = fields.get(key)!;
    const rule: Rules[CustomFieldType] = rules[field.type];
    for (const [operator, raw] of Object.entries(operators) as [Operator, string | number | (string | number)[]][]) {
      const name = `custom_fields.${key}.${operator}`;
      if (!rule.operators.includes(operator)) {
        errors[name] = [customFieldOperators(field.type.replace('_', ' '), rule.operators)];
        continue;
      }
      const operands = (Array.isArray(raw) ? raw : [raw]).map((value) => rule.operand(value, field));
      const refused = operands.find((operand) => operand instanceof Refusal);
      if (refused) {
        errors[name] = [customValueInvalid(key, (refused as Refusal).message)];
        continue;
      }
      conditions.push(valueCondition(field, rule, operator, operands as (string | number)[]));
    }
  }
  if (Object.keys(errors).length > 0) throw validationFailed(errors);
  return conditions;
}

function valueCondition(field: CustomFieldRow, rule: Rules[CustomFieldType], operator: Operator, operands: (string | number)[]): RawBuilder<unknown> {
  const column = sql.raw(`v.${rule.column}`);
  const typed = (value: string | number) => sql`${value}::${sql.raw(rule.sqlType)}`;
  const positive = operator.replace(/^not_/, '') as Operator;
  let match: RawBuilder<unknown>;
  if (rule.column === 'option_values') {
    const options = sql`ARRAY[${sql.join(operands.map(typed))}]`;
    match = positive === 'eq' ? sql`${column} @> ${options}` : sql`${column} && ${options}`;
  } else {
    switch (positive) {
      case 'eq': match = sql`${column} = ${typed(operands[0]!)}`; break;
      case 'in': match = sql`${column} IN (${sql.join(operands.map(typed))})`; break;
      case 'contains': match = sql`${column} ILIKE ${`%${escapeLike(String(operands[0]))}%`}`; break;
      case 'gt': match = sql`${column} > ${typed(operands[0]!)}`; break;
      case 'gte': match = sql`${column} >= ${typed(operands[0]!)}`; break;
      case 'lt': match = sql`${column} < ${typed(operands[0]!)}`; break;
      default: match = sql`${column} <= ${typed(operands[0]!)}`;
    }
  }
  const [valueProject, valueField] = (['project_id', 'field_id'] as const satisfies (keyof DB['project_custom_values'])[]).map((column) => sql.raw(`v.${column}`));
  const projects = sql`SELECT ${valueProject} FROM project_custom_values v WHERE ${valueField} = ${field.id} AND ${match}`;
  return operator === positive ? sql`p.id = ANY(ARRAY(${projects}))` : sql`p.id <> ALL(ARRAY(${projects}))`;
}

/** How a list sorts by a custom field: the field, the column (and collation) its values order by, and their type. */
export interface CustomSort { fieldId: number; expression: string; sqlType: string }

export function customSort(field: CustomFieldRow): CustomSort {
  const rule: Rules[CustomFieldType] = rules[field.type];
  if (!rule.sortable) throw validationFailed({ sort_custom_field: [customFieldNotSortable(field.type.replace('_', ' '))] });
  // Text sorts as titles do, in the Unicode root collation (the value index is in that collation too).
  const expression = rule.column === 'text_value' ? 'v.text_value COLLATE "und-x-icu"' : `v.${rule.column}`;
  return { fieldId: field.id, expression, sqlType: rule.sqlType };
}
