// Custom fields: definitions, typed values on projects, their filters and sorts; on the configured database.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProject, untilFeedCaughtUp, useTestServer } from '../../helpers/server.ts';
import { AFTER_WITH_CUSTOM_SORT_MESSAGE, customFieldConditionRepeated, customFieldKeyTaken, customFieldNotSortable, customFieldOperators, customFieldUndefined, customFieldUnknown, customValueInvalid, fieldMaxDecimals, fieldType, optionGivenTwice, optionsNotTaken, optionStillHeld, SELECT_OPTIONS_REQUIRED_MESSAGE } from '../../../server/core/messages.ts';

const { t, f } = useTestServer();

async function define(key: string, type: string, options?: string[]) {
  const r = await t.api('POST', '/api/custom-fields', {
    json: { custom_field_key: key, custom_field_name: key.replace(/_/g, ' '), custom_field_type: type, ...(options && { custom_field_options: options }) },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.data;
}

const ids = async (query: string) => (await t.api('GET', `/api/projects?${query}&limit=100`)).body.data.map((p: { id: number }) => p.id);

describe('custom field definitions', () => {
  it('are created, listed, read, renamed and deleted; a select needs options, other types take none', async () => {
    const stage = await define('stage', 'single_select', ['Plan', 'Do']);
    expect(stage).toMatchObject({ key: 'stage', name: 'stage', type: 'single_select', options: ['Plan', 'Do'] });
    expect((await t.api('GET', `/api/custom-fields/${stage.id}`)).body.data).toEqual(stage);
    expect((await t.api('GET', '/api/custom-fields')).body.data.map((c: { key: string }) => c.key)).toContain('stage');

    const taken = await t.api('POST', '/api/custom-fields', { json: { custom_field_key: 'stage', custom_field_name: 'Again', custom_field_type: 'text' } });
    expect([taken.status, taken.body.errors]).toEqual([422, { custom_field_key: [customFieldKeyTaken('stage')] }]);
    const noOptions = await t.api('POST', '/api/custom-fields', { json: { custom_field_key: 'kind', custom_field_name: 'Kind', custom_field_type: 'multi_select' } });
    expect(noOptions.body.errors).toEqual({ custom_field_options: [SELECT_OPTIONS_REQUIRED_MESSAGE] });
    const options = await t.api('POST', '/api/custom-fields', { json: { custom_field_key: 'memo', custom_field_name: 'Memo', custom_field_type: 'text', custom_field_options: ['a'] } });
    expect(options.body.errors).toEqual({ custom_field_options: [optionsNotTaken('text')] });
    const twice = await t.api('POST', '/api/custom-fields', { form: 'custom_field_key=twice&custom_field_name=T&custom_field_type=single_select&custom_field_options[]=a&custom_field_options[]=a' });
    expect(twice.body.errors).toEqual({ 'custom_field_options.1': [optionGivenTwice('a')] });
    const badKey = await t.api('POST', '/api/custom-fields', { json: { custom_field_key: 'Bad Key', custom_field_name: 'x', custom_field_type: 'text' } });
    expect(Object.keys(badKey.body.errors)).toEqual(['custom_field_key']);

    const project = await createProject(t, f, { project_custom_fields: { stage: 'Do' } });
    const held = await t.api('PATCH', `/api/custom-fields/${stage.id}`, { json: { custom_field_options: ['Plan', 'Check'] } });
    expect([held.status, held.body.errors]).toEqual([422, { custom_field_options: [optionStillHeld('Do')] }]);
    const renamed = await t.api('PATCH', `/api/custom-fields/${stage.id}`, { json: { custom_field_name: 'Stage', custom_field_options: ['Plan', 'Do', 'Check'] } });
    expect(renamed.body.data).toMatchObject({ name: 'Stage', options: ['Plan', 'Do', 'Check'] });

    const before = await t.api('GET', `/api/projects/${project.id}`);
    expect((await t.api('DELETE', `/api/custom-fields/${stage.id}`)).status).toBe(200);
    const after = await t.api('GET', `/api/projects/${project.id}`);
    expect(after.body.data.custom_fields).toEqual({});
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect((await t.api('GET', `/api/custom-fields/${stage.id}`)).status).toBe(404);
    await untilFeedCaughtUp(t);
    const events = (await t.api('GET', '/api/events?type=custom_field.created,custom_field.updated,custom_field.deleted&limit=100')).body.data;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['custom_field.created', 'custom_field.updated', 'custom_field.deleted']);
  });
});

describe('custom field values', () => {
  beforeAll(async () => {
    await define('phase', 'single_select', ['Discovery', 'Build', 'Launch']);
    await define('labels', 'multi_select', ['web', 'mobile', 'api']);
    await define('budget', 'number');
    await define('kickoff', 'date');
    await define('notes', 'text');
    await define('owner', 'person');
  });

  it('are set by type on create and update, shown by key, removed with null, copied by clone', async () => {
    const project = await createProject(t, f, {
      project_custom_fields: { phase: 'Build', labels: ['api', 'web'], budget: 1200.5, kickoff: '2026-06-01', notes: 'Priority client', owner: f.jane.id },
    });
    expect(project.custom_fields).toEqual({
      phase: 'Build', labels: ['web', 'api'], budget: 1200.5, kickoff: '2026-06-01', notes: 'Priority client', owner: { id: f.jane.id, name: 'Jane Doe' },
    });
    const path = `/api/projects/${project.id}`;
    const before = await t.api('GET', path);
    const form = await t.api('PATCH', path, { form: 'project_custom_fields[budget]=99&project_custom_fields[labels][]=mobile&project_custom_fields[notes]=' });
    expect(form.status, JSON.stringify(form.body)).toBe(200);
    expect(form.body.data.custom_fields).toEqual({ phase: 'Build', labels: ['mobile'], budget: 99, kickoff: '2026-06-01', owner: { id: f.jane.id, name: 'Jane Doe' } });
    expect(form.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const cleared = await t.api('PATCH', path, { json: { project_custom_fields: { phase: null, owner: null } } });
    expect(Object.keys(cleared.body.data.custom_fields)).toEqual(['labels', 'budget', 'kickoff']);
    const copy = await t.api('POST', `${path}/clone`, { json: { project_title: 'Copy' } });
    expect(copy.body.data.custom_fields).toEqual(cleared.body.data.custom_fields);
  });

  it('refuse a value that does not suit its field, and an unknown field, each under its own name', async () => {
    const r = await t.api('POST', '/api/projects', {
      json: {
        project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Bad values', project_date_start: '2026-06-01',
        project_custom_fields: { phase: 'Someday', labels: ['web', 'desktop'], budget: 'lots', kickoff: '2026-02-30', owner: 999999, nope: 'x' },
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({
      'project_custom_fields.phase': [customValueInvalid('phase', 'must be one of: Discovery, Build, Launch')],
      'project_custom_fields.labels': [customValueInvalid('labels', 'must hold only options of: web, mobile, api')],
      'project_custom_fields.budget': [fieldType('budget_custom', ['number'])],
      'project_custom_fields.kickoff': [customValueInvalid('kickoff', 'must be a date (YYYY-MM-DD)')],
      'project_custom_fields.owner': [customValueInvalid('owner', 'must be a team user id')],
      'project_custom_fields.nope': [customFieldUndefined('nope')],
    });
    const decimals = await t.api('POST', '/api/projects', {
      json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'x', project_date_start: '2026-06-01', project_custom_fields: { budget: 0.1234567 } },
    });
    expect(decimals.body.errors).toEqual({ 'project_custom_fields.budget': [fieldMaxDecimals('budget_custom', 6)] });
  });

  it('filter by each type, a negated operator keeping projects without a value', async () => {
    const a = await createProject(t, f, { project_title: 'CF a', project_custom_fields: { phase: 'Discovery', labels: ['web'], budget: 100, kickoff: '2026-01-10', notes: 'Alpha team', owner: f.jane.id } });
    const b = await createProject(t, f, { project_title: 'CF b', project_custom_fields: { phase: 'Launch', labels: ['web', 'api'], budget: 5000, kickoff: '2026-03-01', notes: 'beta', owner: f.sam.id } });
    const none = await createProject(t, f, { project_title: 'CF none' });
    const only = (list: number[]) => list.filter((id) => [a.id, b.id, none.id].includes(id)).sort((x, y) => x - y);
    expect(only(await ids('custom_fields[phase][eq]=Launch'))).toEqual([b.id]);
    expect(only(await ids('custom_fields[phase][not_eq]=Launch'))).toEqual([a.id, none.id]);
    expect(only(await ids('custom_fields[labels][eq]=api'))).toEqual([b.id]);
    expect(only(await ids('custom_fields[labels][in][]=api&custom_fields[labels][in][]=web'))).toEqual([a.id, b.id]);
    expect(only(await ids('custom_fields[labels][not_in][]=api'))).toEqual([a.id, none.id]);
    expect(only(await ids('custom_fields[budget][gte]=100&custom_fields[budget][lt]=5000'))).toEqual([a.id]);
    expect(only(await ids('custom_fields[kickoff][gt]=2026-02-01'))).toEqual([b.id]);
    expect(only(await ids('custom_fields[notes][contains]=ALPHA'))).toEqual([a.id]);
    expect(only(await ids(`custom_fields[owner][eq]=${f.sam.id}`))).toEqual([b.id]);

    const wrong = await t.api('GET', '/api/projects?custom_fields[phase][gt]=Build&custom_fields[budget][eq]=much&custom_fields[nope][eq]=1');
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual({ 'custom_fields.nope': [customFieldUnknown('nope')] });
    const operators = await t.api('GET', '/api/projects?custom_fields[phase][gt]=Build&custom_fields[budget][eq]=much');
    expect(operators.body.errors).toEqual({
      'custom_fields.phase.gt': [customFieldOperators('single select', ['eq', 'not_eq', 'in', 'not_in'])],
      'custom_fields.budget.eq': [fieldType('budget_custom', ['number'])],
    });
  });

  it('filter through custom_field_filter entries (key:operator:value) too, joined with custom_fields', async () => {
    const a = await createProject(t, f, { project_title: 'CFF a', project_custom_fields: { phase: 'Build', labels: ['web'], notes: 'ratio 1:2' } });
    const b = await createProject(t, f, { project_title: 'CFF b', project_custom_fields: { phase: 'Launch', labels: ['mobile'] } });
    const none = await createProject(t, f, { project_title: 'CFF none' });
    const only = (list: number[]) => list.filter((id) => [a.id, b.id, none.id].includes(id)).sort((x, y) => x - y);
    expect(only(await ids('custom_field_filter=phase:eq:Build'))).toEqual([a.id]);
    expect(only(await ids('custom_field_filter=labels:in:web&custom_field_filter=labels:in:mobile'))).toEqual([a.id, b.id]);
    expect(only(await ids('custom_field_filter=labels:not_in:web'))).toEqual([b.id, none.id]);
    // The value is everything after the second colon; a one-item list from the grammar takes more entries.
    expect(only(await ids(`custom_field_filter=${encodeURIComponent('notes:contains:1:2')}`))).toEqual([a.id]);
    expect(only(await ids('custom_fields[labels][in]=web&custom_field_filter=labels:in:mobile&custom_field_filter=phase:not_eq:Build'))).toEqual([b.id]);

    const repeated = await t.api('GET', '/api/projects?custom_fields[phase][eq]=Build&custom_field_filter=phase:eq:Launch');
    expect(repeated.status).toBe(422);
    expect(repeated.body.errors).toEqual({ custom_field_filter: [customFieldConditionRepeated('phase', 'eq')] });
    const wrong = await t.api('GET', '/api/projects?custom_field_filter=phase:gt:Build&custom_field_filter=nope:eq:1');
    expect(wrong.body.errors).toEqual({ 'custom_fields.nope': [customFieldUnknown('nope')] });
    const malformed = await t.api('GET', '/api/projects?custom_field_filter=phase:like:Build');
    expect(Object.keys(malformed.body.errors)).toEqual(['custom_field_filter']);
  });

  it('sort by a field, projects without a value last ascending and first descending, paged', async () => {
    const titles = ['Sort 1', 'Sort 2', 'Sort 3', 'Sort 4'];
    const made = [
      await createProject(t, f, { project_title: titles[0], project_custom_fields: { budget: 30 } }),
      await createProject(t, f, { project_title: titles[1], project_custom_fields: { budget: -5 } }),
      await createProject(t, f, { project_title: titles[2] }),
      await createProject(t, f, { project_title: titles[3], project_custom_fields: { budget: 30 } }),
    ];
    const mine = (list: number[]) => list.filter((id) => made.some((p) => p.id === id));
    const asc = mine(await ids('search=Sort%20&sort_custom_field=budget&order=asc'));
    expect(asc).toEqual([made[1].id, made[0].id, made[3].id, made[2].id]);
    const desc = mine(await ids('search=Sort%20&sort_custom_field=budget&order=desc'));
    expect(desc).toEqual([made[2].id, made[3].id, made[0].id, made[1].id]);
    const first = await t.api('GET', '/api/projects?search=Sort%20&sort_custom_field=budget&order=asc&limit=2');
    const second = await t.api('GET', '/api/projects?search=Sort%20&sort_custom_field=budget&order=asc&limit=2&page=2');
    expect([...first.body.data, ...second.body.data].map((p: { id: number }) => p.id)).toEqual(asc);
    expect(first.body.meta.next_cursor).toBeNull();

    expect(mine(await ids('search=Sort%20&sort=project_title&sort_custom_field=budget&order=asc'))).toEqual(asc);
    const cursor = await t.api('GET', '/api/projects?sort_custom_field=budget&after=eyJ9');
    expect(cursor.body.errors).toEqual({ after: [AFTER_WITH_CUSTOM_SORT_MESSAGE] });
    const labels = await t.api('GET', '/api/projects?sort_custom_field=labels');
    expect(labels.body.errors).toEqual({ sort_custom_field: [customFieldNotSortable('multi select')] });
  });
});
