// express-openapi-validator 5.6 compiles every route's path pattern again on each request while it
// looks for the route (path-to-regexp, about a tenth of a simple GET's CPU here). The fix, caching
// the compiled matchers, is upstream's open pull request #1217, not yet released. Until it is, the
// validator's own path-to-regexp module gets a memoised pathToRegexp: the same pattern and options
// always compile to the same matcher, and the validator only reads it (regexp.exec, keys).
import { createRequire } from 'node:module';

type PathToRegexp = (path: string, options?: { sensitive?: boolean; strict?: boolean; end?: boolean }) => unknown;

const validatorRequire = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
const pathToRegexpModule = validatorRequire('path-to-regexp') as { pathToRegexp: PathToRegexp & { memoised?: true } };

if (!pathToRegexpModule.pathToRegexp.memoised) {
  const compile = pathToRegexpModule.pathToRegexp;
  // By pattern, then by the options' three flags as a number: the validator tries every route's
  // pattern on each request, and a key string built per try (then hashed) cost more than the lookup.
  const compiled = new Map<string, unknown[]>();
  const memoised = Object.assign((path: string, options: Parameters<PathToRegexp>[1] = {}) => {
    // Only string patterns are cached: that is all the validator passes.
    if (typeof path !== 'string') return compile(path, options);
    const flags = (options.sensitive ? 4 : 0) + (options.strict ? 2 : 0) + (options.end === false ? 0 : 1);
    let byFlags = compiled.get(path);
    if (byFlags === undefined) {
      byFlags = [];
      compiled.set(path, byFlags);
    }
    return (byFlags[flags] ??= compile(path, options));
  }, { memoised: true as const });
  pathToRegexpModule.pathToRegexp = memoised;
}
