"use client";

import { Badge } from "@/components/ui/badge";
import { OUTCOME_LABELS } from "@/server/domain/reconciliation";
import type { ReconciliationOutcome } from "@/server/domain/rails";

const VARIANT: Record<ReconciliationOutcome, "success" | "secondary" | "warning" | "destructive"> = {
  MATCHED: "success",
  ALREADY_APPLIED: "secondary",
  UNMATCHED: "warning",
  DUPLICATE: "destructive",
  AMOUNT_MISMATCH: "destructive",
  INVALID_STATE: "warning",
};

/** What reconciliation did with an entry (docs/rails.md, "Reconciliation"). */
export function OutcomeBadge({ outcome }: { outcome: ReconciliationOutcome }) {
  return (
    <Badge variant={VARIANT[outcome]} data-testid="outcome-badge">
      {OUTCOME_LABELS[outcome]}
    </Badge>
  );
}

export const FORMAT_LABELS: Record<string, string> = { PAIN002: "pain.002", CAMT053: "camt.053", CAMT054: "camt.054", MT940: "MT940" };
export const SOURCE_LABELS: Record<string, string> = { UPLOAD: "Upload", API: "API", BANK_PUSH: "Bank push" };

/** An entry's amount with its currency, or a dash. */
export function entryAmount(e: { amount: string | null; currency: string | null; direction: string }) {
  if (e.amount === null) return "—";
  // Money shows at least cents ("125.5" → "125.50"), as banks print it.
  const [whole, fraction = ""] = e.amount.split(".");
  const shown = `${whole}.${fraction.padEnd(2, "0")}`;
  return `${e.direction === "CREDIT" ? "+" : "−"}${shown} ${e.currency ?? ""}`.trim();
}
