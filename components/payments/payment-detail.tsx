"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { ArrowLeft, Ban, CircleAlert, RotateCcw } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { CopyValue, DateTime, Detail, DisbursementStatusBadge, formatAmount, PaymentStatusBadge, shortId, WalletStatusBadge } from "@/components/disbursements/common";
import { StatusTimeline } from "@/components/disbursements/status-timeline";
import { splitStatusMessage, TransactionHash } from "@/components/stellar/links";
import { paymentCancellationProblem } from "@/server/domain/g2p/envelope-rules";
import { contactOf } from "./payments-table";
import { TrackingCard } from "./payment-tracking-card";
import { BankAccountDetails, isBankDestination, walletLabel } from "@/components/receivers/destination-text";

type Action = "cancel" | "retry";

export function PaymentDetailView({ id, canCancel, canRetry }: { id: string; canCancel: boolean; canRetry: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: p } = useSuspenseQuery({
    ...trpc.payments.get.queryOptions({ id }),
    // In flight (or queued in a sending disbursement): follow it until it settles.
    refetchInterval: (q) => {
      const data = q.state.data;
      return data && (data.status === "PENDING" || (data.status === "READY" && data.disbursement.status === "STARTED")) ? 3000 : false;
    },
  });
  const [confirm, setConfirm] = useState<Action | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.payments.get.queryKey({ id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.payments.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.disbursements.get.queryKey({ id: p.disbursement.id }) }),
    ]);
  const cancel = useMutation(trpc.payments.cancel.mutationOptions());
  const retry = useMutation(trpc.payments.retry.mutationOptions());
  const pending = cancel.isPending || retry.isPending;
  const error = cancel.error ?? retry.error;
  const receiver = p.receiver_wallet.receiver;
  const amount = `${formatAmount(p.amount)} ${p.asset.code}`;
  const failure = splitStatusMessage(p.status_message);
  // A payment of a scheduled envelope may be cancelled before the schedule date (also while DRAFT);
  // any other only while READY. The server decides again.
  const cancellable = p.disbursement.scheduled_at
    ? paymentCancellationProblem({ status: p.disbursement.status, scheduledAt: new Date(p.disbursement.scheduled_at) }, p.status, new Date()) === null
    : p.status === "READY";

  function run(action: Action) {
    setNotice(null);
    const done = {
      onSuccess: () => {
        setNotice(action === "cancel" ? "The payment was canceled." : "The payment is queued to be sent again.");
        return refresh();
      },
      onSettled: () => setConfirm(null),
    };
    if (action === "cancel") cancel.mutate({ id }, done);
    else retry.mutate({ payment_ids: [id] }, done);
  }

  return (
    <div className="space-y-6">
      <div>
        <Link href="/payments" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeft aria-hidden className="size-4" />
          Payments
        </Link>
      </div>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <p className="text-sm text-muted-foreground">
            Payment <code title={p.id}>{shortId(p.id)}</code>
          </p>
          <div className="mt-1 flex flex-wrap items-center gap-3">
            <h1 className="text-2xl font-semibold tracking-tight tabular-nums">{amount}</h1>
            <PaymentStatusBadge status={p.status} data-testid="payment-status" className="text-sm" />
          </div>
          <p className="mt-1 text-sm text-muted-foreground">
            to {contactOf(receiver)} in {p.disbursement.name}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {canRetry && p.status === "FAILED" && (
            <Button onClick={() => setConfirm("retry")}>
              <RotateCcw aria-hidden />
              Retry
            </Button>
          )}
          {canCancel && cancellable && (
            <Button variant="outline" className="text-destructive" onClick={() => setConfirm("cancel")}>
              <Ban aria-hidden />
              Cancel payment
            </Button>
          )}
        </div>
      </div>

      {p.status === "FAILED" && failure ? (
        <Alert variant="destructive" data-testid="payment-failure">
          <CircleAlert aria-hidden />
          <AlertTitle>This payment failed</AlertTitle>
          <AlertDescription className="space-y-1">
            <p data-testid="failure-reason">{failure.text}</p>
            {p.bank_reply
              ? p.failure_error_code && (
                  <p className="text-xs">
                    Bank reason code: <code data-testid="bank-failure-code">{p.failure_error_code}</code>
                  </p>
                )
              : failure.code && (
                  <p className="text-xs">
                    Stellar result code: <code>{failure.code}</code>
                  </p>
                )}
          </AlertDescription>
        </Alert>
      ) : p.status_message ? (
        <Alert>
          <AlertDescription className="text-foreground">
            <span className="font-medium">Status message:</span> {p.status_message}
          </AlertDescription>
        </Alert>
      ) : null}
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{messageOf(error)}</AlertDescription>
        </Alert>
      )}
      {notice && (
        <Alert variant="success">
          <AlertDescription className="text-success">{notice}</AlertDescription>
        </Alert>
      )}

      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <Card>
            <CardHeader>
              <CardTitle asChild>
                <h2>Payment</h2>
              </CardTitle>
            </CardHeader>
            <CardContent>
              <dl className="grid gap-4 sm:grid-cols-2">
                <Detail term="Amount">{amount}</Detail>
                <Detail term="Asset">
                  {p.asset.code}{" "}
                  {p.asset.issuer ? <CopyValue value={p.asset.issuer} label="asset issuer" head={4} tail={4} /> : <span className="text-muted-foreground">(native)</span>}
                </Detail>
                <Detail term="Disbursement">
                  <span className="inline-flex flex-wrap items-center gap-2">
                    <Link href={`/disbursements/${p.disbursement.id}`} className="text-primary hover:underline">
                      {p.disbursement.name}
                    </Link>
                    <DisbursementStatusBadge status={p.disbursement.status} />
                  </span>
                </Detail>
                <Detail term="Line in the file">{p.line_number ?? "—"}</Detail>
                <Detail term="Your payment ID">{p.external_payment_id || "—"}</Detail>
                <Detail term="Created">
                  <DateTime value={p.created_at} />
                </Detail>
                {p.asset.kind === "STELLAR" && (
                  <>
                    <Detail term="Stellar transaction">
                      {p.stellar_transaction_id ? (
                        <span className="inline-flex flex-wrap items-center gap-2">
                          <TransactionHash hash={p.stellar_transaction_id} pending={p.status === "PENDING"} head={10} tail={10} />
                          {p.status === "PENDING" && <span className="text-xs text-muted-foreground">submitted, waiting for a ledger</span>}
                        </span>
                      ) : (
                        <NoTransaction status={p.status} />
                      )}
                    </Detail>
                    <Detail term="Operation id">{p.stellar_operation_id ? <code className="text-xs">{p.stellar_operation_id}</code> : "—"}</Detail>
                  </>
                )}
                {p.bank_reply && (
                  <Detail term="Bank reply">
                    <span data-testid="bank-reply" className="text-sm">
                      <code>{p.bank_reply.status}</code>
                      {p.bank_reply.reason_code ? ` (${p.bank_reply.reason_code})` : ""}
                      {p.bank_reply.booking_date ? `, booked ${p.bank_reply.booking_date}` : ""}
                      {p.bank_reply.bank_reference ? `, bank ref. ${p.bank_reply.bank_reference}` : ""}
                      {p.bank_reply.bank_file_id && (
                        <Link href={`/reconciliation/${p.bank_reply.bank_file_id}`} className="ml-1 text-primary hover:underline">
                          file
                        </Link>
                      )}
                    </span>
                  </Detail>
                )}
                <Detail term="Sender address">{p.sender_address ? <CopyValue value={p.sender_address} label="sender address" /> : "—"}</Detail>
                <Detail term="Last updated">
                  <DateTime value={p.updated_at} />
                </Detail>
              </dl>
            </CardContent>
          </Card>

          <TrackingCard p={p} />

          <Card>
            <CardHeader>
              <CardTitle asChild>
                <h2>Receiver</h2>
              </CardTitle>
            </CardHeader>
            <CardContent>
              <dl className="grid gap-4 sm:grid-cols-2">
                <Detail term="Contact">
                  <Link href={`/receivers/${receiver.id}`} className="text-primary hover:underline">
                    {contactOf(receiver)}
                  </Link>
                </Detail>
                <Detail term="External id">{receiver.external_id}</Detail>
                <Detail term="Wallet">
                  <span className="inline-flex flex-wrap items-center gap-2">
                    {walletLabel(p.receiver_wallet)}
                    <WalletStatusBadge status={p.receiver_wallet.status} />
                  </span>
                </Detail>
                {isBankDestination(p.receiver_wallet.destination) ? (
                  <Detail term="Bank account">
                    <BankAccountDetails destination={p.receiver_wallet.destination} />
                  </Detail>
                ) : (
                  <>
                    <Detail term="Wallet address">
                      {p.receiver_wallet.stellar_address ? (
                        <CopyValue value={p.receiver_wallet.stellar_address} label="wallet address" />
                      ) : (
                        <span className="text-muted-foreground">Not registered yet</span>
                      )}
                    </Detail>
                    <Detail term="Memo">{p.receiver_wallet.stellar_memo || "—"}</Detail>
                  </>
                )}
              </dl>
            </CardContent>
          </Card>
        </div>

        <Card className="h-fit">
          <CardHeader>
            <CardTitle asChild>
              <h2>Status history</h2>
            </CardTitle>
          </CardHeader>
          <CardContent>
            <StatusTimeline entries={p.status_history} renderStatus={(s) => <PaymentStatusBadge status={s} />} />
          </CardContent>
        </Card>
      </div>

      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={confirm === "cancel" ? "Cancel this payment?" : "Retry this payment?"}
        description={
          confirm === "cancel"
            ? `${amount} to ${contactOf(receiver)} will not be sent. This cannot be undone.`
            : `${amount} to ${contactOf(receiver)} goes back to Ready and is sent again.`
        }
        cancelLabel={confirm === "cancel" ? "Keep the payment" : "Cancel"}
        confirmLabel={confirm === "cancel" ? "Cancel payment" : "Retry payment"}
        pendingLabel="Working…"
        variant={confirm === "cancel" ? "destructive" : "default"}
        pending={pending}
        onConfirm={() => {
          if (confirm) run(confirm);
        }}
      />
    </div>
  );
}

/** What the Stellar transaction row says when no transaction settled the payment. */
function NoTransaction({ status }: { status: string }) {
  if (status === "FAILED") return <span>None settled: the attempts and their errors are in the status history</span>;
  if (status === "CANCELED") return <span>None: the payment was cancelled before it was sent</span>;
  return <span>Not submitted yet</span>;
}
