-- AlterTable: an epoch's validation metrics, when its trial has a validation set (train.select)
ALTER TABLE "epoch_metric" ADD COLUMN     "validation" JSONB;
