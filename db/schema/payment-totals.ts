import { bigint, index, numeric, pgTable, primaryKey, uuid } from "drizzle-orm/pg-core";
import { assets } from "./catalog";
import { disbursements, paymentStatusEnum } from "./disbursements";
import { organizations } from "./organizations";

/**
 * Count and sum of a disbursement's payments per status, maintained by statement-level triggers on
 * `payments` (migration 0006_payment_totals) in the same transaction as every insert, status or amount
 * change and delete, so lists and detail pages read totals instead of aggregating every payment.
 * `npm run cli -- check-totals` recomputes them from the rows (docs/performance.md).
 */
export const disbursementPaymentTotals = pgTable(
  "disbursement_payment_totals",
  {
    disbursementId: uuid()
      .notNull()
      .references(() => disbursements.id, { onDelete: "cascade" }),
    status: paymentStatusEnum().notNull(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    assetId: uuid()
      .notNull()
      .references(() => assets.id, { onDelete: "restrict" }),
    paymentCount: bigint({ mode: "number" }).notNull().default(0),
    amount: numeric({ precision: 38, scale: 7 }).notNull().default("0"),
  },
  (t) => [primaryKey({ columns: [t.disbursementId, t.status] }), index("disbursement_payment_totals_org_asset_idx").on(t.orgId, t.assetId)],
);

export type DisbursementPaymentTotal = typeof disbursementPaymentTotals.$inferSelect;
