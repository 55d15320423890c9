CREATE TYPE "public"."stellar_account_kind" AS ENUM('distribution', 'channel', 'issuer');--> statement-breakpoint
CREATE TYPE "public"."stellar_transaction_status" AS ENUM('BUILT', 'SUBMITTED', 'SUCCESS', 'FAILED', 'EXPIRED');--> statement-breakpoint
CREATE TABLE "stellar_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"network" text NOT NULL,
	"kind" "stellar_account_kind" NOT NULL,
	"public_key" text NOT NULL,
	"encrypted_secret" text NOT NULL,
	"sponsor_public_key" text,
	"activated_at" timestamp with time zone,
	"locked_by_tx" uuid,
	"locked_until_ledger" integer,
	"sequence" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stellar_transaction_payments" (
	"transaction_id" uuid NOT NULL,
	"payment_id" uuid NOT NULL,
	"op_index" integer NOT NULL,
	CONSTRAINT "stellar_transaction_payments_transaction_id_op_index_pk" PRIMARY KEY("transaction_id","op_index")
);
--> statement-breakpoint
CREATE TABLE "stellar_transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"network" text NOT NULL,
	"channel_account_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	"hash" text NOT NULL,
	"inner_hash" text NOT NULL,
	"envelope_xdr" text NOT NULL,
	"status" "stellar_transaction_status" DEFAULT 'BUILT' NOT NULL,
	"sequence" bigint NOT NULL,
	"max_time" timestamp with time zone NOT NULL,
	"max_ledger" integer NOT NULL,
	"operation_count" integer NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"result_code" text,
	"result_xdr" text,
	"ledger" integer,
	"paging_token" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stellar_accounts" ADD CONSTRAINT "stellar_accounts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stellar_transaction_payments" ADD CONSTRAINT "stellar_transaction_payments_transaction_id_stellar_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."stellar_transactions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stellar_transaction_payments" ADD CONSTRAINT "stellar_transaction_payments_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stellar_transactions" ADD CONSTRAINT "stellar_transactions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stellar_transactions" ADD CONSTRAINT "stellar_transactions_channel_account_id_stellar_accounts_id_fk" FOREIGN KEY ("channel_account_id") REFERENCES "public"."stellar_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stellar_transactions" ADD CONSTRAINT "stellar_transactions_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "stellar_accounts_public_key_key" ON "stellar_accounts" USING btree ("public_key");--> statement-breakpoint
CREATE UNIQUE INDEX "stellar_accounts_org_distribution_key" ON "stellar_accounts" USING btree ("org_id","network") WHERE "stellar_accounts"."kind" = 'distribution';--> statement-breakpoint
CREATE INDEX "stellar_accounts_org_kind_idx" ON "stellar_accounts" USING btree ("org_id","network","kind");--> statement-breakpoint
CREATE INDEX "stellar_transaction_payments_payment_idx" ON "stellar_transaction_payments" USING btree ("payment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "stellar_transactions_hash_key" ON "stellar_transactions" USING btree ("hash");--> statement-breakpoint
CREATE INDEX "stellar_transactions_open_idx" ON "stellar_transactions" USING btree ("next_attempt_at") WHERE "stellar_transactions"."status" in ('BUILT', 'SUBMITTED');--> statement-breakpoint
CREATE INDEX "stellar_transactions_org_created_idx" ON "stellar_transactions" USING btree ("org_id","created_at");