// Rules on body fields that their schema cannot state, shared by every resource.
import { type FieldErrorCollector, invalidSelection } from './errors.ts';

/** Adds "The selected … is invalid." to `field` unless the lookup found a row. */
export async function expectFound(errors: FieldErrorCollector, field: string, lookup: Promise<unknown>): Promise<void> {
  if (!(await lookup)) errors.add(field, invalidSelection(field));
}

export const selectId = { select: { id: true } } as const;

export function mustNotPrecede(errors: FieldErrorCollector, field: string, value: string | null | undefined, otherField: string, other: string | null | undefined): void {
  if (value && other && value < other) {
    errors.add(field, `The ${field.replace(/_/g, ' ')} field must be a date after or equal to ${otherField.replace(/_/g, ' ')}.`);
  }
}

/** Refuses a number with more decimal places than `places` (the nearest double to 80.25 has two; to 80.256, three). */
export function mustHaveAtMostDecimals(errors: FieldErrorCollector, field: string, value: number | undefined, places: number): void {
  if (value !== undefined && Number(value.toFixed(places)) !== value) {
    errors.add(field, `The ${field.replace(/_/g, ' ')} field must not have more than ${places} decimal places.`);
  }
}

export const isOn = (flag: 'on' | 'off' | undefined): boolean => flag === 'on';
