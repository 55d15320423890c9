"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Inbox } from "lucide-react";
import Link from "next/link";
import { Card, CardContent } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { useTRPC } from "@/components/trpc/client";
import { DateTime, Pager } from "@/components/disbursements/common";
import { useDebouncedSearch, useUrlState } from "@/components/disbursements/use-url-state";
import { Button } from "@/components/ui/button";
import { SearchField } from "@/components/ui/search-field";
import { MESSAGE_STATUSES, OUTBOX_MESSAGE_TYPES } from "@/server/schemas/messages.schema";
import { CHANNEL_LABELS, LinkifiedText, MESSAGE_STATUS_LABELS, MESSAGE_TYPE_LABELS, MessageStatusBadge } from "./message-status";
import { outboxInput } from "./outbox-input";
import { plural } from "@/lib/format";

/** Every message of the organization, newest first; the outbox keeps the full text so its links can be followed. */
export function OutboxList() {
  const trpc = useTRPC();
  const { searchParams, set } = useUrlState();
  const input = outboxInput(searchParams);
  const query = useQuery({ ...trpc.messages.list.queryOptions(input), placeholderData: keepPreviousData });
  const [search, setSearch] = useDebouncedSearch(input.q ?? "", (q) => set({ q, page: null }, "replace"));
  const filtered = Boolean(input.q || input.status || input.type);
  const rows = query.data?.data ?? [];
  const filters = (
    <div className="flex flex-col gap-3 lg:flex-row lg:items-end lg:justify-between">
      <SearchField id="outbox-search" label="Search by recipient, subject or type" value={search} onChange={setSearch} placeholder="e.g. ana@example.org or +44 7700" />
      <div className="flex flex-wrap items-end gap-3">
        <div className="space-y-1">
          <label htmlFor="outbox-type" className="text-sm font-medium">
            Type
          </label>
          <select
            id="outbox-type"
            className="block h-9 rounded-md border border-input bg-background px-2 text-sm"
            value={input.type ?? ""}
            onChange={(e) => set({ type: e.target.value || null, page: null })}
          >
            <option value="">All types</option>
            {OUTBOX_MESSAGE_TYPES.map((t) => (
              <option key={t} value={t}>
                {MESSAGE_TYPE_LABELS[t] ?? t}
              </option>
            ))}
          </select>
        </div>
        <div role="group" aria-label="Filter by status" className="flex flex-wrap gap-1.5">
          {["", ...MESSAGE_STATUSES].map((s) => {
            const active = (input.status ?? "") === s;
            return (
              <Button key={s || "all"} size="sm" variant={active ? "default" : "outline"} aria-pressed={active} onClick={() => set({ status: s || null, page: null })}>
                {s ? (MESSAGE_STATUS_LABELS[s] ?? s) : "All"}
              </Button>
            );
          })}
        </div>
      </div>
    </div>
  );
  if (query.isPending)
    return (
      <div className="space-y-4">
        {filters}
        <Skeleton className="h-64 w-full" />
      </div>
    );
  if (rows.length === 0) {
    return (
      <div className="space-y-4">
        {filters}
        {filtered ? (
          <EmptyState icon={<Inbox aria-hidden />} title="No messages match" description="Try other words, or clear the type and status filters." />
        ) : (
          <EmptyState
            icon={<Inbox aria-hidden />}
            title="No messages yet"
            description="Invitations appear here when a disbursement that invites by email or phone starts."
          />
        )}
      </div>
    );
  }
  return (
    <div className="space-y-4">
      {filters}
      <ul className="space-y-3" aria-label="Messages">
        {rows.map((m) => (
          <li key={m.id}>
            <Card>
              <CardContent className="space-y-2 pt-4">
                <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
                  <span className="font-medium">{MESSAGE_TYPE_LABELS[m.type] ?? m.type}</span>
                  <span className="text-muted-foreground">
                    {CHANNEL_LABELS[m.channel] ?? m.channel} to <span className="font-mono text-foreground">{m.destination}</span>
                  </span>
                  <MessageStatusBadge status={m.status} />
                  <span className="text-muted-foreground">
                    <DateTime value={m.created_at} withSeconds />
                  </span>
                  {m.receiver && (
                    <Link href={`/receivers/${m.receiver.id}`} className="text-primary underline-offset-2 hover:underline">
                      Receiver {m.receiver.external_id}
                    </Link>
                  )}
                </div>
                {m.subject && <p className="text-sm font-medium">{m.subject}</p>}
                {m.body !== null ? (
                  <p className="rounded-md bg-muted p-3 text-sm break-words whitespace-pre-wrap" data-testid="message-body">
                    <LinkifiedText text={m.body} />
                  </p>
                ) : null}
                {m.body !== null && m.body_masked ? (
                  <p className="text-xs text-muted-foreground">One-time codes and links in messages are hidden for your role.</p>
                ) : m.body === null ? (
                  <p className="text-sm text-muted-foreground">Delivered by {m.transport}; the text is not shown here.</p>
                ) : null}
                {m.last_error && (
                  <p className="text-sm text-destructive">
                    Last error (after {plural(m.attempts, "attempt")}): {m.last_error}
                  </p>
                )}
              </CardContent>
            </Card>
          </li>
        ))}
      </ul>
      <Pager pagination={query.data?.pagination} onPage={(page) => set({ page: page === 1 ? null : page })} noun="messages" />
    </div>
  );
}
