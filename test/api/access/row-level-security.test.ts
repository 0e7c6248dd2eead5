// The database is the backstop. As the server's role, in organization A, a plain SELECT of each
// tenant table (no condition of ours) returns A's rows only; outside any organization it returns
// nothing; a write aimed at B's rows changes none and a row for B cannot be written. On PostgreSQL
// and on PGlite alike: the suite runs on both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSystem, FIRST_ORGANIZATION_ID, inOrganization, outsideAnyScope, SERVER_ROLE } from '../../../server/platform/database/tenancy.ts';
import { type FilledOrganization, filledOrganization } from '../../helpers/organizations.ts';
import { createFixtures, createProject, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let b: FilledOrganization;
/** Every table that has an organization_id column (the view over projects aside). */
let tenantTables: string[];

const A = FIRST_ORGANIZATION_ID;

/** The organizations whose rows a plain SELECT of `table` returns. */
async function organizationsIn(table: string): Promise<number[]> {
  const rows = await t.db.prisma.$queryRawUnsafe<{ organization_id: number }[]>(`SELECT DISTINCT organization_id FROM "${table}" ORDER BY 1`);
  return rows.map((row) => row.organization_id);
}

beforeAll(async () => {
  t = await startTestServer();
  const f = await createFixtures(t);
  const project = await createProject(t, f);
  await t.api('POST', `/api/projects/${project.id}/comments`, { json: { comment_text: 'Of A' } });
  b = await filledOrganization(t, 'Beta');
  tenantTables = (await asSystem(() => t.db.prisma.$queryRaw<{ table_name: string }[]>`
    SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = 'public' AND c.column_name = 'organization_id' AND t.table_type = 'BASE TABLE' ORDER BY 1`)).map((row) => row.table_name);
});
afterAll(async () => { await t?.close(); });

describe('row-level security', () => {
  it('guards every table but the migrations\' record and the webhook relay\'s position, and B has rows in most', async () => {
    const guarded = await asSystem(() => t.db.prisma.$queryRaw<{ relname: string; relrowsecurity: boolean }[]>`
      SELECT relname, relrowsecurity FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY relname`);
    const unguarded = guarded.filter((table) => !table.relrowsecurity).map((table) => table.relname);
    expect(unguarded).toEqual(['_prisma_migrations', 'webhook_relay']);
    expect([...tenantTables, 'organizations'].sort()).toEqual(guarded.map((table) => table.relname).filter((name) => !unguarded.includes(name)).sort());
    // The system sees both organizations: what follows is not true of empty tables only.
    const withB = await asSystem(async () => {
      const seen: string[] = [];
      for (const table of tenantTables) if ((await organizationsIn(table)).includes(b.organizationId)) seen.push(table);
      return seen;
    });
    expect(withB.length, withB.join(', ')).toBeGreaterThanOrEqual(tenantTables.length - 2);
  });

  it('shows the server\'s role in A only A\'s rows, with no condition in the statement', async () => {
    await inOrganization(A, async () => {
      const [who] = await t.db.prisma.$queryRaw<{ current_user: string }[]>`SELECT current_user`;
      expect(who!.current_user).toBe(SERVER_ROLE);
      for (const table of tenantTables) expect(await organizationsIn(table), table).not.toContain(b.organizationId);
      const [organizations] = await t.db.prisma.$queryRaw<{ ids: number[] }[]>`SELECT array_agg(id) AS ids FROM organizations`;
      expect(organizations!.ids).toEqual([A]);
    });
  });

  it('shows nothing to a statement outside any organization', async () => {
    await outsideAnyScope(async () => {
      for (const table of tenantTables) expect(await organizationsIn(table), table).toEqual([]);
    });
  });

  it('changes none of B\'s rows from A, and writes no row of B', async () => {
    await inOrganization(A, async () => {
      expect(await t.db.prisma.$executeRawUnsafe('UPDATE projects SET title = $1 WHERE id = $2', 'Taken over', b.ids.projects)).toBe(0);
      expect(await t.db.prisma.$executeRawUnsafe('DELETE FROM clients WHERE id = $1', b.ids.clients)).toBe(0);
      await expect(t.db.prisma.$executeRawUnsafe('INSERT INTO categories (organization_id, name) VALUES ($1, $2)', b.organizationId, 'Planted'))
        .rejects.toThrow(/row-level security/);
    });
    const { title } = await inOrganization(b.organizationId, () => t.db.prisma.project.findFirstOrThrow({ where: { id: b.ids.projects } }));
    expect(title).toBe('Beta Project');
  });

  it('lists through organization_projects: every column of projects, the statement\'s organization only', async () => {
    const columnsOf = (table: string) => asSystem(async () => (await t.db.prisma.$queryRaw<{ column_name: string }[]>`
      SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table} ORDER BY ordinal_position`).map((row) => row.column_name));
    expect(await columnsOf('organization_projects')).toEqual(await columnsOf('projects'));
    await inOrganization(A, async () => expect(await organizationsIn('organization_projects')).toEqual([A]));
    await outsideAnyScope(async () => expect(await organizationsIn('organization_projects')).toEqual([]));
    await inOrganization(A, async () => {
      await expect(t.db.prisma.$executeRawUnsafe('UPDATE organization_projects SET title = $1', 'Through the view')).rejects.toThrow(/permission denied/);
    });
  });

  it('refuses a reference to another organization\'s row in the schema itself', async () => {
    // As the system, above row-level security: the composite foreign key still refuses it.
    await expect(asSystem(() => t.db.prisma.$executeRawUnsafe(
      'INSERT INTO project_tags (organization_id, project_id, title, position) VALUES ($1, $2, $3, 0)', A, b.ids.projects, 'crossed',
    ))).rejects.toThrow(/foreign key/);
  });
});
