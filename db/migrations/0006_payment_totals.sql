CREATE TABLE "disbursement_payment_totals" (
	"disbursement_id" uuid NOT NULL,
	"status" "payment_status" NOT NULL,
	"org_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	"payment_count" bigint DEFAULT 0 NOT NULL,
	"amount" numeric(38, 7) DEFAULT '0' NOT NULL,
	CONSTRAINT "disbursement_payment_totals_disbursement_id_status_pk" PRIMARY KEY("disbursement_id","status")
);
--> statement-breakpoint
ALTER TABLE "disbursement_payment_totals" ADD CONSTRAINT "disbursement_payment_totals_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursement_payment_totals" ADD CONSTRAINT "disbursement_payment_totals_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursement_payment_totals" ADD CONSTRAINT "disbursement_payment_totals_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "disbursement_payment_totals_org_asset_idx" ON "disbursement_payment_totals" USING btree ("org_id","asset_id");--> statement-breakpoint
-- Every disbursement gets one totals row per payment status when it is created, so the payment
-- triggers below only ever update existing rows: no foreign-key check (and no key-share lock on the
-- disbursement) happens while payments move (docs/performance.md, "Lock order").
CREATE FUNCTION disbursement_payment_totals_seed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO disbursement_payment_totals (disbursement_id, status, org_id, asset_id)
  SELECT NEW.id, s, NEW.org_id, NEW.asset_id FROM unnest(enum_range(NULL::payment_status)) AS s
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER disbursements_seed_payment_totals AFTER INSERT ON disbursements FOR EACH ROW EXECUTE FUNCTION disbursement_payment_totals_seed();
--> statement-breakpoint
-- Statement-level triggers with transition tables: one set-based upsert per statement, whatever its size.
-- Rows are applied in (disbursement_id, status) order so concurrent statements lock them in one order.
CREATE FUNCTION payment_totals_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO disbursement_payment_totals AS t (disbursement_id, status, org_id, asset_id, payment_count, amount)
  SELECT n.disbursement_id, n.status, n.org_id, n.asset_id, count(*), sum(n.amount)
  FROM new_rows n GROUP BY n.disbursement_id, n.status, n.org_id, n.asset_id ORDER BY n.disbursement_id, n.status
  ON CONFLICT (disbursement_id, status) DO UPDATE SET payment_count = t.payment_count + excluded.payment_count, amount = t.amount + excluded.amount;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION payment_totals_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO disbursement_payment_totals AS t (disbursement_id, status, org_id, asset_id, payment_count, amount)
  SELECT d.disbursement_id, d.status, d.org_id, d.asset_id, sum(d.n), sum(d.amount)
  FROM (
    SELECT o.disbursement_id, o.status, o.org_id, o.asset_id, -1 AS n, -o.amount AS amount
    FROM old_rows o JOIN new_rows nw ON nw.id = o.id
    WHERE o.status <> nw.status OR o.amount <> nw.amount OR o.disbursement_id <> nw.disbursement_id
    UNION ALL
    SELECT nw.disbursement_id, nw.status, nw.org_id, nw.asset_id, 1, nw.amount
    FROM old_rows o JOIN new_rows nw ON nw.id = o.id
    WHERE o.status <> nw.status OR o.amount <> nw.amount OR o.disbursement_id <> nw.disbursement_id
  ) d
  GROUP BY d.disbursement_id, d.status, d.org_id, d.asset_id
  HAVING sum(d.n) <> 0 OR sum(d.amount) <> 0
  ORDER BY d.disbursement_id, d.status
  ON CONFLICT (disbursement_id, status) DO UPDATE SET payment_count = t.payment_count + excluded.payment_count, amount = t.amount + excluded.amount;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Deletes only decrement rows that still exist (a deleted disbursement's totals go with it by cascade).
CREATE FUNCTION payment_totals_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE disbursement_payment_totals t SET payment_count = t.payment_count - o.n, amount = t.amount - o.amount
  FROM (SELECT disbursement_id, status, count(*) AS n, sum(amount) AS amount FROM old_rows GROUP BY disbursement_id, status) o
  WHERE t.disbursement_id = o.disbursement_id AND t.status = o.status;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER payments_totals_insert AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_totals_after_insert();
--> statement-breakpoint
CREATE TRIGGER payments_totals_update AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_totals_after_update();
--> statement-breakpoint
CREATE TRIGGER payments_totals_delete AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_totals_after_delete();
--> statement-breakpoint
-- Existing data: seed every disbursement's rows, then add its payments.
INSERT INTO disbursement_payment_totals (disbursement_id, status, org_id, asset_id)
SELECT d.id, s, d.org_id, d.asset_id FROM disbursements d CROSS JOIN unnest(enum_range(NULL::payment_status)) AS s;
--> statement-breakpoint
UPDATE disbursement_payment_totals t SET payment_count = p.n, amount = p.amount
FROM (SELECT disbursement_id, status, count(*) AS n, sum(amount) AS amount FROM payments GROUP BY disbursement_id, status) p
WHERE t.disbursement_id = p.disbursement_id AND t.status = p.status;
