// Handlers for clients.
import { notFound } from '../core/errors.ts';
import type { Handler } from '../contract/operations.ts';
import { toClient } from './mapping.ts';
import { loadPage, pageWindow } from '../core/paging.ts';
import { containsText } from '../core/search-text.ts';

const sortColumns = { client_company_name: 'companyName', client_created: 'createdAt' } as const;

export const listClients: Handler<'listClients'> = async ({ prisma, query }) => {
  const window = pageWindow(query);
  const where = query.search ? { companyName: containsText(query.search) } : {};
  const column = sortColumns[query.sort ?? 'client_created'];
  const page = await loadPage(window,
    prisma.client.findMany({ where, orderBy: [{ [column]: window.order }, { id: window.order }], skip: window.skip, take: window.take }),
    prisma.client.count({ where }), toClient);
  return { status: 200, body: { ...page, message: 'Clients retrieved successfully.' } };
};

export const getClient: Handler<'getClient'> = async ({ prisma, path }) => {
  const row = await prisma.client.findFirst({ where: { id: path.id } });
  if (!row) throw notFound('Client');
  return { status: 200, body: { data: toClient(row), message: 'Client retrieved successfully.' } };
};

export const createClient: Handler<'createClient'> = async ({ prisma, body }) => {
  const row = await prisma.client.create({ data: { companyName: body.client_company_name } });
  return { status: 201, body: { data: toClient(row), message: 'Client created successfully.' } };
};
