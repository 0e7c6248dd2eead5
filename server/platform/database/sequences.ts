// Id sequences after rows were inserted with their ids given (demo data): each table's sequence moves
// past its largest id, so that the next insert without an id does not collide.
import { sql } from 'kysely';
import { type DB, queryRows, sqlBuilder } from './sql.ts';
import type { Db } from './transaction.ts';

export async function moveIdSequencesPastRows(db: Db, tables: readonly (keyof DB)[]): Promise<void> {
  for (const table of tables) {
    await queryRows(db, sqlBuilder.selectNoFrom((eb) => sql<number>`setval(pg_get_serial_sequence(${table}, 'id'), GREATEST(${eb.selectFrom(table).select((t) => t.fn.max('id').as('id'))}, 1))`.as('setval')));
  }
}
