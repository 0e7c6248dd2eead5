// Every SQL statement is typed against the schema (server/platform/database/sql.ts): a column
// renamed in prisma/schema.prisma fails the type check in each store that names it. The schema is
// changed in a scratch copy of the server, its types generated as `npm run generate` does, and the
// copy type-checked as `npm run typecheck` does.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePrismaClient } from '../../../../scripts/generate.ts';
import { compileOnce, sqlBuilder } from '../../../../server/platform/database/sql.ts';

const run = promisify(execFile);
const root = new URL('../../../..', import.meta.url).pathname;
const scratches: string[] = [];
afterAll(() => { for (const dir of scratches) rmSync(dir, { recursive: true, force: true }); });

/** The type errors of the server against `schema`, as `file(line,col): message` lines by file. */
async function typeErrors(schema: string): Promise<Map<string, string[]>> {
  const scratch = mkdtempSync(join(tmpdir(), 'typed-sql-'));
  scratches.push(scratch);
  generatePrismaClient(scratch, schema);
  cpSync(join(root, 'server'), join(scratch, 'server'), { recursive: true });
  cpSync(join(root, 'generated/api-types.ts'), join(scratch, 'generated/api-types.ts'));
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ extends: join(root, 'tsconfig.json'), include: ['server', 'generated'] }));
  const output = await run(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', join(scratch, 'tsconfig.json')], { cwd: scratch })
    .then(({ stdout }) => stdout, (error: { stdout: string }) => error.stdout);
  const errors = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const found = /^(server\/[^(]+)\((\d+),\d+\): error/.exec(line);
    if (found) errors.set(found[1]!, [...(errors.get(found[1]!) ?? []), line]);
  }
  return errors;
}

function renameColumn(schema: string, from: string, to: string): string {
  const renamed = schema.replace(`@map("${from}")`, `@map("${to}")`);
  expect(renamed, `a @map("${from}") in the schema`).not.toBe(schema);
  return renamed;
}

describe('SQL typed against prisma/schema.prisma', () => {
  const schema = readFileSync(join(root, 'prisma/schema.prisma'), 'utf8');

  it('type-checks the scratch copy of the server as it is', async () => {
    expect(Object.fromEntries(await typeErrors(schema))).toEqual({});
  });

  it('fails the type check in each store that names a renamed column', async () => {
    const errors = await typeErrors(renameColumn(renameColumn(schema, 'archived_at', 'archived_on'), 'company_name', 'name'));
    // lockProject and touchProjectActivity read projects.archived_at.
    expect(errors.get('server/projects/store.ts')?.join('\n')).toMatch(/archived_at/);
    // The project view reads both: its row type (ProjectViewRow) is its selection's.
    expect(errors.get('server/projects/view.ts')?.join('\n')).toMatch(/archived_at/);
    expect(errors.get('server/projects/view.ts')?.join('\n')).toMatch(/company_name/);
  });

  it('costs microseconds to build and compile a statement', () => {
    const build = (id: number) => sqlBuilder.selectFrom('projects')
      .select((eb) => ['version', eb('archived_at', 'is not', null).as('archived')])
      .where('id', '=', id).forKeyShare().compile();
    expect(build(7).sql).toBe('select "version", "archived_at" is not null as "archived" from "projects" where "id" = $1 for key share');
    const rounds = 5_000;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) build(i);
    const micros = ((performance.now() - started) * 1000) / rounds;
    console.log(`lockProject's statement: ${micros.toFixed(1)} µs to build and compile (Node ${process.version})`);
    // A round trip to the database costs hundreds of µs; a generous bound against a busy machine.
    expect(micros).toBeLessThan(200);
  });

  it('compiles a statement once and sends its text again with each call\'s values (compileOnce)', () => {
    let builds = 0;
    const find = compileOnce((id: number, title: string) => {
      builds += 1;
      return sqlBuilder.selectFrom('projects').select('id').where('id', '=', id).where('title', '=', title);
    });
    const first = find(1, 'a');
    const second = find(2, 'b');
    expect(builds).toBe(1);
    expect(second.sql).toBe(first.sql);
    expect([first.parameters, second.parameters]).toEqual([[1, 'a'], [2, 'b']]);
    const bindsItsOwn = compileOnce((id: number) => sqlBuilder.selectFrom('projects').select('id').where('id', '=', id).limit(5));
    expect(() => bindsItsOwn(1)).toThrow(/binds a value that is not one of its arguments/);
  });
});
