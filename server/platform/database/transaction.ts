// The two ways a statement reaches the database: the client (its own transaction) or a transaction given.
import type { Prisma, PrismaClient } from '../../../generated/prisma/client.ts';

export type Tx = Prisma.TransactionClient;
export type Db = PrismaClient | Tx;
