"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { ArrowDownLeft, ArrowUpRight, MessagesSquare, RotateCcw, Search } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { SearchField } from "@/components/ui/search-field";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DateTime, Detail, NativeSelect, Pager, shorten, SkeletonRows, type RouterOutputs } from "@/components/disbursements/common";
import { useDebouncedSearch, useUrlState } from "@/components/disbursements/use-url-state";
import { messageOf } from "@/components/trpc/errors";
import { LoadError } from "@/components/trpc/load-error";
import { useTRPC } from "@/components/trpc/client";
import { cn } from "@/lib/utils";
import { G2pStatusBadge, g2pStatusLabel } from "./g2p-status-badge";
import { G2P_LOG_STATUSES, g2pMessagesInput } from "./messages-input";

type MessageRow = RouterOutputs["integrations"]["messages"]["data"][number];

/** How often the log refreshes itself: callbacks change state in the background. */
const REFRESH_MS = 5000;

const DIRECTIONS = [
  { value: "", label: "Both ways" },
  { value: "inbound", label: "Received" },
  { value: "outbound", label: "Sent (callbacks)" },
] as const;

function DirectionCell({ direction }: { direction: string }) {
  const inbound = direction === "inbound";
  const Icon = inbound ? ArrowDownLeft : ArrowUpRight;
  return (
    <span className="inline-flex items-center gap-1 text-xs font-medium whitespace-nowrap" title={inbound ? "Received from the sender" : "Callback sent to the sender"}>
      <Icon aria-hidden className={cn("size-4", inbound ? "text-primary" : "text-muted-foreground")} />
      {inbound ? "In" : "Out"}
    </span>
  );
}

/** The G2P message log both ways, newest first, refreshed every few seconds; a row opens its body. */
export function MessagesSection() {
  const trpc = useTRPC();
  const { searchParams, set } = useUrlState();
  const input = g2pMessagesInput(searchParams);
  const { data: senders } = useSuspenseQuery(trpc.integrations.senders.queryOptions());
  const query = useQuery({ ...trpc.integrations.messages.queryOptions(input), placeholderData: keepPreviousData, refetchInterval: REFRESH_MS });
  const [search, setSearch] = useDebouncedSearch(input.q ?? "", (q) => set({ q, page: null }, "replace"));
  const [openId, setOpenId] = useState<string | null>(null);
  const filtered = Boolean(input.q || input.status || input.direction || input.sender_id);
  const rows = query.data?.data;

  return (
    <section aria-labelledby="messages-title" className="space-y-3">
      <div>
        <h2 id="messages-title" className="text-lg font-semibold">
          Messages
        </h2>
        <p className="text-sm text-muted-foreground">
          Requests received and callbacks sent, newest first. The list refreshes every few seconds; open a message to see its body.
        </p>
      </div>

      <div className="flex flex-col gap-3 lg:flex-row lg:flex-wrap lg:items-end">
        <SearchField id="g2p-message-search" label="Search by message or transaction id" value={search} onChange={setSearch} placeholder="e.g. TXN-2026-001" />
        <div className="flex flex-col gap-1.5">
          <label htmlFor="g2p-direction" className="text-sm font-medium">
            Direction
          </label>
          <NativeSelect id="g2p-direction" className="sm:w-44" value={input.direction ?? ""} onChange={(e) => set({ direction: e.target.value || null, page: null })}>
            {DIRECTIONS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <label htmlFor="g2p-status" className="text-sm font-medium">
            Status
          </label>
          <NativeSelect id="g2p-status" className="sm:w-40" value={input.status ?? ""} onChange={(e) => set({ status: e.target.value || null, page: null })}>
            <option value="">Any status</option>
            {G2P_LOG_STATUSES.map((s) => (
              <option key={s} value={s}>
                {g2pStatusLabel(s)}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <label htmlFor="g2p-sender" className="text-sm font-medium">
            Sender
          </label>
          <NativeSelect id="g2p-sender" className="sm:w-52" value={input.sender_id ?? ""} onChange={(e) => set({ sender: e.target.value || null, page: null })}>
            <option value="">Any sender</option>
            {senders.map((s) => (
              <option key={s.id} value={s.sender_id}>
                {s.name} ({s.sender_id})
              </option>
            ))}
            {input.sender_id && !senders.some((s) => s.sender_id === input.sender_id) && <option value={input.sender_id}>{input.sender_id} (not registered)</option>}
          </NativeSelect>
        </div>
      </div>

      {query.isError && !rows ? (
        <LoadError title="Messages could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
      ) : rows && rows.length === 0 ? (
        filtered ? (
          <EmptyState
            icon={<Search aria-hidden />}
            title="No messages match"
            description="Try another id, direction, status or sender."
            action={
              <Button
                variant="outline"
                onClick={() => {
                  setSearch("");
                  set({ q: null, status: null, direction: null, sender: null, page: null });
                }}
              >
                Clear filters
              </Button>
            }
          />
        ) : (
          <EmptyState
            icon={<MessagesSquare aria-hidden />}
            title="No messages yet"
            description="Requests from senders and the callbacks we send them appear here, with their status."
          />
        )
      ) : (
        <div className="rounded-lg border border-border bg-card" aria-busy={query.isFetching}>
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Message</TableHead>
                <TableHead>Transaction</TableHead>
                <TableHead>Sender</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>Error / delivery</TableHead>
                <TableHead>Time</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody className={cn(query.isPlaceholderData && "opacity-60")}>
              {!rows ? (
                <SkeletonRows columns={6} />
              ) : (
                rows.map((m) => (
                  <TableRow key={m.id} data-testid={`g2p-message-${m.message_id}`} className="cursor-pointer" onClick={() => setOpenId(m.id)}>
                    <TableCell className="max-w-64">
                      <span className="flex items-center gap-2 whitespace-nowrap">
                        <DirectionCell direction={m.direction} />
                        <code className="truncate font-mono text-xs" title={m.action ? `action: ${m.action}` : undefined}>
                          {m.endpoint}
                        </code>
                      </span>
                      <button
                        type="button"
                        className="mt-0.5 block max-w-full truncate rounded font-mono text-xs text-primary hover:underline focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-hidden"
                        title={m.message_id}
                        onClick={(e) => {
                          e.stopPropagation();
                          setOpenId(m.id);
                        }}
                      >
                        {shorten(m.message_id, 14, 6)}
                        <span className="sr-only"> (open message)</span>
                      </button>
                    </TableCell>
                    <TableCell className="max-w-40">
                      {m.transaction_id ? (
                        <code className="block truncate font-mono text-xs" title={m.transaction_id}>
                          {m.transaction_id}
                        </code>
                      ) : (
                        <span className="text-muted-foreground">—</span>
                      )}
                      {m.item_count > 0 && (
                        <span className="block text-xs text-muted-foreground">
                          {m.item_count} {m.item_count === 1 ? "item" : "items"}
                        </span>
                      )}
                    </TableCell>
                    <TableCell className="max-w-32">
                      <span className="block truncate text-sm" title={m.sender_id ?? undefined}>
                        {m.sender?.name ?? m.sender_id ?? "—"}
                      </span>
                      {!m.sender && m.sender_id && <span className="block text-xs text-muted-foreground">not registered</span>}
                    </TableCell>
                    <TableCell>
                      <G2pStatusBadge status={m.status} />
                    </TableCell>
                    <TableCell className="max-w-56 min-w-40 text-xs">
                      <ErrorOrDelivery m={m} />
                    </TableCell>
                    <TableCell className="text-xs text-muted-foreground">
                      <DateTime value={m.created_at} withSeconds />
                    </TableCell>
                  </TableRow>
                ))
              )}
            </TableBody>
          </Table>
        </div>
      )}
      {rows && rows.length > 0 && <Pager pagination={query.data?.pagination} onPage={(page) => set({ page: page === 1 ? null : page })} noun="messages" />}

      <MessageDialog id={openId} onClose={() => setOpenId(null)} />
    </section>
  );
}

function ErrorOrDelivery({ m }: { m: MessageRow }) {
  return (
    <div className="space-y-0.5">
      {m.error_code && (
        <p className="text-destructive">
          <code className="font-mono">{m.error_code}</code>
          {m.error_message && <span className="block break-words text-muted-foreground">{m.error_message}</span>}
        </p>
      )}
      {m.direction === "outbound" && (
        <p className="text-muted-foreground">
          {m.attempts} {m.attempts === 1 ? "attempt" : "attempts"}
          {m.last_http_status !== null && <> · last HTTP {m.last_http_status}</>}
          {m.status === "PENDING" && m.next_attempt_at && (
            <>
              {" "}
              · next <DateTime value={m.next_attempt_at} withSeconds />
            </>
          )}
        </p>
      )}
      {!m.error_code && m.direction === "inbound" && <span className="text-muted-foreground">—</span>}
    </div>
  );
}

/** One message: every field, the JSON body, and "Retry delivery" for a callback that failed. */
function MessageDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const query = useQuery({
    ...trpc.integrations.message.queryOptions({ id: id ?? "" }),
    enabled: id !== null,
    refetchInterval: (q) => (q.state.data?.status === "PENDING" ? REFRESH_MS : false),
  });
  const retry = useMutation(
    trpc.integrations.retryCallback.mutationOptions({
      onSuccess: (m) => {
        queryClient.setQueryData(trpc.integrations.message.queryKey({ id: m.id }), m);
        return queryClient.invalidateQueries({ queryKey: trpc.integrations.messages.queryKey() });
      },
    }),
  );
  const m = query.data;

  return (
    <Dialog
      open={id !== null}
      onOpenChange={(open) => {
        if (!open) {
          retry.reset();
          onClose();
        }
      }}
    >
      <DialogContent className="max-w-3xl">
        <DialogHeader>
          <DialogTitle>{m ? (m.direction === "inbound" ? `Received ${m.endpoint}` : `Callback ${m.endpoint}`) : "Message"}</DialogTitle>
          <DialogDescription className="font-mono text-xs break-all">{m?.message_id ?? " "}</DialogDescription>
        </DialogHeader>
        {query.isError ? (
          <Alert variant="destructive">
            <AlertDescription>{messageOf(query.error)}</AlertDescription>
          </Alert>
        ) : !m ? (
          <Skeleton className="h-64 w-full" />
        ) : (
          <div className="min-w-0 space-y-4">
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3">
              <Detail term="Status">
                <G2pStatusBadge status={m.status} />
              </Detail>
              <Detail term="Direction">
                <DirectionCell direction={m.direction} />
              </Detail>
              <Detail term="Time">
                <DateTime value={m.created_at} withSeconds />
              </Detail>
              <Detail term="Action">{m.action ?? "—"}</Detail>
              <Detail term="Transaction id">{m.transaction_id ? <code className="font-mono text-xs">{m.transaction_id}</code> : "—"}</Detail>
              <Detail term="Correlation id">{m.correlation_id ? <code className="font-mono text-xs">{m.correlation_id}</code> : "—"}</Detail>
              <Detail term="Sender">{m.sender ? `${m.sender.name} (${m.sender.sender_id})` : (m.sender_id ?? "—")}</Detail>
              <Detail term="Items">{m.item_count}</Detail>
              {m.error_code && (
                <Detail term="Error" className="col-span-2 sm:col-span-3">
                  <code className="font-mono text-destructive">{m.error_code}</code>
                  {m.error_message && <span className="block">{m.error_message}</span>}
                </Detail>
              )}
              {m.direction === "outbound" && (
                <>
                  <Detail term="URL" className="col-span-2 sm:col-span-3">
                    <code className="font-mono text-xs break-all">{m.url ?? "—"}</code>
                  </Detail>
                  <Detail term="Attempts">{m.attempts}</Detail>
                  <Detail term="Last attempt">
                    <DateTime value={m.last_attempt_at} withSeconds />
                    {m.last_http_status !== null && <span className="block text-xs text-muted-foreground">HTTP {m.last_http_status}</span>}
                  </Detail>
                  <Detail term={m.status === "DELIVERED" ? "Delivered" : "Next attempt"}>
                    <DateTime value={m.status === "DELIVERED" ? m.delivered_at : m.status === "PENDING" ? m.next_attempt_at : null} withSeconds />
                  </Detail>
                </>
              )}
            </dl>
            {m.direction === "outbound" && m.status === "FAILED" && (
              <Alert variant="warning">
                <AlertTitle>Delivery gave up</AlertTitle>
                <AlertDescription className="space-y-2">
                  <p>Fix the sender&apos;s endpoint, then send this callback again. Its signed body is sent as it was.</p>
                  <Button size="sm" variant="outline" disabled={retry.isPending} onClick={() => retry.mutate({ id: m.id })}>
                    <RotateCcw aria-hidden />
                    {retry.isPending ? "Retrying…" : "Retry delivery"}
                  </Button>
                </AlertDescription>
              </Alert>
            )}
            {retry.isSuccess && m.status === "PENDING" && (
              <Alert variant="success">
                <AlertDescription>The callback is queued and will be sent within seconds.</AlertDescription>
              </Alert>
            )}
            {retry.error && (
              <Alert variant="destructive">
                <AlertDescription>{messageOf(retry.error)}</AlertDescription>
              </Alert>
            )}
            <div className="space-y-1.5">
              <h3 className="text-sm font-semibold">Body</h3>
              <pre className="max-h-96 overflow-auto rounded-md bg-muted p-3 font-mono text-xs leading-relaxed" data-testid="g2p-message-body">
                {JSON.stringify(m.body, null, 2)}
              </pre>
            </div>
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}
