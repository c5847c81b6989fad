-- AlterTable
ALTER TABLE "sweep" ADD COLUMN     "look_pending" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "trial" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "sweep_revision" (
    "sweep_id" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "seeds" INTEGER[],
    "config_keys" TEXT[],
    "trial_count" INTEGER NOT NULL,
    "posthoc" BOOLEAN NOT NULL,
    "by" TEXT NOT NULL DEFAULT '',
    "note" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sweep_revision_pkey" PRIMARY KEY ("sweep_id","revision")
);

-- AddForeignKey
ALTER TABLE "sweep_revision" ADD CONSTRAINT "sweep_revision_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every sweep stored before revisions existed was as submitted: its submission is its revision 1.
INSERT INTO "sweep_revision" ("sweep_id", "revision", "kind", "spec", "seeds", "config_keys", "trial_count", "posthoc", "created_at")
SELECT "id", 1, 'submit', "spec",
       ARRAY(SELECT jsonb_array_elements_text("spec" -> 'seeds')::int), ARRAY[]::TEXT[], "trial_count", false, "created_at"
FROM "sweep";
