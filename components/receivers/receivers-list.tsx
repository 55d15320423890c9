"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { SearchField } from "@/components/ui/search-field";
import { Search, UsersRound } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { LoadError } from "@/components/trpc/load-error";
import { useTRPC } from "@/components/trpc/client";
import { cn } from "@/lib/utils";
import { DateTime, Pager, SkeletonRows } from "@/components/disbursements/common";
import { receiverListInput } from "@/components/disbursements/list-params";
import { useDebouncedSearch, useUrlState } from "@/components/disbursements/use-url-state";

export function ReceiversList() {
  const trpc = useTRPC();
  const { searchParams, set } = useUrlState();
  const input = receiverListInput(searchParams);
  const query = useQuery({ ...trpc.receivers.list.queryOptions(input), placeholderData: keepPreviousData });
  const [search, setSearch] = useDebouncedSearch(input.q ?? "", (q) => set({ q, page: null }, "replace"));
  const rows = query.data?.data;

  return (
    <div className="space-y-4">
      <SearchField id="receiver-search" label="Search" value={search} onChange={setSearch} placeholder="Phone, email or external id" />

      {query.isError ? (
        <LoadError title="Receivers could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
      ) : rows && rows.length === 0 ? (
        input.q ? (
          <EmptyState
            icon={<Search aria-hidden />}
            title="No receivers match"
            description={`Nobody's phone, email or external id contains “${input.q}”.`}
            action={
              <Button
                variant="outline"
                onClick={() => {
                  setSearch("");
                  set({ q: null, page: null });
                }}
              >
                Clear search
              </Button>
            }
          />
        ) : (
          <EmptyState
            icon={<UsersRound aria-hidden />}
            title="No receivers yet"
            description="Receivers are added when a disbursement's instructions file is uploaded, or one by one with Add receiver."
          />
        )
      ) : (
        <>
          <div className="rounded-lg border border-border bg-card" aria-busy={query.isFetching}>
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Contact</TableHead>
                  <TableHead>External id</TableHead>
                  <TableHead className="text-right">Payments</TableHead>
                  <TableHead className="text-right">Successful</TableHead>
                  <TableHead className="text-right">Failed</TableHead>
                  <TableHead className="text-right">Remaining</TableHead>
                  <TableHead className="text-right" title="Registered wallets of all wallets">
                    Registered
                  </TableHead>
                  <TableHead>Added</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody className={cn(query.isPlaceholderData && "opacity-60")}>
                {!rows ? (
                  <SkeletonRows columns={8} />
                ) : (
                  rows.map((r) => (
                    <TableRow key={r.id}>
                      <TableCell className="whitespace-nowrap">
                        <Link href={`/receivers/${r.id}`} className="font-medium text-primary hover:underline">
                          {r.phone_number || r.email || "—"}
                        </Link>
                        {r.phone_number && r.email && <span className="block text-xs text-muted-foreground">{r.email}</span>}
                      </TableCell>
                      <TableCell className="max-w-48 truncate">{r.external_id}</TableCell>
                      <TableCell className="text-right tabular-nums">{r.total_payments}</TableCell>
                      <TableCell className="text-right tabular-nums">{r.successful_payments}</TableCell>
                      <TableCell className={cn("text-right tabular-nums", r.failed_payments > 0 && "font-medium text-destructive")}>{r.failed_payments}</TableCell>
                      <TableCell className="text-right tabular-nums">{r.remaining_payments}</TableCell>
                      <TableCell className="text-right tabular-nums">
                        {r.registered_wallets}/{r.wallets}
                      </TableCell>
                      <TableCell className="text-muted-foreground">
                        <DateTime value={r.created_at} />
                      </TableCell>
                    </TableRow>
                  ))
                )}
              </TableBody>
            </Table>
          </div>
          <Pager pagination={query.data?.pagination} onPage={(page, cursor) => set({ page: page === 1 ? null : page, cursor: cursor ?? null })} noun="receivers" />
        </>
      )}
    </div>
  );
}
