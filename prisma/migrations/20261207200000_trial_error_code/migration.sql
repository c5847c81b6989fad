-- AlterTable: the stable code of the error a trial failed with, where it had one; trials failed before have none
ALTER TABLE "trial" ADD COLUMN     "error_code" TEXT;
