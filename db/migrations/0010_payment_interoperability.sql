CREATE TYPE "public"."asset_kind" AS ENUM('STELLAR', 'FIAT');--> statement-breakpoint
CREATE TYPE "public"."connection_health" AS ENUM('UNKNOWN', 'HEALTHY', 'UNHEALTHY');--> statement-breakpoint
CREATE TYPE "public"."destination_kind" AS ENUM('STELLAR_ADDRESS', 'BANK_ACCOUNT', 'IBAN', 'MSISDN', 'EMAIL');--> statement-breakpoint
CREATE TYPE "public"."rail_type" AS ENUM('STELLAR', 'BANK');--> statement-breakpoint
CREATE TYPE "public"."bank_file_format" AS ENUM('PAIN002', 'CAMT053', 'CAMT054', 'MT940');--> statement-breakpoint
CREATE TYPE "public"."bank_file_source" AS ENUM('UPLOAD', 'API', 'BANK_PUSH');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_outcome" AS ENUM('MATCHED', 'ALREADY_APPLIED', 'UNMATCHED', 'DUPLICATE', 'AMOUNT_MISMATCH', 'INVALID_STATE');--> statement-breakpoint
ALTER TYPE "public"."registration_contact_type" ADD VALUE 'BANK_ACCOUNT';--> statement-breakpoint
CREATE TABLE "payment_connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"rail_type" "rail_type" NOT NULL,
	"name" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"credentials_sealed" text,
	"credentials_updated_at" timestamp with time zone,
	"currency_mapping" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"field_mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"health_status" "connection_health" DEFAULT 'UNKNOWN' NOT NULL,
	"health_message" text,
	"health_checked_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"connection_id" uuid NOT NULL,
	"fallback_connection_id" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bank_file_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"bank_file_id" uuid NOT NULL,
	"entry_index" integer NOT NULL,
	"end_to_end_id" text,
	"bank_reference" text,
	"amount" numeric(19, 7),
	"currency" text,
	"direction" text NOT NULL,
	"reversal" boolean DEFAULT false NOT NULL,
	"entry_status" text NOT NULL,
	"reason_code" text,
	"reason_text" text,
	"booking_date" date,
	"narrative" text,
	"outcome" "reconciliation_outcome" NOT NULL,
	"outcome_message" text,
	"payment_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bank_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"connection_id" uuid,
	"format" "bank_file_format" NOT NULL,
	"source" "bank_file_source" NOT NULL,
	"file_name" text NOT NULL,
	"sha256" text NOT NULL,
	"content" "bytea" NOT NULL,
	"message_id" text,
	"statement_id" text,
	"account" text,
	"entry_count" integer DEFAULT 0 NOT NULL,
	"matched_count" integer DEFAULT 0 NOT NULL,
	"exception_count" integer DEFAULT 0 NOT NULL,
	"imported_by" uuid,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "assets_org_code_issuer_key";--> statement-breakpoint
DROP INDEX "receiver_wallets_org_address_idx";--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "kind" "asset_kind" DEFAULT 'STELLAR' NOT NULL;--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "decimals" smallint DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "destination_kind" "destination_kind";--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "destination_value" text;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "destination_memo" text;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "destination_details" jsonb;--> statement-breakpoint
-- Today's Stellar addresses and memos become destinations; the old columns come back derived from them,
-- so the engine's readers keep working while every writer writes the destination (docs/rails.md).
UPDATE "receiver_wallets" SET "destination_kind" = 'STELLAR_ADDRESS', "destination_value" = "stellar_address", "destination_memo" = "stellar_memo" WHERE "stellar_address" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "receiver_wallets" drop column "stellar_address";--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "stellar_address" text GENERATED ALWAYS AS (case when destination_kind = 'STELLAR_ADDRESS' then destination_value end) STORED;--> statement-breakpoint
ALTER TABLE "receiver_wallets" drop column "stellar_memo";--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "stellar_memo" text GENERATED ALWAYS AS (case when destination_kind = 'STELLAR_ADDRESS' then destination_memo end) STORED;--> statement-breakpoint
ALTER TABLE "receivers" ADD COLUMN "attributes" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "connection_id" uuid;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "routing_rule_id" uuid;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "rail_reference" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "rail_details" jsonb;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "failure_code" text;--> statement-breakpoint
ALTER TABLE "payment_connections" ADD CONSTRAINT "payment_connections_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_connections" ADD CONSTRAINT "payment_connections_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_connection_id_payment_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."payment_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_fallback_connection_id_payment_connections_id_fk" FOREIGN KEY ("fallback_connection_id") REFERENCES "public"."payment_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_file_entries" ADD CONSTRAINT "bank_file_entries_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_file_entries" ADD CONSTRAINT "bank_file_entries_bank_file_id_bank_files_id_fk" FOREIGN KEY ("bank_file_id") REFERENCES "public"."bank_files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_file_entries" ADD CONSTRAINT "bank_file_entries_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_files" ADD CONSTRAINT "bank_files_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_files" ADD CONSTRAINT "bank_files_connection_id_payment_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."payment_connections"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_files" ADD CONSTRAINT "bank_files_imported_by_users_id_fk" FOREIGN KEY ("imported_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_connections_org_name_key" ON "payment_connections" USING btree ("org_id",lower("name"));--> statement-breakpoint
CREATE INDEX "payment_connections_org_rail_idx" ON "payment_connections" USING btree ("org_id","rail_type");--> statement-breakpoint
CREATE INDEX "routing_rules_org_position_idx" ON "routing_rules" USING btree ("org_id","position","id");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_file_entries_file_index_key" ON "bank_file_entries" USING btree ("bank_file_id","entry_index");--> statement-breakpoint
CREATE INDEX "bank_file_entries_org_outcome_idx" ON "bank_file_entries" USING btree ("org_id","outcome","created_at","id");--> statement-breakpoint
CREATE INDEX "bank_file_entries_payment_idx" ON "bank_file_entries" USING btree ("payment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_files_org_sha256_key" ON "bank_files" USING btree ("org_id","sha256");--> statement-breakpoint
CREATE INDEX "bank_files_org_imported_idx" ON "bank_files" USING btree ("org_id","imported_at","id");--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_connection_id_payment_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."payment_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_routing_rule_id_routing_rules_id_fk" FOREIGN KEY ("routing_rule_id") REFERENCES "public"."routing_rules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assets_org_kind_code_issuer_key" ON "assets" USING btree ("org_id","kind","code","issuer");--> statement-breakpoint
CREATE INDEX "receiver_wallets_org_destination_idx" ON "receiver_wallets" USING btree ("org_id","destination_kind","destination_value");--> statement-breakpoint
CREATE INDEX "payments_connection_idx" ON "payments" USING btree ("connection_id") WHERE "payments"."connection_id" is not null;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_decimals_check" CHECK ("assets"."decimals" between 0 and 7 and ("assets"."kind" = 'FIAT' or "assets"."decimals" = 7));--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_fiat_issuer_check" CHECK ("assets"."kind" = 'STELLAR' or "assets"."issuer" = '');--> statement-breakpoint
-- Every organization keeps paying as before: its Stellar distribution account becomes a connection and
-- one rule routes Stellar destinations to it (createOrganization does the same for new organizations).
INSERT INTO "payment_connections" ("org_id", "rail_type", "name") SELECT "id", 'STELLAR', 'Stellar distribution account' FROM "organizations";--> statement-breakpoint
INSERT INTO "routing_rules" ("org_id", "position", "name", "conditions", "connection_id") SELECT "org_id", 1, 'Stellar wallets', '{"destinationKinds":["STELLAR_ADDRESS"]}'::jsonb, "id" FROM "payment_connections";--> statement-breakpoint
-- Bank-account disbursements and payees have no wallet provider.
ALTER TABLE "receiver_wallets" ALTER COLUMN "wallet_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "disbursements" ALTER COLUMN "wallet_id" DROP NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "receiver_wallets_receiver_account_key" ON "receiver_wallets" USING btree ("receiver_id","destination_kind","destination_value") WHERE "receiver_wallets"."wallet_id" is null;--> statement-breakpoint
CREATE TYPE "public"."rail_batch_status" AS ENUM('CLAIMED', 'FUNDS_NOT_AVAILABLE', 'FUNDS_BLOCKED', 'SHIPPING', 'SHIPPED', 'AWAITING_UPLOAD', 'FAILED');--> statement-breakpoint
CREATE TABLE "rail_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"disbursement_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"rail_type" "rail_type" NOT NULL,
	"reference" text NOT NULL,
	"status" "rail_batch_status" DEFAULT 'CLAIMED' NOT NULL,
	"payment_count" integer NOT NULL,
	"amount" numeric(38, 7) NOT NULL,
	"currency" text NOT NULL,
	"funds_attempts" integer DEFAULT 0 NOT NULL,
	"funds_message" text,
	"funds_block_reference" text,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"leased_by" text,
	"lease_until" timestamp with time zone,
	"shipped_at" timestamp with time zone,
	"message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "rail_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "rail_batches" ADD CONSTRAINT "rail_batches_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rail_batches" ADD CONSTRAINT "rail_batches_connection_id_payment_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."payment_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rail_batches_connection_reference_key" ON "rail_batches" USING btree ("connection_id","reference");--> statement-breakpoint
CREATE INDEX "rail_batches_disbursement_idx" ON "rail_batches" USING btree ("disbursement_id","created_at","id");--> statement-breakpoint
CREATE INDEX "rail_batches_open_idx" ON "rail_batches" USING btree ("next_attempt_at") WHERE "rail_batches"."status" in ('CLAIMED', 'FUNDS_NOT_AVAILABLE', 'FUNDS_BLOCKED', 'SHIPPING');--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_rail_batch_id_rail_batches_id_fk" FOREIGN KEY ("rail_batch_id") REFERENCES "public"."rail_batches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payments_rail_batch_idx" ON "payments" USING btree ("rail_batch_id") WHERE "payments"."rail_batch_id" is not null;