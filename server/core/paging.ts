// Page windows (page, limit, order) and a page of rows with its totals.
import type { components } from '../../generated/api-types.ts';

export interface PageQuery { page?: number; limit?: number; order?: 'asc' | 'desc' }
export interface PageWindow { skip: number; take: number; order: 'asc' | 'desc'; page: number }

export function pageWindow(query: PageQuery): PageWindow {
  const page = query.page ?? 1;
  const take = query.limit ?? 25;
  return { page, take, skip: (page - 1) * take, order: query.order ?? 'desc' };
}

/**
 * Loads one page and the total side by side (on PostgreSQL, on two pooled connections) and maps the
 * rows. No transaction: under READ COMMITTED it would not make the two reads one snapshot anyway.
 */
export async function loadPage<Row, Item>(
  window: PageWindow,
  rows: Promise<Row[]>,
  total: Promise<number>,
  map: (row: Row) => Item,
): Promise<{ data: Item[]; meta: components['schemas']['PaginationMeta'] }> {
  const [found, count] = await Promise.all([rows, total]);
  return {
    data: found.map(map),
    meta: { current_page: window.page, per_page: window.take, total: count, last_page: Math.max(1, Math.ceil(count / window.take)) },
  };
}
