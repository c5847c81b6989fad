-- AlterTable: every stored trial has its configuration key, label and kind now (filled by the previous migration).
ALTER TABLE "trial" ALTER COLUMN "config_key" SET NOT NULL,
ALTER COLUMN "config_label" SET NOT NULL,
ALTER COLUMN "kind" SET NOT NULL;

-- CreateIndex: after the fill, so the fill does not maintain it row by row.
CREATE INDEX "trial_sweep_id_config_key_idx" ON "trial"("sweep_id", "config_key");
