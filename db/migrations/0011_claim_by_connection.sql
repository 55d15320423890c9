CREATE INDEX "payments_ready_connection_claim_idx" ON "payments" USING btree ("disbursement_id","connection_id","line_number","id") WHERE "payments"."status" = 'READY';--> statement-breakpoint
-- Payments started before routing existed (migration 0010) were all paid over Stellar: they record
-- the organization's first Stellar connection as the connection they went through (docs/rails.md
-- "Rail-neutral data"). No routing rule chose them, so routing_rule_id stays empty. DRAFT payments
-- are routed by start, as every payment since 0010.
UPDATE "payments" p SET "connection_id" = c."id"
FROM (
  SELECT DISTINCT ON ("org_id") "id", "org_id" FROM "payment_connections"
  WHERE "rail_type" = 'STELLAR' ORDER BY "org_id", "created_at", "id"
) c
WHERE p."org_id" = c."org_id" AND p."connection_id" IS NULL AND p."status" <> 'DRAFT';--> statement-breakpoint
ALTER TABLE "bank_file_entries" DROP CONSTRAINT "bank_file_entries_org_id_organizations_id_fk";
--> statement-breakpoint
ALTER TABLE "bank_file_entries" DROP CONSTRAINT "bank_file_entries_payment_id_payments_id_fk";--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_connection_id_payment_connections_id_fk";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_routing_rule_id_routing_rules_id_fk";
