-- CreateTable
CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "transaction_id" BIGINT NOT NULL DEFAULT ((pg_current_xact_id())::text)::bigint,
    "type" TEXT NOT NULL,
    "project_id" INTEGER,
    "api_key_id" INTEGER NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changed_fields" TEXT[],
    "previous" JSONB,
    "data" JSONB NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "events_transaction_id_id_idx" ON "events"("transaction_id", "id");

-- CreateIndex
CREATE INDEX "events_project_id_transaction_id_id_idx" ON "events"("project_id", "transaction_id", "id");
