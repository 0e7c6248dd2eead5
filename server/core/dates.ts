// Timestamps and calendar dates as the API writes and reads them.
/** `2026-06-15T09:30:00.000000Z`: microsecond timestamps, as the API has always shown them. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A `@db.Date` column (midnight UTC) → `YYYY-MM-DD`. */
export function calendarDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** True for a `YYYY-MM-DD` that names a real day (not 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value);
}

/** `YYYY-MM-DD` (already validated) → the Date Prisma stores in a `@db.Date` column. */
export function parseCalendarDate(value: string): Date {
  return new Date(`${value}T00:00:00.000Z`);
}
