-- AlterTable: people's tags and notes on a sweep; every sweep stored before has none
ALTER TABLE "sweep" ADD COLUMN     "notes" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable: the same on a trial
ALTER TABLE "trial" ADD COLUMN     "notes" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex: the sweep list's tag filter
CREATE INDEX "sweep_tags_idx" ON "sweep" USING GIN ("tags");
