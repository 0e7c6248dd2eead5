// Rules on body fields that their schema cannot state, shared by every resource.
import type { FieldErrorCollector } from './errors.ts';
import { fieldMaxDecimals, fieldNotBefore, invalidSelection } from './messages.ts';

/** Adds "The selected … is invalid." to `field` unless the lookup found a row. */
export async function expectFound(errors: FieldErrorCollector, field: string, lookup: Promise<unknown>): Promise<void> {
  if (!(await lookup)) errors.add(field, invalidSelection(field));
}

export const selectId = { select: { id: true } } as const;

export function mustNotPrecede(errors: FieldErrorCollector, field: string, value: string | null | undefined, otherField: string, other: string | null | undefined): void {
  if (value && other && value < other) {
    errors.add(field, fieldNotBefore(field, otherField));
  }
}

/** Refuses a number with more decimal places than `places` (the nearest double to 80.25 has two; to 80.256, three). */
export function mustHaveAtMostDecimals(errors: FieldErrorCollector, field: string, value: number | undefined, places: number): void {
  if (value !== undefined && Number(value.toFixed(places)) !== value) {
    errors.add(field, fieldMaxDecimals(field, places));
  }
}

export const isOn = (flag: 'on' | 'off' | undefined): boolean => flag === 'on';
