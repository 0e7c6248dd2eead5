// Concurrent requests never see or join each other's transactions: full-set replacements stay
// whole, refused requests leave nothing behind, derived values stay consistent.
import { describe, expect, it } from 'vitest';
import { createProject, useTestServer } from '../../helpers/server.ts';

const { t, f } = useTestServer();

describe('concurrent requests', () => {
  it('full-set replacements never mix: the final assignment is exactly one of the sets sent', async () => {
    const p = await createProject(t, f);
    const sets = [[f.jane.id], [f.sam.id], [f.jane.id, f.sam.id], []];
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) =>
      t.api('PUT', `/api/projects/${p.id}/assign`, { json: { assigned: sets[i % sets.length] } })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const final = (await t.api('GET', `/api/projects/${p.id}`)).body.data.assigned.map((a: { id: number }) => a.id);
    expect(sets.map((s) => JSON.stringify([...s].sort((a, b) => a - b)))).toContain(JSON.stringify(final));
  });

  it('refused requests running alongside good ones leave no rows and do not undo the good ones', async () => {
    const source = await createProject(t, f);
    const before = await t.db.prisma.project.count();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => i % 2 === 0
      ? t.api('POST', `/api/projects/${source.id}/clone`, { json: { project_title: `good ${i}`, copy_tasks: 'on' } })
      : t.api('POST', `/api/projects/${source.id}/clone`, { json: { project_title: `bad ${i}`, project_clientid: 999999 } })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    expect(answers.filter((a) => a.status === 422)).toHaveLength(10);
    expect(await t.db.prisma.project.count()).toBe(before + 10);
    expect(await t.db.prisma.project.count({ where: { title: { startsWith: 'bad' } } })).toBe(0);
  });

  it('derived progress matches the tasks after concurrent task creation', async () => {
    const p = await createProject(t, f);
    await Promise.all(Array.from({ length: 16 }, (_, i) =>
      t.api('POST', `/api/projects/${p.id}/tasks`, { json: { task_title: `t${i}`, task_status: i % 4 === 0 ? 'completed' : 'new' } })));
    expect((await t.api('GET', `/api/projects/${p.id}`)).body.data.progress).toBe(25);
  });

  it('a delete racing with child inserts leaves no orphans', async () => {
    const p = await createProject(t, f);
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => t.api('POST', `/api/projects/${p.id}/milestones`, { json: { milestone_title: 'm' } })),
      t.api('DELETE', `/api/projects/${p.id}`),
      ...Array.from({ length: 8 }, () => t.api('POST', `/api/projects/${p.id}/tasks`, { json: { task_title: 't' } })),
    ]);
    expect(answers.every((a) => [200, 201, 404].includes(a.status))).toBe(true);
    expect(await t.db.prisma.milestone.count({ where: { projectId: p.id } })).toBe(0);
    expect(await t.db.prisma.task.count({ where: { projectId: p.id } })).toBe(0);
  });
});
