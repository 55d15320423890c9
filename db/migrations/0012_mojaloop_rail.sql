CREATE TYPE "public"."mojaloop_bulk_state" AS ENUM('QUOTING', 'QUOTED', 'TRANSFERRING', 'COMPLETED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."mojaloop_party_status" AS ENUM('PENDING', 'RESOLVED', 'NOT_FOUND', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."mojaloop_transfer_state" AS ENUM('QUOTING', 'QUOTED', 'TRANSFERRING', 'COMMITTED', 'FAILED');--> statement-breakpoint
ALTER TYPE "public"."registration_contact_type" ADD VALUE 'DIRECT_PHONE';--> statement-breakpoint
ALTER TYPE "public"."rail_batch_status" ADD VALUE 'QUOTING';--> statement-breakpoint
ALTER TYPE "public"."rail_batch_status" ADD VALUE 'COMPLETED';--> statement-breakpoint
ALTER TYPE "public"."rail_type" ADD VALUE 'MOJALOOP';--> statement-breakpoint
CREATE TABLE "mojaloop_bulks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"rail_batch_id" uuid NOT NULL,
	"payee_fsp" text NOT NULL,
	"state" "mojaloop_bulk_state" DEFAULT 'QUOTING' NOT NULL,
	"bulk_quote_id" uuid NOT NULL,
	"quote_expires_at" timestamp with time zone,
	"bulk_transfer_id" uuid,
	"transfer_expires_at" timestamp with time zone,
	"requested_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"leased_by" text,
	"lease_until" timestamp with time zone,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mojaloop_parties" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"party_id_type" text NOT NULL,
	"party_identifier" text NOT NULL,
	"status" "mojaloop_party_status" DEFAULT 'PENDING' NOT NULL,
	"fsp_id" text,
	"name" text,
	"error_code" text,
	"error_message" text,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mojaloop_transfers" (
	"payment_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"bulk_id" uuid,
	"transfer_id" uuid NOT NULL,
	"quote_id" uuid NOT NULL,
	"transaction_id" uuid NOT NULL,
	"party_id_type" text NOT NULL,
	"party_identifier" text NOT NULL,
	"payee_fsp" text,
	"payee_name" text,
	"amount" numeric(38, 7) NOT NULL,
	"currency" text NOT NULL,
	"transfer_amount" numeric(38, 7),
	"payee_fsp_fee" numeric(38, 7),
	"ilp_packet" text,
	"condition" text,
	"fulfilment" text,
	"state" "mojaloop_transfer_state" DEFAULT 'QUOTING' NOT NULL,
	"error_code" text,
	"error_message" text,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mojaloop_bulks" ADD CONSTRAINT "mojaloop_bulks_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mojaloop_bulks" ADD CONSTRAINT "mojaloop_bulks_connection_id_payment_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."payment_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mojaloop_parties" ADD CONSTRAINT "mojaloop_parties_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mojaloop_parties" ADD CONSTRAINT "mojaloop_parties_connection_id_payment_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."payment_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mojaloop_transfers" ADD CONSTRAINT "mojaloop_transfers_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mojaloop_bulks_bulk_quote_key" ON "mojaloop_bulks" USING btree ("bulk_quote_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mojaloop_bulks_bulk_transfer_key" ON "mojaloop_bulks" USING btree ("bulk_transfer_id") WHERE "mojaloop_bulks"."bulk_transfer_id" is not null;--> statement-breakpoint
CREATE INDEX "mojaloop_bulks_batch_idx" ON "mojaloop_bulks" USING btree ("rail_batch_id");--> statement-breakpoint
CREATE INDEX "mojaloop_bulks_open_idx" ON "mojaloop_bulks" USING btree ("next_attempt_at") WHERE "mojaloop_bulks"."state" in ('QUOTING', 'QUOTED', 'TRANSFERRING');--> statement-breakpoint
CREATE UNIQUE INDEX "mojaloop_parties_connection_party_key" ON "mojaloop_parties" USING btree ("connection_id","party_id_type","party_identifier");--> statement-breakpoint
CREATE UNIQUE INDEX "mojaloop_transfers_transfer_key" ON "mojaloop_transfers" USING btree ("transfer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mojaloop_transfers_quote_key" ON "mojaloop_transfers" USING btree ("quote_id");--> statement-breakpoint
CREATE INDEX "mojaloop_transfers_bulk_idx" ON "mojaloop_transfers" USING btree ("bulk_id") WHERE "mojaloop_transfers"."bulk_id" is not null;