-- CreateEnum
CREATE TYPE "ProjectType" AS ENUM ('client', 'internal');

-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "project_type" "ProjectType" NOT NULL DEFAULT 'client',
ALTER COLUMN "client_id" DROP NOT NULL;

-- CreateIndex
CREATE INDEX "projects_project_type_id_idx" ON "projects"("project_type", "id");

-- By hand (Prisma cannot declare a check): exactly the internal projects have no client.
ALTER TABLE "projects" ADD CONSTRAINT "projects_client_unless_internal" CHECK (("project_type" = 'internal') = ("client_id" IS NULL));
