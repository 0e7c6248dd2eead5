-- CreateIndex
CREATE INDEX "clients_company_name_trgm_idx" ON "clients" USING GIN ("company_name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "project_tags_title_project_id_idx" ON "project_tags"("title", "project_id");

-- CreateIndex
CREATE INDEX "projects_manager_id_id_idx" ON "projects"("manager_id", "id");

-- CreateIndex
CREATE INDEX "projects_updated_at_id_idx" ON "projects"("updated_at", "id");

-- CreateIndex
CREATE INDEX "projects_status_date_due_idx" ON "projects"("status", "date_due");

-- CreateIndex
CREATE INDEX "projects_description_trgm_idx" ON "projects" USING GIN ("description" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "projects_reference_trgm_idx" ON "projects" USING GIN ("reference" gin_trgm_ops);
