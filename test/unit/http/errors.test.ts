// server/core/errors.ts builds the 422 messages from the validator's structure (keyword and path) and the
// spec's schemas: the validator's English text may change in any release without changing them.
import { describe, expect, it } from 'vitest';
import { listOperations, loadSpec } from '../../../server/contract/spec.ts';
import { schemaFailureErrors } from '../../../server/http/errors.ts';

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
      project_title: ['The project title field must not be greater than 250 characters.'],
      project_clientid: ['The project clientid field must be an integer.'],
      project_billing_type: ['The selected project billing type is invalid. Allowed values: hourly, fixed.'],
      project_date_start: ['The project date start field must be a valid date in the format YYYY-MM-DD.'],
      project_billing_rate: ['The project billing rate field must not be greater than 99999999.99.'],
      project_categoryid: ['The project categoryid field is required.'],
      project_mystery: ['The "project_mystery" field is not allowed here.'],
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
      ['project_date_start', ['The project date start field is required.']],
      ['project_mystery', ['The "project_mystery" field is not allowed here.']],
      ['project_clientid', ['The project clientid field must be an integer.']],
      ['project_title', ['The project title field must not be greater than 250 characters.']],
      ['project_categoryid', ['The project categoryid field must be an integer.']],
    ]);
    expect(schemaFailureErrors(verdict(['/body/project_billing_rate', 'minimum'], ['/body/project_clientid', 'unevaluatedProperties']),
      { body: { project_clientid: 1 } }, operation('updateProject'))).toEqual({
      project_billing_rate: ['The project billing rate field must be at least 0.'],
      project_clientid: ['The "project_clientid" field is not allowed here.'],
    });
  });

  it('follow arrays and nested objects to their item schemas', () => {
    const errors = schemaFailureErrors(verdict(
      ['/body/task_files/0/file_url', 'pattern'],
      ['/body/task_checklist', 'maxItems'],
      ['/body/task_checklist/2', 'minLength'],
    ), { body: {} }, operation('createProjectTask'));
    expect(errors).toEqual({
      'task_files.0.file_url': ['The task files.0.file url field must be a valid http(s) URL.'],
      task_checklist: ['The task checklist field must not have more than 100 items.'],
      'task_checklist.2': ['The task checklist.2 field is required.'],
    });
  });

  it('read the validator\'s own query checks from the operation\'s parameters', () => {
    const errors = schemaFailureErrors(verdict(['/query/colour', undefined], ['/query/limit', undefined], ['/query/limit', 'minimum']),
      { query: { colour: 'red', limit: '' } }, operation('listProjectMilestones'));
    expect(errors).toEqual({
      colour: ['The "colour" parameter is not supported here. Supported parameters: order, limit, page.'],
      limit: ['The limit field must not be empty.', 'The limit field must be at least 1.'],
    });
  });
});
