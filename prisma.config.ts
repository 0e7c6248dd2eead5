// Prisma CLI configuration. The runtime never reads this: the server connects through a driver
// adapter chosen by server/platform/config.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
