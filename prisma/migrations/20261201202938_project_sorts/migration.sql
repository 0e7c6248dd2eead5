-- DropIndex
DROP INDEX "clients_company_name_idx";

-- CreateIndex
CREATE INDEX "clients_company_name_id_idx" ON "clients"("company_name", "id");
