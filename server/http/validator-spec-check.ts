// express-openapi-validator 5.6 compiles its OpenAPI meta-schema checker at every start, also with
// `validateApiSpec: false`, when it never runs it: about a tenth of the start-up time here. The build
// runs that check (scripts/build-spec.ts), so the server passes `validateApiSpec: false` for the
// built spec, and the validator's framework gets a checker that compiles only when it will be used.
// The framework looks the class up on the module at each start, so replacing the export suffices.
import { createRequire } from 'node:module';
import type { OpenAPISchemaValidator, OpenAPISchemaValidatorOpts } from 'express-openapi-validator/dist/framework/openapi.schema.validator.js';

const validatorRequire = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
const checkerModule = validatorRequire('./framework/openapi.schema.validator') as {
  OpenAPISchemaValidator: typeof OpenAPISchemaValidator & { compilesOnlyWhenUsed?: true };
};

if (!checkerModule.OpenAPISchemaValidator.compilesOnlyWhenUsed) {
  const proxy = new Proxy(checkerModule.OpenAPISchemaValidator, {
    // Without validateApiSpec the framework never calls the checker's validate(): an empty one will do.
    construct: (Checker, [opts]: [OpenAPISchemaValidatorOpts]) => (opts.validateApiSpec ? new Checker(opts) : Object.create(Checker.prototype)),
  });
  checkerModule.OpenAPISchemaValidator = Object.assign(proxy, { compilesOnlyWhenUsed: true as const });
}
