CREATE TYPE "public"."receiver_wallet_status" AS ENUM('DRAFT', 'READY', 'REGISTERED', 'FLAGGED');--> statement-breakpoint
CREATE TYPE "public"."verification_field" AS ENUM('DATE_OF_BIRTH', 'YEAR_MONTH', 'PIN', 'NATIONAL_ID_NUMBER');--> statement-breakpoint
CREATE TYPE "public"."disbursement_status" AS ENUM('DRAFT', 'READY', 'STARTED', 'PAUSED', 'COMPLETED');--> statement-breakpoint
CREATE TYPE "public"."payment_status" AS ENUM('DRAFT', 'READY', 'PENDING', 'PAUSED', 'SUCCESS', 'FAILED', 'CANCELED');--> statement-breakpoint
CREATE TYPE "public"."registration_contact_type" AS ENUM('EMAIL', 'PHONE_NUMBER', 'EMAIL_AND_WALLET_ADDRESS', 'PHONE_NUMBER_AND_WALLET_ADDRESS');--> statement-breakpoint
CREATE TABLE "assets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"code" text NOT NULL,
	"issuer" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wallet_assets" (
	"wallet_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	CONSTRAINT "wallet_assets_wallet_id_asset_id_pk" PRIMARY KEY("wallet_id","asset_id")
);
--> statement-breakpoint
CREATE TABLE "wallets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"homepage" text NOT NULL,
	"deep_link_schema" text NOT NULL,
	"sep10_client_domain" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "receiver_verifications" (
	"receiver_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"verification_field" "verification_field" NOT NULL,
	"hashed_value" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"confirmed_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "receiver_verifications_receiver_id_verification_field_pk" PRIMARY KEY("receiver_id","verification_field")
);
--> statement-breakpoint
CREATE TABLE "receiver_wallets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"receiver_id" uuid NOT NULL,
	"wallet_id" uuid NOT NULL,
	"status" "receiver_wallet_status" DEFAULT 'DRAFT' NOT NULL,
	"stellar_address" text,
	"stellar_memo" text,
	"status_history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "receivers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"phone_number" text,
	"email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "disbursement_files" (
	"disbursement_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text DEFAULT 'text/csv' NOT NULL,
	"content" "bytea" NOT NULL,
	"size_bytes" integer NOT NULL,
	"row_count" integer NOT NULL,
	"uploaded_by" uuid,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "disbursements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"wallet_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	"status" "disbursement_status" DEFAULT 'DRAFT' NOT NULL,
	"registration_contact_type" "registration_contact_type" NOT NULL,
	"verification_field" "verification_field",
	"receiver_registration_message_template" text,
	"status_history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"file_name" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"disbursement_id" uuid NOT NULL,
	"receiver_id" uuid NOT NULL,
	"receiver_wallet_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	"amount" numeric(19, 7) NOT NULL,
	"status" "payment_status" DEFAULT 'DRAFT' NOT NULL,
	"status_message" text,
	"status_history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"external_payment_id" text,
	"line_number" integer,
	"stellar_transaction_hash" text,
	"stellar_operation_id" text,
	"sender_address" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"allowed_ips" text[] DEFAULT '{}' NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallet_assets" ADD CONSTRAINT "wallet_assets_wallet_id_wallets_id_fk" FOREIGN KEY ("wallet_id") REFERENCES "public"."wallets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallet_assets" ADD CONSTRAINT "wallet_assets_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receiver_verifications" ADD CONSTRAINT "receiver_verifications_receiver_id_receivers_id_fk" FOREIGN KEY ("receiver_id") REFERENCES "public"."receivers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receiver_verifications" ADD CONSTRAINT "receiver_verifications_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD CONSTRAINT "receiver_wallets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD CONSTRAINT "receiver_wallets_receiver_id_receivers_id_fk" FOREIGN KEY ("receiver_id") REFERENCES "public"."receivers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD CONSTRAINT "receiver_wallets_wallet_id_wallets_id_fk" FOREIGN KEY ("wallet_id") REFERENCES "public"."wallets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receivers" ADD CONSTRAINT "receivers_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursement_files" ADD CONSTRAINT "disbursement_files_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursement_files" ADD CONSTRAINT "disbursement_files_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursement_files" ADD CONSTRAINT "disbursement_files_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursements" ADD CONSTRAINT "disbursements_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursements" ADD CONSTRAINT "disbursements_wallet_id_wallets_id_fk" FOREIGN KEY ("wallet_id") REFERENCES "public"."wallets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursements" ADD CONSTRAINT "disbursements_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursements" ADD CONSTRAINT "disbursements_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_receiver_id_receivers_id_fk" FOREIGN KEY ("receiver_id") REFERENCES "public"."receivers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_receiver_wallet_id_receiver_wallets_id_fk" FOREIGN KEY ("receiver_wallet_id") REFERENCES "public"."receiver_wallets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assets_org_code_issuer_key" ON "assets" USING btree ("org_id","code","issuer");--> statement-breakpoint
CREATE INDEX "wallet_assets_asset_idx" ON "wallet_assets" USING btree ("asset_id");--> statement-breakpoint
CREATE UNIQUE INDEX "wallets_org_name_key" ON "wallets" USING btree ("org_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "receiver_wallets_receiver_wallet_key" ON "receiver_wallets" USING btree ("receiver_id","wallet_id");--> statement-breakpoint
CREATE INDEX "receiver_wallets_org_address_idx" ON "receiver_wallets" USING btree ("org_id","stellar_address");--> statement-breakpoint
CREATE UNIQUE INDEX "receivers_org_phone_key" ON "receivers" USING btree ("org_id","phone_number") WHERE "receivers"."phone_number" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "receivers_org_email_key" ON "receivers" USING btree ("org_id","email") WHERE "receivers"."email" is not null;--> statement-breakpoint
CREATE INDEX "receivers_org_external_id_idx" ON "receivers" USING btree ("org_id","external_id");--> statement-breakpoint
CREATE INDEX "receivers_org_created_idx" ON "receivers" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "disbursements_org_name_key" ON "disbursements" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "disbursements_org_status_idx" ON "disbursements" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "disbursements_org_created_idx" ON "disbursements" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "payments_disbursement_status_idx" ON "payments" USING btree ("disbursement_id","status");--> statement-breakpoint
CREATE INDEX "payments_org_status_idx" ON "payments" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "payments_org_created_idx" ON "payments" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "payments_receiver_idx" ON "payments" USING btree ("receiver_id");--> statement-breakpoint
CREATE INDEX "payments_receiver_wallet_idx" ON "payments" USING btree ("receiver_wallet_id");--> statement-breakpoint
CREATE INDEX "payments_ready_idx" ON "payments" USING btree ("status") WHERE "payments"."status" = 'READY';--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "api_keys_org_idx" ON "api_keys" USING btree ("org_id");