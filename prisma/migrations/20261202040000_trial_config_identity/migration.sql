-- AlterTable: each trial's configuration key, label and kind (cpu or gpu), fixed when the trial is planned.
-- Nullable for one step: what they hold is computed in JavaScript (a hash of canonical JSON, the sweep's GPU rule),
-- which SQL cannot repeat exactly, so the migrator fills the rows already stored inside this migration's transaction
-- with the same function new trials get theirs from (packages/db/src/fill-trial-identity.ts), and the next
-- migration makes them required.
ALTER TABLE "trial" ADD COLUMN     "config_key" TEXT,
ADD COLUMN     "config_label" TEXT,
ADD COLUMN     "kind" TEXT;
