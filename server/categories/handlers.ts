// Handlers for project categories.
import { notFound } from '../core/errors.ts';
import type { Handler } from '../contract/operations.ts';
import { toCategory } from './mapping.ts';
import { loadPage, pageWindow } from '../core/paging.ts';
import { containsText } from '../core/search-text.ts';

const sortColumns = { category_name: 'name', category_created: 'createdAt' } as const;

export const listCategories: Handler<'listCategories'> = async ({ prisma, query }) => {
  const window = pageWindow(query);
  const where = query.search ? { name: containsText(query.search) } : {};
  const column = sortColumns[query.sort ?? 'category_created'];
  const page = await loadPage(window,
    prisma.category.findMany({ where, orderBy: [{ [column]: window.order }, { id: window.order }], skip: window.skip, take: window.take }),
    prisma.category.count({ where }), toCategory);
  return { status: 200, body: { ...page, message: 'Categories retrieved successfully.' } };
};

export const getCategory: Handler<'getCategory'> = async ({ prisma, path }) => {
  const row = await prisma.category.findFirst({ where: { id: path.id } });
  if (!row) throw notFound('Category');
  return { status: 200, body: { data: toCategory(row), message: 'Category retrieved successfully.' } };
};

export const createCategory: Handler<'createCategory'> = async ({ prisma, body }) => {
  const row = await prisma.category.create({ data: { name: body.category_name } });
  return { status: 201, body: { data: toCategory(row), message: 'Category created successfully.' } };
};
