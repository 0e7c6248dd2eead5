// The validator's path-to-regexp, memoised (server/http/validator-route-cache.ts): one matcher per
// pattern and options, which matches as the original's does.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../../../server/http/validator-route-cache.ts';

type Matcher = { regexp: RegExp; keys: { name: string }[] };
const validatorRequire = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
const { pathToRegexp } = validatorRequire('path-to-regexp') as { pathToRegexp: (path: string, options?: object) => Matcher };

describe("the validator's pathToRegexp", () => {
  it('gives the same matcher for the same pattern and options, another for other options', () => {
    const first = pathToRegexp('/api/projects/:id', { sensitive: false, strict: false });
    expect(pathToRegexp('/api/projects/:id', { strict: false, sensitive: false })).toBe(first);
    expect(pathToRegexp('/api/projects/:id', { sensitive: true, strict: false })).not.toBe(first);
    expect(pathToRegexp('/api/projects/:id', { sensitive: false, strict: true })).not.toBe(first);
    expect(pathToRegexp('/api/projects/:id/tasks', { sensitive: false, strict: false })).not.toBe(first);
  });

  it('matches as the options say', () => {
    const insensitive = pathToRegexp('/api/projects/:id', { sensitive: false, strict: false });
    expect(insensitive.regexp.exec('/API/projects/42')?.[1]).toBe('42');
    expect(insensitive.keys.map((key) => key.name)).toEqual(['id']);
    expect(pathToRegexp('/api/projects/:id', { sensitive: true, strict: false }).regexp.exec('/API/projects/42')).toBeNull();
  });
});
