// The message catalogue (server/core/messages.ts) is where every refusal's wording lives; the other tests
// import it. This file pins, once, the texts that the spec and the Grow CRM pages quote, and one
// output of each builder, so that a change of wording is a deliberate change here too.
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../server/contract/spec.ts';
import * as messages from '../../../server/core/messages.ts';

type Node = Record<string, unknown>;
const doc = loadSpec() as unknown as Node;
const at = (...path: string[]): Node => path.reduce<Node>((node, key) => node[key] as Node, doc);

describe('the message catalogue', () => {
  it('holds the texts that the spec quotes in its examples and schemas', () => {
    const responses = (name: string) => at('components', 'responses', name, 'content', 'application/json');
    expect(responses('Unauthorized').example).toEqual({ message: messages.UNAUTHORIZED_MESSAGE });
    expect(responses('NotFound').example).toEqual({ message: messages.resourceNotFound('Project') });
    expect(at('components', 'schemas', 'ValidationError', 'properties', 'message').const).toBe(messages.VALIDATION_MESSAGE);
    const validation = responses('ValidationFailed').example as { message: string; errors: Record<string, string[]> };
    expect(validation).toEqual({
      message: messages.VALIDATION_MESSAGE,
      errors: { project_title: [messages.fieldRequired('project_title')], project_clientid: [messages.invalidSelection('project_clientid')] },
    });
  });

  it('keeps the wording of the Grow CRM pages', () => {
    expect(messages.UNAUTHORIZED_MESSAGE).toBe('Unauthorized. A valid API key is required.');
    expect(messages.VALIDATION_MESSAGE).toBe('The given data was invalid.');
    expect(messages.fieldRequired('project_title')).toBe('The project title field is required.');
    expect(messages.invalidSelection('project_clientid')).toBe('The selected project clientid is invalid.');
  });

  it('builds the parameterised texts', () => {
    expect(messages.resourceNotFound('Team user')).toBe('Team user not found.');
    expect(messages.invalidSelection('order', ['asc', 'desc'])).toBe('The selected order is invalid. Allowed values: asc, desc.');
    expect(messages.fieldType('limit', ['integer'])).toBe('The limit field must be an integer.');
    expect(messages.fieldType('overdue', ['boolean'])).toBe('The overdue field must be true or false.');
    expect(messages.fieldFormat('project_date_start', 'date')).toBe('The project date start field must be a valid date in the format YYYY-MM-DD.');
    expect(messages.fieldAtMost('limit', 100)).toBe('The limit field must not be greater than 100.');
    expect(messages.fieldMaxLength('project_title', 250)).toBe('The project title field must not be greater than 250 characters.');
    expect(messages.fieldNotBefore('project_date_due', 'project_date_start')).toBe('The project date due field must be a date after or equal to project date start.');
    expect(messages.fieldNotAllowed('project_mystery')).toBe('The "project_mystery" field is not allowed here.');
    expect(messages.parameterNotSupported('colour', ['order', 'limit'])).toBe('The "colour" parameter is not supported here. Supported parameters: order, limit.');
    expect(messages.parameterNotSupported('colour', [])).toBe('The "colour" parameter is not supported here. This operation takes no query parameters.');
    expect(messages.parameterNotSupported('colour', ['filter', 'filter[progress][gte]', 'limit'])).toBe('The "colour" parameter is not supported here. Supported parameters: filter, limit.');
    expect(messages.tooManyRequests('for this API key', 5, 60)).toBe('Too many requests for this API key: at most 5 per 60 s. Retry after the seconds in Retry-After.');
    expect(messages.idempotencyKeyReused('POST /api/projects', 'POST /api/projects', true))
      .toBe('This Idempotency-Key was already used for POST /api/projects with a different body or query: send a new key with a new request.');
    expect(messages.customValueInvalid('budget_code', messages.CUSTOM_VALUE_RULES.text)).toBe('The budget code custom field must be text.');
  });

  it('has one text per constant: no two constants say the same', () => {
    const texts = (Object.values(messages) as unknown[]).filter((value): value is string => typeof value === 'string');
    expect(new Set(texts).size).toBe(texts.length);
  });
});
