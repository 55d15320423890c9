"use client";

import { Progress } from "@/components/ui/progress";
import { countPercent, formatAmount, formatCount, percentOf, type DisbursementDetail } from "./common";

function Stat({ label, value, sub, testId }: { label: string; value: React.ReactNode; sub?: React.ReactNode; testId?: string }) {
  return (
    <div className="rounded-lg border border-border bg-card p-4" data-testid={testId}>
      <p className="text-xs font-medium tracking-wide text-muted-foreground uppercase">{label}</p>
      <p className="mt-1 text-xl font-semibold tabular-nums">{value}</p>
      {sub ? <p className="mt-0.5 text-xs text-muted-foreground">{sub}</p> : null}
    </div>
  );
}

/** The disbursement's counts and amounts, and the progress bar of payments sent. */
export function DisbursementTotals({ d }: { d: DisbursementDetail }) {
  const code = d.asset.code;
  const amountPercent = percentOf(d.amount_disbursed, d.total_amount);
  return (
    <section aria-labelledby="totals-title" className="space-y-3">
      <h2 id="totals-title" className="sr-only">
        Totals
      </h2>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3">
        <Stat label="Total payments" value={formatCount(d.total_payments)} testId="total-payments" />
        <Stat label="Sent" value={formatCount(d.total_payments_sent)} testId="total-sent" />
        <Stat label="Failed" value={formatCount(d.total_payments_failed)} testId="total-failed" />
        <Stat label="Remaining" value={formatCount(d.total_payments_remaining)} testId="total-remaining" />
        <Stat
          label="Amount disbursed"
          testId="amount-disbursed"
          value={
            <>
              {formatAmount(d.amount_disbursed, d.asset.decimals)} <span className="text-sm font-normal text-muted-foreground">{code}</span>
            </>
          }
          sub={
            <span data-testid="total-amount">
              of {formatAmount(d.total_amount, d.asset.decimals)} {code}
            </span>
          }
        />
        <Stat
          label="Average amount"
          value={
            <>
              {formatAmount(d.average_amount)} <span className="text-sm font-normal text-muted-foreground">{code}</span>
            </>
          }
        />
      </div>
      <div className="space-y-1.5">
        <div className="flex flex-wrap justify-between gap-2 text-sm">
          <span id="progress-label" className="font-medium">
            Progress
          </span>
          <span className="text-muted-foreground tabular-nums">
            {formatCount(d.total_payments_sent)} of {formatCount(d.total_payments)} payments sent · {amountPercent}% of the amount
          </span>
        </div>
        <Progress
          aria-labelledby="progress-label"
          value={d.total_payments ? countPercent(d.total_payments_sent, d.total_payments) : 0}
          valueText={`${formatCount(d.total_payments_sent)} of ${formatCount(d.total_payments)} payments sent`}
          variant={d.status === "COMPLETED" ? "success" : "default"}
        />
      </div>
    </section>
  );
}
