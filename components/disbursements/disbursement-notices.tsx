"use client";

import { Ban, CalendarClock, ShieldCheck, Wallet } from "lucide-react";
import Link from "next/link";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { fieldErrorsOf, hasReason, messageOf } from "@/components/trpc/errors";
import { pluralWord } from "@/lib/format";
import { DateTime, formatAmount, formatCount, type DisbursementDetail } from "./common";

export type StartBlocked = { title: string; body: React.ReactNode; envelope?: true };

/** The alerts above the totals: cancelled, why Start is missing, a failed status change, a success notice. */
export function DisbursementNotices({
  d,
  startBlocked,
  statusError,
  notice,
}: {
  d: DisbursementDetail;
  startBlocked: StartBlocked | null;
  statusError: unknown;
  notice: string | null;
}) {
  const code = d.asset.code;
  const statusErrors = fieldErrorsOf(statusError);
  return (
    <>
      {d.status === "CANCELED" && (
        <Alert data-testid="cancelled-notice">
          <Ban aria-hidden />
          <AlertTitle>Cancelled</AlertTitle>
          <AlertDescription>
            <p>
              This disbursement was cancelled
              {d.envelope.cancellation_time_stamp ? (
                <>
                  {" "}
                  on <DateTime value={d.envelope.cancellation_time_stamp} />
                </>
              ) : null}
              , with {formatCount(d.envelope.cancelled_count)} {pluralWord(d.envelope.cancelled_count, "payment")}. Cancellation is final: nothing of it will be sent.
            </p>
          </AlertDescription>
        </Alert>
      )}

      {startBlocked && (
        <Alert data-testid="start-blocked">
          {startBlocked.envelope ? <CalendarClock aria-hidden /> : <ShieldCheck aria-hidden />}
          <AlertTitle>{startBlocked.title}</AlertTitle>
          <AlertDescription>{startBlocked.body}</AlertDescription>
        </Alert>
      )}

      {statusError ? (
        hasReason(statusError, "INSUFFICIENT_BALANCE") ? (
          <Alert variant="destructive" data-testid="insufficient-balance">
            <Wallet aria-hidden />
            <AlertTitle>Not enough {code} in the distribution account</AlertTitle>
            <AlertDescription className="space-y-1">
              {statusErrors.shortfall ? (
                <p>
                  It is short of{" "}
                  <strong>
                    {formatAmount(statusErrors.shortfall)} {code}
                  </strong>
                  {statusErrors.available && statusErrors.required
                    ? `: ${formatAmount(statusErrors.available)} available, ${formatAmount(statusErrors.required)} needed for this disbursement and the other payments waiting to go out.`
                    : "."}
                </p>
              ) : (
                <p>{messageOf(statusError)}</p>
              )}
              <p>
                Add funds on the{" "}
                <Link href="/distribution-account" className="font-medium underline">
                  distribution account
                </Link>{" "}
                page, then try again.
              </p>
            </AlertDescription>
          </Alert>
        ) : (
          <Alert variant="destructive">
            <AlertTitle>The status was not changed</AlertTitle>
            <AlertDescription>{messageOf(statusError)}</AlertDescription>
          </Alert>
        )
      ) : null}
      {notice && (
        <Alert variant="success">
          <AlertDescription className="text-success">{notice}</AlertDescription>
        </Alert>
      )}
    </>
  );
}
