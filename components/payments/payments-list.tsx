"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { SearchField } from "@/components/ui/search-field";
import { Banknote, RotateCcw, Search } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { plural, pluralWord } from "@/lib/format";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { messageOf } from "@/components/trpc/errors";
import { LoadError } from "@/components/trpc/load-error";
import { useTRPC } from "@/components/trpc/client";
import { PAYMENT_STATUSES } from "@/server/domain/disbursement-types";
import { NativeSelect, Pager, paymentStatusLabel } from "@/components/disbursements/common";
import { paymentListInput } from "@/components/disbursements/list-params";
import { useDebouncedSearch, useUrlState } from "@/components/disbursements/use-url-state";
import { PaymentsTableBody } from "./payments-table";

export function PaymentsList({ canRetry }: { canRetry: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { searchParams, set } = useUrlState();
  const input = paymentListInput(searchParams);
  const query = useQuery({ ...trpc.payments.list.queryOptions(input), placeholderData: keepPreviousData });
  const [search, setSearch] = useDebouncedSearch(input.q ?? "", (q) => set({ q, page: null }, "replace"));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  /** The payments the open confirmation is about (null: closed); fixed when it opens. */
  const [retryIds, setRetryIds] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const retry = useMutation(
    trpc.payments.retry.mutationOptions({
      onSuccess: (r) => {
        setRetryIds(null);
        setNotice(`${plural(r.payments.length, "payment is", "payments are")} queued to be sent again.`);
        setSelected(new Set());
        return Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.payments.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.disbursements.get.queryKey() }),
        ]);
      },
      onError: () => setRetryIds(null),
    }),
  );
  const rows = query.data?.data;
  const filtered = Boolean(input.q || input.status);

  const selection = canRetry
    ? {
        selected,
        toggle: (id: string) =>
          setSelected((prev) => {
            const next = new Set(prev);
            if (next.has(id)) next.delete(id);
            else next.add(id);
            return next;
          }),
        toggleAll: (ids: string[]) =>
          setSelected((prev) => {
            const all = ids.every((id) => prev.has(id));
            const next = new Set(prev);
            for (const id of ids) {
              if (all) next.delete(id);
              else next.add(id);
            }
            return next;
          }),
      }
    : undefined;

  return (
    <div className="space-y-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <SearchField id="payment-search" label="Search" value={search} onChange={setSearch} placeholder="Phone, email, receiver id or paymentID" />
        <div className="flex flex-col gap-1.5">
          <label htmlFor="payment-status" className="text-sm font-medium">
            Status
          </label>
          <NativeSelect id="payment-status" value={input.status ?? ""} onChange={(e) => set({ status: e.target.value || null, page: null })} className="sm:w-48">
            <option value="">All statuses</option>
            {PAYMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {paymentStatusLabel(s)}
              </option>
            ))}
          </NativeSelect>
        </div>
      </div>

      {canRetry && selected.size > 0 && (
        <div className="flex flex-wrap items-center gap-3 rounded-md border border-border bg-accent px-4 py-2 text-sm" role="region" aria-label="Selected payments">
          <span>
            {selected.size} failed {pluralWord(selected.size, "payment")} selected
          </span>
          <Button size="sm" onClick={() => setRetryIds([...selected])}>
            <RotateCcw aria-hidden />
            Retry failed
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setSelected(new Set())}>
            Clear selection
          </Button>
        </div>
      )}
      {notice && (
        <Alert variant="success">
          <AlertDescription className="text-success">{notice}</AlertDescription>
        </Alert>
      )}
      {retry.error && (
        <Alert variant="destructive">
          <AlertDescription>{messageOf(retry.error)}</AlertDescription>
        </Alert>
      )}

      {query.isError ? (
        <LoadError title="Payments could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
      ) : rows && rows.length === 0 ? (
        <EmptyState
          icon={filtered ? <Search aria-hidden /> : <Banknote aria-hidden />}
          title={filtered ? "No payments match" : "No payments yet"}
          description={filtered ? "Try another search or status." : "Payments appear when a disbursement's instructions file is uploaded."}
          action={
            filtered ? (
              <Button
                variant="outline"
                onClick={() => {
                  setSearch("");
                  set({ q: null, status: null, page: null });
                }}
              >
                Clear filters
              </Button>
            ) : undefined
          }
        />
      ) : (
        <>
          <div className="rounded-lg border border-border bg-card" aria-busy={query.isFetching}>
            <PaymentsTableBody rows={rows} columns={{ receiver: true, disbursement: true }} selection={selection} loading={query.isPlaceholderData} />
          </div>
          <Pager pagination={query.data?.pagination} onPage={(page, cursor) => set({ page: page === 1 ? null : page, cursor: cursor ?? null })} noun="payments" />
        </>
      )}

      <ConfirmDialog
        open={retryIds !== null}
        onOpenChange={(open) => !open && setRetryIds(null)}
        title={
          <>
            Retry {retryIds?.length} failed {pluralWord(retryIds?.length ?? 0, "payment")}?
          </>
        }
        description="They go back to Ready and are sent again with their disbursement."
        confirmLabel="Retry payments"
        pendingLabel="Retrying…"
        pending={retry.isPending}
        onConfirm={() => {
          setNotice(null);
          if (retryIds) retry.mutate({ payment_ids: retryIds });
        }}
      />
    </div>
  );
}
