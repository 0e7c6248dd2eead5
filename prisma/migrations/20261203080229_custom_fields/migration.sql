-- CreateEnum
CREATE TYPE "CustomFieldType" AS ENUM ('text', 'number', 'date', 'single_select', 'multi_select', 'person');

-- CreateTable
CREATE TABLE "custom_fields" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" "CustomFieldType" NOT NULL,
    "options" TEXT[],
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "custom_fields_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "project_custom_values" (
    "project_id" INTEGER NOT NULL,
    "field_id" INTEGER NOT NULL,
    "text_value" TEXT,
    "number_value" DECIMAL(20,6),
    "date_value" DATE,
    "option_values" TEXT[],
    "user_id" INTEGER,

    CONSTRAINT "project_custom_values_pkey" PRIMARY KEY ("project_id","field_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "custom_fields_key_key" ON "custom_fields"("key");

-- CreateIndex
-- By hand: text values in the Unicode root collation, the order of a sort by a text or select field
-- (as titles sort). Prisma cannot declare a collation and describes it as (field_id, text_value, project_id).
CREATE INDEX "project_custom_values_field_id_text_value_project_id_idx" ON "project_custom_values"("field_id", "text_value" COLLATE "und-x-icu", "project_id");

-- CreateIndex
CREATE INDEX "project_custom_values_field_id_number_value_project_id_idx" ON "project_custom_values"("field_id", "number_value", "project_id");

-- CreateIndex
CREATE INDEX "project_custom_values_field_id_date_value_project_id_idx" ON "project_custom_values"("field_id", "date_value", "project_id");

-- CreateIndex
CREATE INDEX "project_custom_values_field_id_user_id_project_id_idx" ON "project_custom_values"("field_id", "user_id", "project_id");

-- CreateIndex
CREATE INDEX "project_custom_values_option_values_idx" ON "project_custom_values" USING GIN ("option_values");

-- AddForeignKey
ALTER TABLE "project_custom_values" ADD CONSTRAINT "project_custom_values_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_custom_values" ADD CONSTRAINT "project_custom_values_field_id_fkey" FOREIGN KEY ("field_id") REFERENCES "custom_fields"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_custom_values" ADD CONSTRAINT "project_custom_values_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
