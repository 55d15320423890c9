"use client";

import { keepPreviousData, useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { MessagesSquare, Search } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { SearchField } from "@/components/ui/search-field";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DateTime, NativeSelect, Pager, shorten, SkeletonRows } from "@/components/disbursements/common";
import { useDebouncedSearch, useUrlState } from "@/components/disbursements/use-url-state";
import { LoadError } from "@/components/trpc/load-error";
import { useTRPC } from "@/components/trpc/client";
import { cn } from "@/lib/utils";
import { G2pStatusBadge, g2pStatusLabel } from "./g2p-status-badge";
import { G2P_LOG_STATUSES, g2pMessagesInput } from "./messages-input";
import { plural } from "@/lib/format";
import { REFRESH_MS, DirectionCell, ErrorOrDelivery } from "./message-cells";
import { MessageDialog } from "./message-dialog";

const DIRECTIONS = [
  { value: "", label: "Both ways" },
  { value: "inbound", label: "Received" },
  { value: "outbound", label: "Sent (callbacks)" },
] as const;

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
                      {m.item_count > 0 && <span className="block text-xs text-muted-foreground">{plural(m.item_count, "item")}</span>}
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
