"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Banknote } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { cn } from "@/lib/utils";
import { PAYMENT_STATUSES } from "@/server/domain/disbursement-types";
import {
  DateTime,
  formatAmount,
  NativeSelect,
  Pager,
  PaymentStatusBadge,
  paymentStatusLabel,
  shortId,
  SkeletonRows,
  WalletStatusBadge,
  type PaymentRow,
} from "@/components/disbursements/common";
import { paymentListInput } from "@/components/disbursements/list-params";
import { splitStatusMessage, TransactionHash } from "@/components/stellar/links";
import { MaskedBankAccount } from "@/components/receivers/destination-text";

/** Optional columns; the wallet column shows the wallet's name with the receiver wallet's status, else just the status. */
export type PaymentColumns = { line?: boolean; disbursement?: boolean; receiver?: boolean; externalId?: boolean; wallet?: boolean };

export function contactOf(r: { phone_number: string | null; email: string | null; external_id?: string }) {
  // Bank-account payees have no contact: they are known by their external id.
  return r.phone_number || r.email || r.external_id || "—";
}

/** The rows of a payments table; the caller owns loading, paging and filters. */
export function PaymentsTableBody({
  rows,
  columns,
  selection,
  loading,
}: {
  rows: PaymentRow[] | undefined;
  columns: PaymentColumns;
  selection?: { selected: Set<string>; toggle: (id: string) => void; toggleAll: (ids: string[]) => void };
  loading?: boolean;
}) {
  const count = 5 + (columns.line ? 1 : 0) + (columns.disbursement ? 1 : 0) + (columns.receiver ? 1 : 0) + (columns.externalId ? 1 : 0) + (selection ? 1 : 0);
  const failedIds = (rows ?? []).filter((p) => p.status === "FAILED").map((p) => p.id);
  const allSelected = selection && failedIds.length > 0 && failedIds.every((id) => selection.selected.has(id));
  return (
    <Table>
      <TableHeader>
        <TableRow>
          {selection && (
            <TableHead className="w-10">
              <input
                type="checkbox"
                className="size-4 accent-primary"
                aria-label="Select every failed payment on this page"
                disabled={failedIds.length === 0}
                checked={Boolean(allSelected)}
                onChange={() => selection.toggleAll(failedIds)}
              />
            </TableHead>
          )}
          <TableHead>Payment</TableHead>
          {columns.line && <TableHead>Line</TableHead>}
          {columns.receiver && <TableHead>Receiver</TableHead>}
          {columns.externalId && <TableHead>External id</TableHead>}
          {columns.disbursement && <TableHead>Disbursement</TableHead>}
          <TableHead className="text-right">Amount</TableHead>
          <TableHead title="The status, with the transaction that paid it or why it failed">Status</TableHead>
          <TableHead>{columns.wallet ? "Wallet" : "Wallet status"}</TableHead>
          <TableHead>Updated</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody className={cn(loading && "opacity-60")}>
        {!rows ? (
          <SkeletonRows columns={count} />
        ) : (
          rows.map((p) => {
            const receiver = p.receiver_wallet.receiver;
            return (
              <TableRow key={p.id} data-testid={`payment-row-${p.id}`} data-state={selection?.selected.has(p.id) ? "selected" : undefined}>
                {selection && (
                  <TableCell>
                    {p.status === "FAILED" ? (
                      <input
                        type="checkbox"
                        className="size-4 accent-primary"
                        aria-label={`Select payment ${shortId(p.id)} to ${contactOf(receiver)}`}
                        checked={selection.selected.has(p.id)}
                        onChange={() => selection.toggle(p.id)}
                      />
                    ) : null}
                  </TableCell>
                )}
                <TableCell>
                  <Link href={`/payments/${p.id}`} className="font-mono text-xs text-primary hover:underline" aria-label={`Payment ${shortId(p.id)}`}>
                    {shortId(p.id)}
                  </Link>
                </TableCell>
                {columns.line && <TableCell className="text-muted-foreground tabular-nums">{p.line_number ?? "—"}</TableCell>}
                {columns.receiver && (
                  <TableCell className="whitespace-nowrap">
                    <Link href={`/receivers/${receiver.id}`} className="text-primary hover:underline">
                      {contactOf(receiver)}
                    </Link>
                  </TableCell>
                )}
                {columns.externalId && (
                  <TableCell className="max-w-40 truncate" title={receiver.external_id}>
                    {receiver.external_id}
                  </TableCell>
                )}
                {columns.disbursement && (
                  <TableCell className="max-w-56 truncate">
                    <Link href={`/disbursements/${p.disbursement.id}`} className="text-primary hover:underline">
                      {p.disbursement.name}
                    </Link>
                  </TableCell>
                )}
                <TableCell className="text-right whitespace-nowrap tabular-nums">
                  {formatAmount(p.amount, p.asset.decimals)} <span className="text-muted-foreground">{p.asset.code}</span>
                </TableCell>
                <TableCell className="min-w-32">
                  <PaymentStatusBadge status={p.status} title={p.status_message ?? undefined} />
                  {p.status === "FAILED" && p.status_message ? (
                    <span className="mt-1 block max-w-48 text-xs text-destructive" data-testid="failure-reason" title={p.status_message}>
                      {splitStatusMessage(p.status_message)?.text}
                    </span>
                  ) : p.stellar_transaction_id && (p.status === "SUCCESS" || p.status === "PENDING") ? (
                    <TransactionHash hash={p.stellar_transaction_id} pending={p.status === "PENDING"} head={4} tail={4} className="-my-1 flex whitespace-nowrap" />
                  ) : null}
                </TableCell>
                <TableCell className="whitespace-nowrap">
                  {columns.wallet &&
                    (p.receiver_wallet.wallet ? (
                      <span className="mr-2">{p.receiver_wallet.wallet.name}</span>
                    ) : (
                      <span className="mr-2">
                        <MaskedBankAccount destination={p.receiver_wallet.destination} />
                      </span>
                    ))}
                  <WalletStatusBadge status={p.receiver_wallet.status} />
                </TableCell>
                <TableCell className="text-muted-foreground">
                  <DateTime value={p.updated_at} className="whitespace-normal" />
                </TableCell>
              </TableRow>
            );
          })
        )}
      </TableBody>
    </Table>
  );
}

/**
 * The payments of one disbursement or one receiver, with its own paging and status filter
 * (kept in component state: the page's URL belongs to the page).
 */
export function ScopedPayments({
  scope,
  columns,
  poll = false,
  title = "Payments",
}: {
  scope: { disbursement_id?: string; receiver_id?: string };
  columns: PaymentColumns;
  poll?: boolean;
  title?: string;
}) {
  const trpc = useTRPC();
  const [{ page, cursor }, setPosition] = useState<{ page: number; cursor?: string }>({ page: 1 });
  const setPage = (page: number, cursor?: string) => setPosition({ page, cursor });
  const [status, setStatus] = useState("");
  const params: Record<string, string> = {};
  if (page > 1) params.page = String(page);
  if (cursor) params.cursor = cursor;
  if (status) params.status = status;
  const input = paymentListInput(params, scope);
  const query = useQuery({
    ...trpc.payments.list.queryOptions(input),
    placeholderData: keepPreviousData,
    refetchInterval: poll ? 3000 : false,
  });
  const rows = query.data?.data;
  const filterId = `payment-status-${scope.disbursement_id ?? scope.receiver_id ?? "all"}`;
  return (
    <section aria-labelledby={`${filterId}-title`} className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id={`${filterId}-title`} className="text-lg font-semibold">
          {title}
        </h2>
        <div className="flex items-center gap-2">
          <label htmlFor={filterId} className="text-sm font-medium whitespace-nowrap">
            Status
          </label>
          <NativeSelect
            id={filterId}
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setPage(1);
            }}
            className="h-9 w-40"
          >
            <option value="">All statuses</option>
            {PAYMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {paymentStatusLabel(s)}
              </option>
            ))}
          </NativeSelect>
        </div>
      </div>
      {query.isError ? (
        <Alert variant="destructive">
          <AlertDescription className="space-y-2">
            <p>Payments could not be loaded: {messageOf(query.error)}</p>
            <Button variant="outline" size="sm" onClick={() => void query.refetch()}>
              Try again
            </Button>
          </AlertDescription>
        </Alert>
      ) : rows && rows.length === 0 ? (
        <EmptyState
          icon={<Banknote aria-hidden />}
          headingLevel={3}
          title={status ? `No ${paymentStatusLabel(status).toLowerCase()} payments` : "No payments yet"}
          description={
            status
              ? "Choose another status to see the rest."
              : scope.disbursement_id
                ? "Payments appear here once the instructions file is uploaded: one per row."
                : "This receiver has not been paid yet."
          }
        />
      ) : (
        <>
          <div className="rounded-lg border border-border bg-card">
            <PaymentsTableBody rows={rows} columns={columns} loading={query.isPlaceholderData} />
          </div>
          <Pager pagination={query.data?.pagination} onPage={setPage} noun="payments" />
        </>
      )}
    </section>
  );
}
