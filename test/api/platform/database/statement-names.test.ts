// Which statements the server prepares on PostgreSQL (server/platform/database/statement-names.ts).
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../server/platform/database/connection.ts';
import { StatementNames } from '../../../../server/platform/database/statement-names.ts';
import { sql } from 'kysely';
import { queryRows } from '../../../../server/platform/database/sql.ts';

const DATABASE_URL = process.env.DATABASE_URL;

describe('statement names', () => {
  it('names a text on its second sighting, and the same text always alike', () => {
    const names = new StatementNames(10);
    expect(names.nameFor('SELECT 1')).toBeUndefined();
    const name = names.nameFor('SELECT 1');
    expect(name).toMatch(/^s\d+$/);
    expect(names.nameFor('SELECT 1')).toBe(name);
    expect(names.nameFor('SELECT 2')).toBeUndefined();
    expect(names.nameFor('SELECT 2')).not.toBe(name);
  });

  it('names at most `limit` texts; the rest run unnamed, and 0 names none', () => {
    const names = new StatementNames(2);
    const texts = ['SELECT 1', 'SELECT 2', 'SELECT 3'];
    for (const text of [...texts, ...texts]) names.nameFor(text);
    expect(texts.map((text) => names.nameFor(text))).toEqual(['s1', 's2', undefined]);
    const none = new StatementNames(0);
    none.nameFor('SELECT 1');
    expect(none.nameFor('SELECT 1')).toBeUndefined();
  });

  it('forgets texts seen once when too many have been seen, and names the rest as before', () => {
    const names = new StatementNames(5);
    names.nameFor('SELECT 0');
    // A list's SQL varies with its filters: ten thousand shapes seen once each.
    for (let i = 1; i <= 10_000; i++) names.nameFor(`SELECT ${i}`);
    expect(names.nameFor('SELECT 0')).toBeUndefined();
    expect(names.nameFor('SELECT 0')).toBe('s1');
  });
});

if (DATABASE_URL) describe('prepared statements on PostgreSQL', () => {
  it('a statement run again is prepared on the connection, under one name, and answers as before', async () => {
    const db = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', databasePoolSize: 1, databasePreparedStatements: 10 });
    try {
      const answers = await db.prisma.$transaction(async (tx) => {
        const found: number[] = [];
        for (const value of [1, 2, 3]) found.push((await tx.$queryRaw<{ n: number }[]>`SELECT ${value}::int + 1 AS n`)[0]!.n);
        const prepared = await tx.$queryRaw<{ name: string; statement: string }[]>`SELECT name, statement FROM pg_prepared_statements`;
        return { found, prepared };
      });
      expect(answers.found).toEqual([2, 3, 4]);
      expect(answers.prepared).toEqual([{ name: 's1', statement: 'SELECT $1::int + 1 AS n' }]);
    } finally {
      await db.close();
    }
  });

  it('prepares a typed statement (server/platform/database/sql.ts) by its text, as a raw one', async () => {
    const db = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', databasePoolSize: 1, databasePreparedStatements: 10 });
    try {
      const answers = await db.prisma.$transaction(async (tx) => {
        const found: number[] = [];
        for (const value of [1, 2, 3]) found.push((await queryRows(tx, sql<{ n: number }>`SELECT ${value}::int + 2 AS n`))[0]!.n);
        const prepared = await tx.$queryRaw<{ name: string; statement: string }[]>`SELECT name, statement FROM pg_prepared_statements`;
        return { found, prepared };
      });
      expect(answers.found).toEqual([3, 4, 5]);
      expect(answers.prepared).toEqual([{ name: 's1', statement: 'SELECT $1::int + 2 AS n' }]);
    } finally {
      await db.close();
    }
  });
});
