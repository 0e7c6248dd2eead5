-- CreateEnum
CREATE TYPE "DuplicationStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- AlterTable
ALTER TABLE "milestones" ADD COLUMN     "date_due" DATE;

-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "is_template" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "date_due" DATE;

-- CreateTable
CREATE TABLE "project_duplications" (
    "id" SERIAL NOT NULL,
    "source_project_id" INTEGER,
    "project_id" INTEGER,
    "status" "DuplicationStatus" NOT NULL DEFAULT 'queued',
    "total" INTEGER NOT NULL,
    "copied" INTEGER NOT NULL DEFAULT 0,
    "options" JSONB NOT NULL,
    "cursor" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "api_key_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(6),
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "project_duplications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "project_duplications_source_project_id_idx" ON "project_duplications"("source_project_id");

-- CreateIndex
CREATE INDEX "project_duplications_project_id_idx" ON "project_duplications"("project_id");

-- CreateIndex
CREATE INDEX "projects_is_template_id_idx" ON "projects"("is_template", "id");

-- AddForeignKey
ALTER TABLE "project_duplications" ADD CONSTRAINT "project_duplications_source_project_id_fkey" FOREIGN KEY ("source_project_id") REFERENCES "projects"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_duplications" ADD CONSTRAINT "project_duplications_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE SET NULL ON UPDATE CASCADE;
