// server/core/errors.ts builds the 422 messages from the validator's structure (keyword and path) and the
// spec's schemas: the validator's English text may change in any release without changing them.
import { describe, expect, it } from 'vitest';
import { listOperations, loadSpec } from '../../../server/contract/spec.ts';
import { schemaFailureErrors } from '../../../server/http/errors.ts';
import { fieldAtLeast, fieldAtMost, fieldFormat, fieldMaxItems, fieldMaxLength, fieldNotAllowed, fieldNotEmpty, fieldRequired, fieldType, invalidSelection, parameterNotSupported } from '../../../server/core/messages.ts';

const doc = loadSpec();
const operation = (id: string) => ({ doc, operation: listOperations(doc).find((route) => route.operation.operationId === id)! });

/** A verdict as express-openapi-validator shapes it, with a message text that no release has used. */
function verdict(...items: [path: string, keyword: string | undefined][]) {
  return { status: 400, errors: items.map(([path, keyword]) => ({ path, message: 'ne doit pas être valide', ...(keyword ? { errorCode: `${keyword}.openapi.validation` } : {}) })) };
}

describe('schema failure messages', () => {
  it('come from the keyword and the schema at the path, not from the validator\'s text', () => {
    const errors = schemaFailureErrors(verdict(
      ['/body/project_title', 'maxLength'],
      ['/body/project_clientid', 'type'],
      ['/body/project_billing_type', 'enum'],
      ['/body/project_date_start', 'format'],
      ['/body/project_billing_rate', 'maximum'],
      ['/body/project_categoryid', 'required'],
      ['/body/project_mystery', 'additionalProperties'],
    ), { body: { project_mystery: 1 } }, operation('createProject'));
    expect(errors).toEqual({
      project_title: [fieldMaxLength('project_title', 250)],
      project_clientid: [fieldType('project_clientid', ['integer'])],
      project_billing_type: [invalidSelection('project_billing_type', ['hourly', 'fixed'])],
      project_date_start: [fieldFormat('project_date_start', 'date')],
      project_billing_rate: [fieldAtMost('project_billing_rate', 99999999.99)],
      project_categoryid: [fieldRequired('project_categoryid')],
      project_mystery: [fieldNotAllowed('project_mystery')],
    });
  });

  it('name a composed body\'s fields, and list its complaints as a flat body\'s would be', () => {
    // The validator's order for ProjectCreateBody (allOf [ProjectFields], unevaluatedProperties):
    // the parts' fields, the required ones, its own field, the unknown ones.
    const errors = schemaFailureErrors(verdict(
      ['/body/project_title', 'maxLength'],
      ['/body/project_categoryid', 'type'],
      ['/body/project_date_start', 'required'],
      ['/body/project_clientid', 'type'],
      ['/body/project_mystery', 'unevaluatedProperties'],
    ), { body: { project_mystery: 1 } }, operation('createProject'));
    expect(Object.entries(errors)).toEqual([
      ['project_date_start', [fieldRequired('project_date_start')]],
      ['project_mystery', [fieldNotAllowed('project_mystery')]],
      ['project_clientid', [fieldType('project_clientid', ['integer'])]],
      ['project_title', [fieldMaxLength('project_title', 250)]],
      ['project_categoryid', [fieldType('project_categoryid', ['integer'])]],
    ]);
    expect(schemaFailureErrors(verdict(['/body/project_billing_rate', 'minimum'], ['/body/project_clientid', 'unevaluatedProperties']),
      { body: { project_clientid: 1 } }, operation('updateProject'))).toEqual({
      project_billing_rate: [fieldAtLeast('project_billing_rate', 0)],
      project_clientid: [fieldNotAllowed('project_clientid')],
    });
  });

  it('follow arrays and nested objects to their item schemas', () => {
    const errors = schemaFailureErrors(verdict(
      ['/body/task_files/0/file_url', 'pattern'],
      ['/body/task_checklist', 'maxItems'],
      ['/body/task_checklist/2', 'minLength'],
    ), { body: {} }, operation('createProjectTask'));
    expect(errors).toEqual({
      'task_files.0.file_url': [fieldFormat('task_files.0.file_url', 'uri')],
      task_checklist: [fieldMaxItems('task_checklist', 100)],
      'task_checklist.2': [fieldRequired('task_checklist.2')],
    });
  });

  it('read the validator\'s own query checks from the operation\'s parameters', () => {
    const errors = schemaFailureErrors(verdict(['/query/colour', undefined], ['/query/limit', undefined], ['/query/limit', 'minimum']),
      { query: { colour: 'red', limit: '' } }, operation('listProjectMilestones'));
    expect(errors).toEqual({
      colour: [parameterNotSupported('colour', ['order', 'limit', 'page'])],
      limit: [fieldNotEmpty('limit'), fieldAtLeast('limit', 1)],
    });
  });
});
