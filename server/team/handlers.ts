// Handlers for team users.
import { Prisma } from '../../generated/prisma/client.ts';
import { notFound, validationFailed } from '../core/errors.ts';
import { EMAIL_TAKEN_MESSAGE } from '../core/messages.ts';
import type { Handler } from '../contract/operations.ts';
import { toTeamUser } from './mapping.ts';
import { loadPage, pageWindow } from '../core/paging.ts';
import { containsText } from '../core/search-text.ts';

const sortColumns = { first_name: 'firstName', last_name: 'lastName', email: 'email', created: 'createdAt' } as const;

const emailTaken = () => validationFailed({ email: [EMAIL_TAKEN_MESSAGE] });

export const listTeamUsers: Handler<'listTeamUsers'> = async ({ prisma, query }) => {
  const window = pageWindow(query);
  const contains = query.search ? containsText(query.search) : undefined;
  const where = contains ? { OR: [{ firstName: contains }, { lastName: contains }, { email: contains }] } : {};
  const column = sortColumns[query.sort ?? 'created'];
  const page = await loadPage(window,
    prisma.user.findMany({ where, orderBy: [{ [column]: window.order }, { id: window.order }], skip: window.skip, take: window.take }),
    prisma.user.count({ where }), toTeamUser);
  return { status: 200, body: { ...page, message: 'Team users retrieved successfully.' } };
};

export const getTeamUser: Handler<'getTeamUser'> = async ({ prisma, path }) => {
  const row = await prisma.user.findFirst({ where: { id: path.id } });
  if (!row) throw notFound('Team user');
  return { status: 200, body: { data: toTeamUser(row), message: 'Team user retrieved successfully.' } };
};

export const createTeamUser: Handler<'createTeamUser'> = async ({ prisma, body }) => {
  const email = body.email.toLowerCase();
  if (await prisma.user.findFirst({ where: { email }, select: { id: true } })) throw emailTaken();
  try {
    const row = await prisma.user.create({
      data: { firstName: body.first_name, lastName: body.last_name, email, role: 'team' },
    });
    return { status: 201, body: { data: toTeamUser(row), message: 'Team user created successfully.' } };
  } catch (error) {
    // Another request took the address between the check and the insert.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw emailTaken();
    throw error;
  }
};
