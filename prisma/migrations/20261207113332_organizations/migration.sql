-- Organizations (tenants). Every existing row joins the first organization. From here on each row's
-- organization_id defaults to the organization the statement runs in (current_organization_id(),
-- set per connection by server/platform/database/tenancy.ts), or the first one for a row the
-- tables' owner writes outside any, and row-level security (at the end) lets the server's role see
-- and write only its organization's rows.

-- The organization a statement runs in: null outside one (then no tenant row is visible).
CREATE FUNCTION current_organization_id() RETURNS integer
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('projects.organization_id', true), '')::integer $$;

-- CreateTable
CREATE TABLE "organizations" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- The first organization: everything written before organizations existed is its.
INSERT INTO "organizations" ("id", "name") VALUES (1, 'My organization');
SELECT setval(pg_get_serial_sequence('organizations', 'id'), 1);

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('admin', 'member', 'viewer');

-- DropForeignKey
ALTER TABLE "estimates" DROP CONSTRAINT "estimates_client_id_fkey";

-- DropForeignKey
ALTER TABLE "estimates" DROP CONSTRAINT "estimates_project_id_fkey";

-- DropForeignKey
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_api_key_id_fkey";

-- DropForeignKey
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_client_id_fkey";

-- DropForeignKey
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_project_id_fkey";

-- DropForeignKey
ALTER TABLE "milestones" DROP CONSTRAINT "milestones_project_id_fkey";

-- DropForeignKey
ALTER TABLE "project_assignees" DROP CONSTRAINT "project_assignees_project_id_fkey";

-- DropForeignKey
ALTER TABLE "project_assignees" DROP CONSTRAINT "project_assignees_user_id_fkey";

-- DropForeignKey
ALTER TABLE "project_comments" DROP CONSTRAINT "project_comments_creator_id_fkey";

-- DropForeignKey
ALTER TABLE "project_comments" DROP CONSTRAINT "project_comments_project_id_fkey";

-- DropForeignKey
ALTER TABLE "project_custom_values" DROP CONSTRAINT "project_custom_values_field_id_fkey";

-- DropForeignKey
ALTER TABLE "project_custom_values" DROP CONSTRAINT "project_custom_values_project_id_fkey";

-- DropForeignKey
ALTER TABLE "project_custom_values" DROP CONSTRAINT "project_custom_values_user_id_fkey";

-- DropForeignKey
ALTER TABLE "project_duplications" DROP CONSTRAINT "project_duplications_project_id_fkey";

-- DropForeignKey
ALTER TABLE "project_duplications" DROP CONSTRAINT "project_duplications_source_project_id_fkey";

-- DropForeignKey
ALTER TABLE "project_files" DROP CONSTRAINT "project_files_project_id_fkey";

-- DropForeignKey
ALTER TABLE "project_tags" DROP CONSTRAINT "project_tags_project_id_fkey";

-- DropForeignKey
ALTER TABLE "projects" DROP CONSTRAINT "projects_category_id_fkey";

-- DropForeignKey
ALTER TABLE "projects" DROP CONSTRAINT "projects_client_id_fkey";

-- DropForeignKey
ALTER TABLE "projects" DROP CONSTRAINT "projects_creator_id_fkey";

-- DropForeignKey
ALTER TABLE "projects" DROP CONSTRAINT "projects_manager_id_fkey";

-- DropForeignKey
ALTER TABLE "task_checklist_items" DROP CONSTRAINT "task_checklist_items_task_id_fkey";

-- DropForeignKey
ALTER TABLE "task_files" DROP CONSTRAINT "task_files_task_id_fkey";

-- DropForeignKey
ALTER TABLE "tasks" DROP CONSTRAINT "tasks_project_id_fkey";

-- DropForeignKey
ALTER TABLE "timers" DROP CONSTRAINT "timers_project_id_fkey";

-- DropForeignKey
ALTER TABLE "timers" DROP CONSTRAINT "timers_task_id_fkey";

-- DropForeignKey
ALTER TABLE "timers" DROP CONSTRAINT "timers_user_id_fkey";

-- DropForeignKey
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_event_id_fkey";

-- DropForeignKey
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_subscription_id_fkey";

-- DropIndex
DROP INDEX "api_keys_hash_key";

-- DropIndex
DROP INDEX "categories_name_idx";

-- DropIndex
DROP INDEX "clients_company_name_id_idx";

-- DropIndex
DROP INDEX "custom_fields_key_key";

-- DropIndex
DROP INDEX "estimates_client_id_idx";

-- DropIndex
DROP INDEX "estimates_project_id_id_idx";

-- DropIndex
DROP INDEX "events_project_id_transaction_id_id_idx";

-- DropIndex
DROP INDEX "invoices_client_id_idx";

-- DropIndex
DROP INDEX "invoices_project_id_id_idx";

-- DropIndex
DROP INDEX "milestones_project_id_id_idx";

-- DropIndex
DROP INDEX "project_assignees_user_id_idx";

-- DropIndex
DROP INDEX "project_comments_creator_id_idx";

-- DropIndex
DROP INDEX "project_comments_project_id_id_idx";

-- DropIndex
DROP INDEX "project_custom_values_field_id_date_value_project_id_idx";

-- DropIndex
DROP INDEX "project_custom_values_field_id_number_value_project_id_idx";

-- DropIndex
DROP INDEX "project_custom_values_field_id_text_value_project_id_idx";

-- DropIndex
DROP INDEX "project_custom_values_field_id_user_id_project_id_idx";

-- DropIndex
DROP INDEX "project_duplications_project_id_idx";

-- DropIndex
DROP INDEX "project_duplications_source_project_id_idx";

-- DropIndex
DROP INDEX "project_files_project_id_id_idx";

-- DropIndex
DROP INDEX "project_tags_title_project_id_idx";

-- DropIndex
DROP INDEX "projects_active_state_id_idx";

-- DropIndex
DROP INDEX "projects_archived_at_id_idx";

-- DropIndex
DROP INDEX "projects_category_id_id_idx";

-- DropIndex
DROP INDEX "projects_client_id_id_idx";

-- DropIndex
DROP INDEX "projects_created_at_id_idx";

-- DropIndex
DROP INDEX "projects_date_due_id_idx";

-- DropIndex
DROP INDEX "projects_date_start_id_idx";

-- DropIndex
DROP INDEX "projects_is_template_id_idx";

-- DropIndex
DROP INDEX "projects_last_activity_at_id_idx";

-- DropIndex
DROP INDEX "projects_manager_id_id_idx";

-- DropIndex
DROP INDEX "projects_number_id_idx";

-- DropIndex
DROP INDEX "projects_number_key";

-- DropIndex
DROP INDEX "projects_progress_id_idx";

-- DropIndex
DROP INDEX "projects_project_type_id_idx";

-- DropIndex
DROP INDEX "projects_status_date_due_idx";

-- DropIndex
DROP INDEX "projects_status_id_idx";

-- DropIndex
DROP INDEX "projects_updated_at_id_idx";

-- DropIndex
DROP INDEX "task_checklist_items_task_id_position_idx";

-- DropIndex
DROP INDEX "task_files_task_id_id_idx";

-- DropIndex
DROP INDEX "tasks_project_id_id_idx";

-- DropIndex
DROP INDEX "timers_project_id_id_idx";

-- DropIndex
DROP INDEX "timers_project_id_stopped_at_idx";

-- DropIndex
DROP INDEX "users_email_key";

-- DropIndex
DROP INDEX "users_role_id_idx";

-- DropIndex
DROP INDEX "webhook_deliveries_event_id_idx";

-- DropIndex
DROP INDEX "webhook_deliveries_subscription_id_id_idx";

-- AlterTable
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD COLUMN     "role" "ApiKeyRole" NOT NULL DEFAULT 'admin',
ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "user_id" INTEGER,
ADD CONSTRAINT "api_keys_pkey" PRIMARY KEY ("organization_id", "id");

-- The keys made before keys belonged to people act as the main administrator (the first admin).
UPDATE "api_keys" SET "user_id" = (SELECT min("id") FROM "users" WHERE "role" = 'admin');
ALTER TABLE "api_keys" ALTER COLUMN "user_id" SET NOT NULL;

-- AlterTable
ALTER TABLE "categories" DROP CONSTRAINT "categories_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "categories_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "clients" DROP CONSTRAINT "clients_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "clients_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "custom_fields" DROP CONSTRAINT "custom_fields_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "custom_fields_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "estimates" DROP CONSTRAINT "estimates_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "estimates_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "events" DROP CONSTRAINT "events_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "events_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("organization_id", "api_key_id", "key");

-- AlterTable
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "invoices_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "milestones" DROP CONSTRAINT "milestones_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "milestones_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "project_assignees" DROP CONSTRAINT "project_assignees_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "project_assignees_pkey" PRIMARY KEY ("organization_id", "project_id", "user_id");

-- AlterTable
ALTER TABLE "project_comments" DROP CONSTRAINT "project_comments_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "project_comments_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "project_custom_values" DROP CONSTRAINT "project_custom_values_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "project_custom_values_pkey" PRIMARY KEY ("organization_id", "project_id", "field_id");

-- AlterTable
ALTER TABLE "project_duplications" DROP CONSTRAINT "project_duplications_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "project_duplications_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "project_files" DROP CONSTRAINT "project_files_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "project_files_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "project_number_counters" DROP CONSTRAINT "project_number_counters_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "project_number_counters_pkey" PRIMARY KEY ("organization_id", "scope");

-- AlterTable
ALTER TABLE "project_tags" DROP CONSTRAINT "project_tags_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "project_tags_pkey" PRIMARY KEY ("organization_id", "project_id", "title");

-- AlterTable
ALTER TABLE "projects" DROP CONSTRAINT "projects_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "projects_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "task_checklist_items" DROP CONSTRAINT "task_checklist_items_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "task_checklist_items_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "task_files" DROP CONSTRAINT "task_files_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "task_files_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "tasks" DROP CONSTRAINT "tasks_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "tasks_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "timers" DROP CONSTRAINT "timers_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "timers_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "users" DROP CONSTRAINT "users_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "users_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("organization_id", "id");

-- AlterTable
ALTER TABLE "webhook_subscriptions" DROP CONSTRAINT "webhook_subscriptions_pkey",
ADD COLUMN     "organization_id" INTEGER NOT NULL DEFAULT COALESCE(current_organization_id(), 1),
ADD CONSTRAINT "webhook_subscriptions_pkey" PRIMARY KEY ("organization_id", "id");


-- CreateIndex
CREATE INDEX "categories_organization_id_name_idx" ON "categories"("organization_id", "name");

-- CreateIndex
CREATE INDEX "clients_organization_id_company_name_id_idx" ON "clients"("organization_id", "company_name", "id");

-- CreateIndex
CREATE UNIQUE INDEX "custom_fields_organization_id_key_key" ON "custom_fields"("organization_id", "key");

-- CreateIndex
CREATE INDEX "estimates_organization_id_project_id_id_idx" ON "estimates"("organization_id", "project_id", "id");

-- CreateIndex
CREATE INDEX "estimates_organization_id_client_id_idx" ON "estimates"("organization_id", "client_id");

-- CreateIndex
CREATE INDEX "events_organization_id_transaction_id_id_idx" ON "events"("organization_id", "transaction_id", "id");

-- CreateIndex
CREATE INDEX "events_organization_id_project_id_transaction_id_id_idx" ON "events"("organization_id", "project_id", "transaction_id", "id");

-- CreateIndex
CREATE INDEX "invoices_organization_id_project_id_id_idx" ON "invoices"("organization_id", "project_id", "id");

-- CreateIndex
CREATE INDEX "invoices_organization_id_client_id_idx" ON "invoices"("organization_id", "client_id");

-- CreateIndex
CREATE INDEX "milestones_organization_id_project_id_id_idx" ON "milestones"("organization_id", "project_id", "id");

-- CreateIndex
CREATE INDEX "project_assignees_organization_id_user_id_idx" ON "project_assignees"("organization_id", "user_id");

-- CreateIndex
CREATE INDEX "project_comments_organization_id_project_id_id_idx" ON "project_comments"("organization_id", "project_id", "id");

-- CreateIndex
CREATE INDEX "project_comments_organization_id_creator_id_idx" ON "project_comments"("organization_id", "creator_id");

-- CreateIndex
-- By hand, as before: text values in the order their sort uses (und-x-icu).
CREATE INDEX "project_custom_values_organization_id_field_id_text_value_p_idx" ON "project_custom_values"("organization_id", "field_id", "text_value" COLLATE "und-x-icu", "project_id");

-- CreateIndex
CREATE INDEX "project_custom_values_organization_id_field_id_number_value_idx" ON "project_custom_values"("organization_id", "field_id", "number_value", "project_id");

-- CreateIndex
CREATE INDEX "project_custom_values_organization_id_field_id_date_value_p_idx" ON "project_custom_values"("organization_id", "field_id", "date_value", "project_id");

-- CreateIndex
CREATE INDEX "project_custom_values_organization_id_field_id_user_id_proj_idx" ON "project_custom_values"("organization_id", "field_id", "user_id", "project_id");

-- CreateIndex
CREATE INDEX "project_duplications_organization_id_source_project_id_idx" ON "project_duplications"("organization_id", "source_project_id");

-- CreateIndex
CREATE INDEX "project_duplications_organization_id_project_id_idx" ON "project_duplications"("organization_id", "project_id");

-- CreateIndex
CREATE INDEX "project_files_organization_id_project_id_id_idx" ON "project_files"("organization_id", "project_id", "id");

-- CreateIndex
CREATE INDEX "project_tags_organization_id_title_project_id_idx" ON "project_tags"("organization_id", "title", "project_id");

-- CreateIndex
CREATE INDEX "projects_organization_id_created_at_id_idx" ON "projects"("organization_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_status_id_idx" ON "projects"("organization_id", "status", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_date_start_id_idx" ON "projects"("organization_id", "date_start", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_date_due_id_idx" ON "projects"("organization_id", "date_due", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_progress_id_idx" ON "projects"("organization_id", "progress", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_client_id_id_idx" ON "projects"("organization_id", "client_id", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_category_id_id_idx" ON "projects"("organization_id", "category_id", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_active_state_id_idx" ON "projects"("organization_id", "active_state", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_project_type_id_idx" ON "projects"("organization_id", "project_type", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_manager_id_id_idx" ON "projects"("organization_id", "manager_id", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_updated_at_id_idx" ON "projects"("organization_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_last_activity_at_id_idx" ON "projects"("organization_id", "last_activity_at", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_archived_at_id_idx" ON "projects"("organization_id", "archived_at", "id");

-- CreateIndex
-- By hand, as before: numbers in the order of the number sort (COLLATE "C").
CREATE INDEX "projects_organization_id_number_id_idx" ON "projects"("organization_id", "number" COLLATE "C", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_is_template_id_idx" ON "projects"("organization_id", "is_template", "id");

-- CreateIndex
CREATE INDEX "projects_organization_id_status_date_due_idx" ON "projects"("organization_id", "status", "date_due");

-- CreateIndex
CREATE UNIQUE INDEX "projects_organization_id_number_key" ON "projects"("organization_id", "number");

-- CreateIndex
CREATE INDEX "task_checklist_items_organization_id_task_id_position_idx" ON "task_checklist_items"("organization_id", "task_id", "position");

-- CreateIndex
CREATE INDEX "task_files_organization_id_task_id_id_idx" ON "task_files"("organization_id", "task_id", "id");

-- CreateIndex
CREATE INDEX "tasks_organization_id_project_id_id_idx" ON "tasks"("organization_id", "project_id", "id");

-- CreateIndex
CREATE INDEX "timers_organization_id_project_id_stopped_at_idx" ON "timers"("organization_id", "project_id", "stopped_at");

-- CreateIndex
CREATE INDEX "timers_organization_id_project_id_id_idx" ON "timers"("organization_id", "project_id", "id");

-- CreateIndex
CREATE INDEX "users_organization_id_role_id_idx" ON "users"("organization_id", "role", "id");

-- CreateIndex
CREATE UNIQUE INDEX "users_organization_id_email_key" ON "users"("organization_id", "email");

-- CreateIndex
CREATE INDEX "webhook_deliveries_organization_id_subscription_id_id_idx" ON "webhook_deliveries"("organization_id", "subscription_id", "id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_organization_id_event_id_idx" ON "webhook_deliveries"("organization_id", "event_id");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_user_id_fkey" FOREIGN KEY ("organization_id", "user_id") REFERENCES "users"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_organization_id_api_key_id_fkey" FOREIGN KEY ("organization_id", "api_key_id") REFERENCES "api_keys"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "clients" ADD CONSTRAINT "clients_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "categories" ADD CONSTRAINT "categories_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_client_id_fkey" FOREIGN KEY ("organization_id", "client_id") REFERENCES "clients"("organization_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_category_id_fkey" FOREIGN KEY ("organization_id", "category_id") REFERENCES "categories"("organization_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "users"("organization_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_manager_id_fkey" FOREIGN KEY ("organization_id", "manager_id") REFERENCES "users"("organization_id", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_number_counters" ADD CONSTRAINT "project_number_counters_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_assignees" ADD CONSTRAINT "project_assignees_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_assignees" ADD CONSTRAINT "project_assignees_organization_id_user_id_fkey" FOREIGN KEY ("organization_id", "user_id") REFERENCES "users"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_assignees" ADD CONSTRAINT "project_assignees_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_tags" ADD CONSTRAINT "project_tags_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_tags" ADD CONSTRAINT "project_tags_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_checklist_items" ADD CONSTRAINT "task_checklist_items_organization_id_task_id_fkey" FOREIGN KEY ("organization_id", "task_id") REFERENCES "tasks"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_checklist_items" ADD CONSTRAINT "task_checklist_items_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_files" ADD CONSTRAINT "task_files_organization_id_task_id_fkey" FOREIGN KEY ("organization_id", "task_id") REFERENCES "tasks"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_files" ADD CONSTRAINT "task_files_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "milestones" ADD CONSTRAINT "milestones_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "milestones" ADD CONSTRAINT "milestones_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timers" ADD CONSTRAINT "timers_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timers" ADD CONSTRAINT "timers_organization_id_task_id_fkey" FOREIGN KEY ("organization_id", "task_id") REFERENCES "tasks"("organization_id", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timers" ADD CONSTRAINT "timers_organization_id_user_id_fkey" FOREIGN KEY ("organization_id", "user_id") REFERENCES "users"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timers" ADD CONSTRAINT "timers_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_files" ADD CONSTRAINT "project_files_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_files" ADD CONSTRAINT "project_files_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_comments" ADD CONSTRAINT "project_comments_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_comments" ADD CONSTRAINT "project_comments_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "users"("organization_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_comments" ADD CONSTRAINT "project_comments_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_client_id_fkey" FOREIGN KEY ("organization_id", "client_id") REFERENCES "clients"("organization_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "estimates" ADD CONSTRAINT "estimates_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "estimates" ADD CONSTRAINT "estimates_organization_id_client_id_fkey" FOREIGN KEY ("organization_id", "client_id") REFERENCES "clients"("organization_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "estimates" ADD CONSTRAINT "estimates_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_organization_id_subscription_id_fkey" FOREIGN KEY ("organization_id", "subscription_id") REFERENCES "webhook_subscriptions"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_organization_id_event_id_fkey" FOREIGN KEY ("organization_id", "event_id") REFERENCES "events"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "custom_fields" ADD CONSTRAINT "custom_fields_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_custom_values" ADD CONSTRAINT "project_custom_values_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_custom_values" ADD CONSTRAINT "project_custom_values_organization_id_field_id_fkey" FOREIGN KEY ("organization_id", "field_id") REFERENCES "custom_fields"("organization_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_custom_values" ADD CONSTRAINT "project_custom_values_organization_id_user_id_fkey" FOREIGN KEY ("organization_id", "user_id") REFERENCES "users"("organization_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_custom_values" ADD CONSTRAINT "project_custom_values_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_duplications" ADD CONSTRAINT "project_duplications_organization_id_source_project_id_fkey" FOREIGN KEY ("organization_id", "source_project_id") REFERENCES "projects"("organization_id", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_duplications" ADD CONSTRAINT "project_duplications_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_duplications" ADD CONSTRAINT "project_duplications_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Project numbers count per organization: project_number_seq stays the first organization's, each
-- later one gets project_number_seq_<id> when it is made (server/projects/numbers.ts).

-- The role the server's statements run as (SET ROLE, server/platform/database/tenancy.ts): it owns
-- nothing and cannot bypass row-level security. Roles belong to the whole PostgreSQL cluster, so
-- another database of the cluster (or a concurrent migration) may have created it already.
-- (No DO block: Prisma's PostgreSQL adapter splits a migration at every semicolon.)
CREATE FUNCTION "create_projects_api_role"() RETURNS void LANGUAGE sql
  AS $$ CREATE ROLE projects_api NOLOGIN NOBYPASSRLS $$;
SELECT "create_projects_api_role"() WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'projects_api');
DROP FUNCTION "create_projects_api_role"();
-- The migrating user (the tables' owner) must be able to take the role.
GRANT projects_api TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO projects_api;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO projects_api;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO projects_api;
REVOKE ALL ON "_prisma_migrations" FROM projects_api;
-- Tables made later by the owner (later migrations, the job queue's own schema) too. The job
-- queue grants its existing tables itself (server/platform/job-queue.ts).
ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO projects_api;
ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO projects_api;
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO projects_api;

-- Row-level security: a statement sees and writes only its organization's rows. The subquery makes
-- the setting one value per statement (an InitPlan) that index conditions can use.
ALTER TABLE "organizations" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "organizations" FOR SELECT
  USING ("id" = (SELECT current_organization_id()));
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "users"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "api_keys"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "idempotency_keys" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "idempotency_keys"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "clients" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "clients"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "categories" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "categories"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "projects" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "projects"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "project_number_counters" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "project_number_counters"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "project_assignees" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "project_assignees"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "project_tags" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "project_tags"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "tasks"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "task_checklist_items" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "task_checklist_items"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "task_files" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "task_files"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "milestones" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "milestones"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "timers" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "timers"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "project_files" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "project_files"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "project_comments" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "project_comments"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "invoices" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "invoices"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "estimates" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "estimates"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "events" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "events"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "webhook_subscriptions" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "webhook_subscriptions"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "webhook_deliveries" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "webhook_deliveries"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "custom_fields" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "custom_fields"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "project_custom_values" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "project_custom_values"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
ALTER TABLE "project_duplications" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "organization_isolation" ON "project_duplications"
  USING ("organization_id" = (SELECT current_organization_id()))
  WITH CHECK ("organization_id" = (SELECT current_organization_id()));
