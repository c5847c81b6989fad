-- AlterTable
ALTER TABLE "worker" ADD COLUMN     "stopped_at" TIMESTAMP(3);
