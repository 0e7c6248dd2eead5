// A test's own statements (checking rows, seeding them) run as the first organization's requests do:
// the test server's key is that organization's. Servers and their background work start outside any
// scope (test/helpers/server.ts), as in production, where only requests and jobs set one.
import { aroundAll, aroundEach } from 'vitest';
import { FIRST_ORGANIZATION_ID, inOrganization } from '../../server/platform/database/tenancy.ts';

aroundAll((run) => inOrganization(FIRST_ORGANIZATION_ID, run));
aroundEach((run) => inOrganization(FIRST_ORGANIZATION_ID, run));
