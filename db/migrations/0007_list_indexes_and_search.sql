-- Lists and search at a million payments (docs/performance.md, "Lists"). Every list pages by keyset
-- (sort key, id): each index below ends with the key columns of one sort option and the id that breaks
-- its ties, so a page is one index range read, never an OFFSET scan or a sort of the whole set.
-- Payments of the organization, newest first (the default list): (created_at, id).
DROP INDEX IF EXISTS "payments_org_created_idx";
--> statement-breakpoint
CREATE INDEX "payments_org_created_idx" ON "payments" USING btree ("org_id","created_at","id");
--> statement-breakpoint
-- Status filter (one per status, merged for several) and the status sort: (status, created_at, id).
DROP INDEX IF EXISTS "payments_org_status_idx";
--> statement-breakpoint
CREATE INDEX "payments_org_status_idx" ON "payments" USING btree ("org_id","status","created_at","id");
--> statement-breakpoint
CREATE INDEX "payments_org_updated_idx" ON "payments" USING btree ("org_id","updated_at","id");
--> statement-breakpoint
CREATE INDEX "payments_org_amount_idx" ON "payments" USING btree ("org_id","amount","id");
--> statement-breakpoint
-- A disbursement's payments in file order, per status: the disbursement's receivers and payments lists
-- read one range per status and merge them (Merge Append), with or without a status filter.
-- Still serves every (disbursement_id, status) lookup the old two-column index served.
DROP INDEX IF EXISTS "payments_disbursement_status_idx";
--> statement-breakpoint
CREATE INDEX "payments_disbursement_status_idx" ON "payments" USING btree ("disbursement_id","status","line_number","id");
--> statement-breakpoint
-- Search keys (prefix: LIKE 'text%' with text_pattern_ops, whatever the database's collation).
CREATE INDEX "payments_org_external_payment_id_search_idx" ON "payments" USING btree ("org_id",lower("external_payment_id") text_pattern_ops) WHERE "payments"."external_payment_id" is not null;
--> statement-breakpoint
CREATE INDEX "receivers_org_phone_search_idx" ON "receivers" USING btree ("org_id","phone_number" text_pattern_ops) WHERE "receivers"."phone_number" is not null;
--> statement-breakpoint
CREATE INDEX "receivers_org_email_search_idx" ON "receivers" USING btree ("org_id","email" text_pattern_ops) WHERE "receivers"."email" is not null;
--> statement-breakpoint
CREATE INDEX "receivers_org_external_id_search_idx" ON "receivers" USING btree ("org_id",lower("external_id") text_pattern_ops);
--> statement-breakpoint
-- Receivers of the organization: one index per sort option, ending with the id.
DROP INDEX IF EXISTS "receivers_org_created_idx";
--> statement-breakpoint
CREATE INDEX "receivers_org_created_idx" ON "receivers" USING btree ("org_id","created_at","id");
--> statement-breakpoint
CREATE INDEX "receivers_org_updated_idx" ON "receivers" USING btree ("org_id","updated_at","id");
--> statement-breakpoint
DROP INDEX IF EXISTS "receivers_org_external_id_idx";
--> statement-breakpoint
CREATE INDEX "receivers_org_external_id_idx" ON "receivers" USING btree ("org_id","external_id","id");
--> statement-breakpoint
-- Disbursements of the organization (the name sort is served by disbursements_org_name_key, unique).
DROP INDEX IF EXISTS "disbursements_org_created_idx";
--> statement-breakpoint
CREATE INDEX "disbursements_org_created_idx" ON "disbursements" USING btree ("org_id","created_at","id");
--> statement-breakpoint
DROP INDEX IF EXISTS "disbursements_org_status_idx";
--> statement-breakpoint
CREATE INDEX "disbursements_org_status_idx" ON "disbursements" USING btree ("org_id","status","created_at","id");
--> statement-breakpoint
-- The receivers list's total: receivers per organization, kept by statement-level triggers in the same
-- transaction as every insert and delete (receivers never change organization), so the list never counts.
CREATE TABLE "organization_receiver_counts" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"receiver_count" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organization_receiver_counts" ADD CONSTRAINT "organization_receiver_counts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE FUNCTION organization_receiver_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO organization_receiver_counts AS c (org_id, receiver_count)
  SELECT n.org_id, count(*) FROM new_rows n GROUP BY n.org_id ORDER BY n.org_id
  ON CONFLICT (org_id) DO UPDATE SET receiver_count = c.receiver_count + excluded.receiver_count;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Only rows that still exist are decremented (an organization being deleted takes its row by cascade).
CREATE FUNCTION organization_receiver_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE organization_receiver_counts c SET receiver_count = c.receiver_count - o.n
  FROM (SELECT org_id, count(*) AS n FROM old_rows GROUP BY org_id) o WHERE c.org_id = o.org_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER receivers_count_after_insert AFTER INSERT ON receivers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION organization_receiver_counts_after_insert();
--> statement-breakpoint
CREATE TRIGGER receivers_count_after_delete AFTER DELETE ON receivers REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION organization_receiver_counts_after_delete();
--> statement-breakpoint
INSERT INTO organization_receiver_counts (org_id, receiver_count) SELECT org_id, count(*) FROM receivers GROUP BY org_id;
