// Webhooks in the database, where Prisma's API does not say it: the relay's row lock.
import { sql } from 'kysely';
import { queryRows, sqlBuilder } from '../platform/database/sql.ts';
import type { Tx } from '../platform/database/transaction.ts';

/** Where the relay has got to, its row locked for the rest of the transaction; undefined while another instance holds it. */
export async function lockRelay(tx: Tx): Promise<{ after: string } | undefined> {
  const [relay] = await queryRows(tx, sqlBuilder.selectFrom('webhook_relay').select('after').where('id', '=', sql.lit(1)).forUpdate().skipLocked());
  return relay;
}
