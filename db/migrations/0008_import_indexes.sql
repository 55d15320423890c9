-- The instructions import (docs/performance.md, "Import"): fewer foreign-key probes per inserted row.
-- PostgreSQL checks a foreign key once per inserted row (a query each). A payment's organization and
-- asset are its disbursement's, its receiver is its receiver wallet's, and a receiver wallet's or
-- verification's organization is its receiver's: one composite key to the parent checks both (and
-- that they agree, which the single-column keys never did), where two or three keys checked them one
-- by one. 100,000 imported rows: 1.1 million probes become 600,000 (a re-upload: 500,000 become
-- 200,000). Deletes keep their meaning: a disbursement's payments go with it; a receiver's wallets and
-- verifications with the receiver, unless it has payments (they restrict its wallets' delete); an
-- organization's rows go through its disbursements and receivers; an asset is still kept by the
-- disbursements that use it.
CREATE UNIQUE INDEX "disbursements_id_org_asset_key" ON "disbursements" USING btree ("id","org_id","asset_id");
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_disbursement_org_asset_fk" FOREIGN KEY ("disbursement_id","org_id","asset_id") REFERENCES "public"."disbursements"("id","org_id","asset_id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_org_id_organizations_id_fk";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_disbursement_id_disbursements_id_fk";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_asset_id_assets_id_fk";
--> statement-breakpoint
CREATE UNIQUE INDEX "receiver_wallets_id_receiver_key" ON "receiver_wallets" USING btree ("id","receiver_id");
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_receiver_wallet_receiver_fk" FOREIGN KEY ("receiver_wallet_id","receiver_id") REFERENCES "public"."receiver_wallets"("id","receiver_id") ON DELETE restrict ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_receiver_id_receivers_id_fk";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_receiver_wallet_id_receiver_wallets_id_fk";
--> statement-breakpoint
CREATE UNIQUE INDEX "receivers_id_org_key" ON "receivers" USING btree ("id","org_id");
--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD CONSTRAINT "receiver_wallets_receiver_org_fk" FOREIGN KEY ("receiver_id","org_id") REFERENCES "public"."receivers"("id","org_id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "receiver_wallets" DROP CONSTRAINT "receiver_wallets_org_id_organizations_id_fk";
--> statement-breakpoint
ALTER TABLE "receiver_wallets" DROP CONSTRAINT "receiver_wallets_receiver_id_receivers_id_fk";
--> statement-breakpoint
ALTER TABLE "receiver_verifications" ADD CONSTRAINT "receiver_verifications_receiver_org_fk" FOREIGN KEY ("receiver_id","org_id") REFERENCES "public"."receivers"("id","org_id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "receiver_verifications" DROP CONSTRAINT "receiver_verifications_org_id_organizations_id_fk";
--> statement-breakpoint
ALTER TABLE "receiver_verifications" DROP CONSTRAINT "receiver_verifications_receiver_id_receivers_id_fk";
