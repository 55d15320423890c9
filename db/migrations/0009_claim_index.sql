-- The payment engine's claim (server/stellar/engine/claim-payment-batch.ts; docs/performance.md, "Claim"):
-- the next READY payments of one STARTED disbursement, in file order, read with LIMIT … FOR UPDATE SKIP LOCKED.
-- Its cost does not grow with the READY backlog; the old index on status alone made every claim sort it.
CREATE INDEX "payments_ready_claim_idx" ON "payments" USING btree ("disbursement_id","line_number","id") WHERE "payments"."status" = 'READY';
--> statement-breakpoint
DROP INDEX IF EXISTS "payments_ready_idx";
--> statement-breakpoint
-- Candidates: STARTED disbursements, oldest first (a handful of rows whatever the number of payments).
CREATE INDEX "disbursements_started_idx" ON "disbursements" USING btree ("created_at","id") WHERE "disbursements"."status" = 'STARTED';
