ALTER TYPE "public"."disbursement_status" ADD VALUE 'CANCELED';--> statement-breakpoint
CREATE TABLE "g2p_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"sender_row_id" uuid NOT NULL,
	"g2p_transaction_id" uuid NOT NULL,
	"payment_id" uuid NOT NULL,
	"reference_id" text NOT NULL,
	"request" jsonb NOT NULL,
	"reported_status" text,
	"reported_at" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "g2p_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"sender_row_id" uuid,
	"sender_id" text,
	"direction" text NOT NULL,
	"endpoint" text NOT NULL,
	"action" text,
	"message_id" text NOT NULL,
	"correlation_id" text,
	"transaction_id" text,
	"status" text NOT NULL,
	"error_code" text,
	"error_message" text,
	"item_count" integer DEFAULT 0 NOT NULL,
	"body" jsonb NOT NULL,
	"url" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_http_status" integer,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "g2p_senders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"sender_id" text NOT NULL,
	"name" text NOT NULL,
	"callback_url" text NOT NULL,
	"public_key" text NOT NULL,
	"wallet_id" uuid NOT NULL,
	"default_asset_id" uuid,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "g2p_transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"sender_row_id" uuid NOT NULL,
	"transaction_id" text NOT NULL,
	"disbursement_id" uuid NOT NULL,
	"callback_base" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "disbursements" ADD COLUMN "declared_count" integer;--> statement-breakpoint
ALTER TABLE "disbursements" ADD COLUMN "declared_total" numeric(19, 7);--> statement-breakpoint
ALTER TABLE "disbursements" ADD COLUMN "scheduled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "disbursements" ADD COLUMN "auto_start" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "disbursements" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "g2p_items" ADD CONSTRAINT "g2p_items_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_items" ADD CONSTRAINT "g2p_items_sender_row_id_g2p_senders_id_fk" FOREIGN KEY ("sender_row_id") REFERENCES "public"."g2p_senders"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_items" ADD CONSTRAINT "g2p_items_g2p_transaction_id_g2p_transactions_id_fk" FOREIGN KEY ("g2p_transaction_id") REFERENCES "public"."g2p_transactions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_items" ADD CONSTRAINT "g2p_items_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_messages" ADD CONSTRAINT "g2p_messages_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_messages" ADD CONSTRAINT "g2p_messages_sender_row_id_g2p_senders_id_fk" FOREIGN KEY ("sender_row_id") REFERENCES "public"."g2p_senders"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_senders" ADD CONSTRAINT "g2p_senders_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_senders" ADD CONSTRAINT "g2p_senders_wallet_id_wallets_id_fk" FOREIGN KEY ("wallet_id") REFERENCES "public"."wallets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_senders" ADD CONSTRAINT "g2p_senders_default_asset_id_assets_id_fk" FOREIGN KEY ("default_asset_id") REFERENCES "public"."assets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_senders" ADD CONSTRAINT "g2p_senders_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_transactions" ADD CONSTRAINT "g2p_transactions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_transactions" ADD CONSTRAINT "g2p_transactions_sender_row_id_g2p_senders_id_fk" FOREIGN KEY ("sender_row_id") REFERENCES "public"."g2p_senders"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_transactions" ADD CONSTRAINT "g2p_transactions_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "g2p_items_sender_reference_key" ON "g2p_items" USING btree ("sender_row_id","reference_id");--> statement-breakpoint
CREATE UNIQUE INDEX "g2p_items_payment_key" ON "g2p_items" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "g2p_items_transaction_idx" ON "g2p_items" USING btree ("g2p_transaction_id");--> statement-breakpoint
CREATE INDEX "g2p_messages_org_created_idx" ON "g2p_messages" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "g2p_messages_accepted_message_key" ON "g2p_messages" USING btree ("sender_row_id","message_id") WHERE "g2p_messages"."direction" = 'inbound' and "g2p_messages"."status" = 'ACK';--> statement-breakpoint
CREATE INDEX "g2p_messages_outbox_idx" ON "g2p_messages" USING btree ("next_attempt_at") WHERE "g2p_messages"."direction" = 'outbound' and "g2p_messages"."status" = 'PENDING';--> statement-breakpoint
CREATE UNIQUE INDEX "g2p_senders_org_sender_key" ON "g2p_senders" USING btree ("org_id","sender_id");--> statement-breakpoint
CREATE UNIQUE INDEX "g2p_transactions_sender_txn_key" ON "g2p_transactions" USING btree ("sender_row_id","transaction_id");--> statement-breakpoint
CREATE UNIQUE INDEX "g2p_transactions_disbursement_key" ON "g2p_transactions" USING btree ("disbursement_id");