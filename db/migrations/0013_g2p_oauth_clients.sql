CREATE TABLE "g2p_oauth_clients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"sender_row_id" uuid NOT NULL,
	"name" text NOT NULL,
	"client_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "g2p_oauth_failures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"client_id" text NOT NULL,
	"ip" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "g2p_oauth_clients" ADD CONSTRAINT "g2p_oauth_clients_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_oauth_clients" ADD CONSTRAINT "g2p_oauth_clients_sender_row_id_g2p_senders_id_fk" FOREIGN KEY ("sender_row_id") REFERENCES "public"."g2p_senders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "g2p_oauth_clients" ADD CONSTRAINT "g2p_oauth_clients_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "g2p_oauth_clients_client_id_key" ON "g2p_oauth_clients" USING btree ("client_id");--> statement-breakpoint
CREATE INDEX "g2p_oauth_clients_org_idx" ON "g2p_oauth_clients" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "g2p_oauth_failures_client_ip_time_idx" ON "g2p_oauth_failures" USING btree ("client_id","ip","created_at");--> statement-breakpoint
CREATE INDEX "g2p_oauth_failures_ip_time_idx" ON "g2p_oauth_failures" USING btree ("ip","created_at");