-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "archived_at" TIMESTAMPTZ(6),
ADD COLUMN     "last_activity_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "number" TEXT;

-- CreateTable
CREATE TABLE "project_number_counters" (
    "scope" TEXT NOT NULL,
    "last_value" INTEGER NOT NULL,

    CONSTRAINT "project_number_counters_pkey" PRIMARY KEY ("scope")
);

-- CreateIndex
CREATE UNIQUE INDEX "projects_number_key" ON "projects"("number");

-- CreateIndex
CREATE INDEX "projects_last_activity_at_id_idx" ON "projects"("last_activity_at", "id");

-- CreateIndex
CREATE INDEX "projects_archived_at_id_idx" ON "projects"("archived_at", "id");

-- CreateIndex
-- By hand: the index is on (number COLLATE "C", id), the order of the number sort (byte order, the same on
-- every database). Prisma cannot declare a collation and describes it as an index on (number, id).
CREATE INDEX "projects_number_id_idx" ON "projects"("number" COLLATE "C", "id");

-- CreateIndex
CREATE INDEX "projects_number_trgm_idx" ON "projects" USING GIN ("number" gin_trgm_ops);

-- By hand: what the new columns hold for the projects already there. Numbers in the default format
-- (P-{seq:5}), the counter continuing after them.
UPDATE "projects"
   SET "last_activity_at" = "updated_at",
       "archived_at" = CASE WHEN "active_state" = 'archived' THEN "updated_at" END,
       "number" = 'P-' || lpad("id"::text, GREATEST(5, length("id"::text)), '0');
INSERT INTO "project_number_counters" ("scope", "last_value")
SELECT 'P-{seq}', max("id") FROM "projects" HAVING count(*) > 0;
