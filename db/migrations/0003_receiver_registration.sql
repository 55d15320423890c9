CREATE TYPE "public"."message_channel" AS ENUM('EMAIL', 'SMS');--> statement-breakpoint
CREATE TYPE "public"."message_status" AS ENUM('PENDING', 'SUCCESS', 'FAILURE');--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"receiver_id" uuid,
	"receiver_wallet_id" uuid,
	"disbursement_id" uuid,
	"type" text NOT NULL,
	"channel" "message_channel" NOT NULL,
	"transport" text NOT NULL,
	"destination" text NOT NULL,
	"subject" text,
	"body" text NOT NULL,
	"status" "message_status" DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sep24_transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"receiver_wallet_id" uuid,
	"stellar_account" text NOT NULL,
	"stellar_memo" text,
	"client_domain" text,
	"asset_code" text,
	"status" text DEFAULT 'incomplete' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "invitations_enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "invitation_resend_interval_hours" integer DEFAULT 72 NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "invitation_max_resends" integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "invitations_sent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "last_invitation_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "registration_nonce" text;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "otp_hash" text;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "otp_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "otp_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "receiver_wallets" ADD COLUMN "otp_confirmed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_receiver_id_receivers_id_fk" FOREIGN KEY ("receiver_id") REFERENCES "public"."receivers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_receiver_wallet_id_receiver_wallets_id_fk" FOREIGN KEY ("receiver_wallet_id") REFERENCES "public"."receiver_wallets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sep24_transactions" ADD CONSTRAINT "sep24_transactions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sep24_transactions" ADD CONSTRAINT "sep24_transactions_receiver_wallet_id_receiver_wallets_id_fk" FOREIGN KEY ("receiver_wallet_id") REFERENCES "public"."receiver_wallets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_org_created_idx" ON "messages" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_receiver_idx" ON "messages" USING btree ("receiver_id");--> statement-breakpoint
CREATE INDEX "messages_pending_idx" ON "messages" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "sep24_transactions_org_idx" ON "sep24_transactions" USING btree ("org_id","created_at");