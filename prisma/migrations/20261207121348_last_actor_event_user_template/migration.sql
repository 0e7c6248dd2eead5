-- AlterTable
ALTER TABLE "events" ADD COLUMN     "user_id" INTEGER;

-- AlterTable
ALTER TABLE "project_duplications" ADD COLUMN     "user_id" INTEGER;

-- A duplication already queued acts as the user of the key that queued it
UPDATE "project_duplications" AS d SET "user_id" = k."user_id" FROM "api_keys" AS k
WHERE k."organization_id" = d."organization_id" AND k."id" = d."api_key_id";

-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "last_actor_id" INTEGER,
ADD COLUMN     "template_id" INTEGER;

-- CreateIndex
CREATE INDEX "projects_organization_id_template_id_idx" ON "projects"("organization_id", "template_id");

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_last_actor_id_fkey" FOREIGN KEY ("organization_id", "last_actor_id") REFERENCES "users"("organization_id", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_template_id_fkey" FOREIGN KEY ("organization_id", "template_id") REFERENCES "projects"("organization_id", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- The projects of the statement's organization, for lists and their totals (by hand: Prisma declares
-- no view). Row-level security lets an index serve only conditions made of leakproof operators, and
-- enum equality (a status) and ILIKE (a search) are not: on the table, such a list read every project
-- of the organization. The view reads the table as its owner, limited to the statement's organization
-- by its own condition, and is read-only for the server's role. It has every column of projects as
-- they are now: a migration that changes them creates it again (a test compares the two).
CREATE VIEW "organization_projects" AS
  SELECT * FROM "projects" WHERE "organization_id" = current_organization_id();
REVOKE ALL ON "organization_projects" FROM projects_api;
GRANT SELECT ON "organization_projects" TO projects_api;
