-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "project" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sweep" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "trial_count" INTEGER NOT NULL,
    "provenance" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sweep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trial" (
    "id" TEXT NOT NULL,
    "sweep_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "params" JSONB NOT NULL,
    "seed" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'waiting',
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL,
    "worker_id" TEXT,
    "backend" TEXT,
    "heartbeat_at" TIMESTAMP(3),
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "error" TEXT,
    "retries" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "trial_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "epoch_metric" (
    "trial_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "loss" JSONB NOT NULL,
    "test" JSONB,
    "seconds" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "epoch_metric_pkey" PRIMARY KEY ("trial_id","attempt","epoch")
);

-- CreateTable
CREATE TABLE "trial_result" (
    "trial_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "metrics" JSONB NOT NULL,
    "backend" TEXT NOT NULL,
    "seconds" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trial_result_pkey" PRIMARY KEY ("trial_id")
);

-- CreateTable
CREATE TABLE "worker" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "backend" TEXT NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "last_heartbeat" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "worker_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sweep_project_id_created_at_idx" ON "sweep"("project_id", "created_at");

-- CreateIndex
CREATE INDEX "trial_sweep_id_state_idx" ON "trial"("sweep_id", "state");

-- CreateIndex
CREATE INDEX "trial_state_heartbeat_at_idx" ON "trial"("state", "heartbeat_at");

-- CreateIndex
CREATE UNIQUE INDEX "trial_sweep_id_key_key" ON "trial"("sweep_id", "key");

-- AddForeignKey
ALTER TABLE "sweep" ADD CONSTRAINT "sweep_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trial" ADD CONSTRAINT "trial_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "epoch_metric" ADD CONSTRAINT "epoch_metric_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trial_result" ADD CONSTRAINT "trial_result_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE CASCADE ON UPDATE CASCADE;
