"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { SearchField } from "@/components/ui/search-field";
import { ArrowDown, ArrowUp, ArrowUpDown, Plus, Search, Send } from "lucide-react";
import Link from "next/link";
import { Button, buttonVariants } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Progress } from "@/components/ui/progress";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { LoadError } from "@/components/trpc/load-error";
import { useTRPC } from "@/components/trpc/client";
import { cn } from "@/lib/utils";
import { DISBURSEMENT_STATUSES } from "@/server/domain/disbursement-types";
import { countPercent, DateTime, DisbursementStatusBadge, disbursementStatusLabel, formatAmount, formatCount, Pager, SkeletonRows } from "./common";
import { disbursementListInput, type DisbursementSort } from "./list-params";
import { useDebouncedSearch, useUrlState } from "./use-url-state";

const FILTERS: { value: string; label: string }[] = [
  { value: "", label: "All" },
  { value: "DRAFT", label: "Drafts" },
  ...DISBURSEMENT_STATUSES.filter((s) => s !== "DRAFT").map((s) => ({ value: s, label: disbursementStatusLabel(s) })),
];

export function DisbursementsList({ canWrite }: { canWrite: boolean }) {
  const trpc = useTRPC();
  const { searchParams, set } = useUrlState();
  const input = disbursementListInput(searchParams);
  const query = useQuery({ ...trpc.disbursements.list.queryOptions(input), placeholderData: keepPreviousData });
  const [search, setSearch] = useDebouncedSearch(input.q ?? "", (q) => set({ q, page: null }, "replace"));
  const filtered = Boolean(input.q || input.status);

  function sortBy(column: DisbursementSort) {
    const direction = input.sort === column ? (input.direction === "asc" ? "desc" : "asc") : column === "created_at" ? "desc" : "asc";
    set({ sort: column === "created_at" ? null : column, direction, page: null });
  }

  // A plain function, not a component: a component defined here would remount (and lose focus) on every render.
  function sortHeader(column: DisbursementSort, children: string, className?: string) {
    const active = input.sort === column;
    const Icon = !active ? ArrowUpDown : input.direction === "asc" ? ArrowUp : ArrowDown;
    return (
      <TableHead key={column} className={className} aria-sort={active ? (input.direction === "asc" ? "ascending" : "descending") : "none"}>
        <button
          type="button"
          onClick={() => sortBy(column)}
          className="-mx-1 inline-flex items-center gap-1 rounded px-1 py-0.5 uppercase hover:text-foreground focus-visible:outline-hidden focus-visible:ring-2 focus-visible:ring-ring"
        >
          {children}
          <Icon aria-hidden className={cn("size-3.5", !active && "opacity-50")} />
          <span className="sr-only">{active ? `, sorted ${input.direction === "asc" ? "ascending" : "descending"}` : ", sort"}</span>
        </button>
      </TableHead>
    );
  }

  const rows = query.data?.data;

  return (
    <div className="space-y-4">
      <div className="flex flex-col gap-3 lg:flex-row lg:items-end lg:justify-between">
        <SearchField id="disbursement-search" label="Search by name" value={search} onChange={setSearch} placeholder="e.g. March stipends" />
        <div role="group" aria-label="Filter by status" className="flex flex-wrap gap-1.5">
          {FILTERS.map((f) => {
            const active = (input.status ?? "") === f.value;
            return (
              <Button
                key={f.value || "all"}
                size="sm"
                variant={active ? "default" : "outline"}
                aria-pressed={active}
                onClick={() => set({ status: f.value || null, page: null })}
              >
                {f.label}
              </Button>
            );
          })}
        </div>
      </div>

      {query.isError ? (
        <LoadError title="Disbursements could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
      ) : rows && rows.length === 0 ? (
        filtered ? (
          <EmptyState
            icon={<Search aria-hidden />}
            title="No disbursements match"
            description="Try another name or status."
            action={
              <Button
                variant="outline"
                onClick={() => {
                  setSearch("");
                  set({ q: null, status: null, page: null });
                }}
              >
                Clear filters
              </Button>
            }
          />
        ) : (
          <EmptyState
            icon={<Send aria-hidden />}
            title="No disbursements yet"
            description={
              canWrite ? "Create a disbursement, upload a CSV of receivers and amounts, then start it." : "Disbursements created by your team will appear here."
            }
            action={
              canWrite ? (
                <Link href="/disbursements/new" className={buttonVariants()}>
                  <Plus aria-hidden />
                  New disbursement
                </Link>
              ) : undefined
            }
          />
        )
      ) : (
        <div className="rounded-lg border border-border bg-card" aria-busy={query.isFetching}>
          <Table>
            <TableHeader>
              <TableRow>
                {sortHeader("name", "Name")}
                {sortHeader("status", "Status")}
                <TableHead>Asset</TableHead>
                <TableHead className="text-right">Total amount</TableHead>
                <TableHead className="min-w-44">Progress</TableHead>
                {sortHeader("created_at", "Created")}
              </TableRow>
            </TableHeader>
            <TableBody className={cn(query.isPlaceholderData && "opacity-60")}>
              {!rows ? (
                <SkeletonRows columns={6} />
              ) : (
                rows.map((d) => (
                  <TableRow key={d.id} data-testid={`disbursement-row-${d.name}`}>
                    <TableCell className="max-w-72 font-medium">
                      <Link href={`/disbursements/${d.id}`} className="block truncate text-primary hover:underline focus-visible:underline">
                        {d.name}
                      </Link>
                      {(d.g2p || (d.envelope.scheduled_at && (d.status === "DRAFT" || d.status === "READY"))) && (
                        <span className="block text-xs font-normal text-muted-foreground">
                          {d.g2p ? `G2P · ${d.g2p.sender_name}` : null}
                          {d.g2p && d.envelope.scheduled_at && (d.status === "DRAFT" || d.status === "READY") ? " · " : null}
                          {d.envelope.scheduled_at && (d.status === "DRAFT" || d.status === "READY") ? (
                            <>
                              Scheduled <DateTime value={d.envelope.scheduled_at} />
                            </>
                          ) : null}
                        </span>
                      )}
                    </TableCell>
                    <TableCell>
                      <DisbursementStatusBadge status={d.status} />
                    </TableCell>
                    <TableCell>{d.asset.code}</TableCell>
                    <TableCell className="text-right whitespace-nowrap tabular-nums">{formatAmount(d.total_amount)}</TableCell>
                    <TableCell>
                      <div className="flex items-center gap-2">
                        <Progress
                          value={countPercent(d.total_payments_sent, d.total_payments)}
                          label={`Progress of ${d.name}`}
                          valueText={`${d.total_payments_sent} of ${d.total_payments} payments sent`}
                          variant={d.status === "COMPLETED" ? "success" : "default"}
                          className="h-2 w-24"
                        />
                        <span className="text-xs whitespace-nowrap text-muted-foreground tabular-nums">
                          {formatCount(d.total_payments_sent)}/{formatCount(d.total_payments)}
                        </span>
                      </div>
                    </TableCell>
                    <TableCell className="text-muted-foreground">
                      <DateTime value={d.created_at} />
                    </TableCell>
                  </TableRow>
                ))
              )}
            </TableBody>
          </Table>
        </div>
      )}
      {rows && rows.length > 0 && (
        <Pager pagination={query.data?.pagination} onPage={(page, cursor) => set({ page: page === 1 ? null : page, cursor: cursor ?? null })} noun="disbursements" />
      )}
    </div>
  );
}
