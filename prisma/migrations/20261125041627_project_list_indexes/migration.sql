-- The trigram operator class of the title index below (not declared in schema.prisma: Prisma
-- lists extensions there only behind a preview feature).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "projects_active_state_id_idx" ON "projects"("active_state", "id");

-- CreateIndex
CREATE INDEX "projects_title_trgm_idx" ON "projects" USING GIN ("title" gin_trgm_ops);
