-- AlterTable
ALTER TABLE "worker" ADD COLUMN     "gpu" TEXT,
ADD COLUMN     "trial_kinds" TEXT[] DEFAULT ARRAY['cpu']::TEXT[];
