"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { LoadError } from "@/components/trpc/load-error";
import { useTRPC } from "@/components/trpc/client";
import { DateTime, Detail, formatCount, Pager } from "@/components/disbursements/common";
import { OUTCOME_LABELS } from "@/server/domain/reconciliation";
import { RECONCILIATION_OUTCOMES, type ReconciliationOutcome } from "@/server/domain/rails";
import { EntryRows } from "./entry-rows";
import { OutcomeFilter } from "./outcome-filter";
import { FORMAT_LABELS, SOURCE_LABELS } from "./outcome-badge";

type Filter = ReconciliationOutcome | "exceptions" | "";

/** One imported bank file: where it came from, its counts per outcome and its entries in file order. */
export function BankFileDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const [outcome, setOutcome] = useState<Filter>("");
  const [page, setPage] = useState<{ page: number; cursor?: string }>({ page: 1 });
  const query = useQuery({
    ...trpc.bankFiles.get.queryOptions({ id, page: page.page, cursor: page.cursor, page_limit: 50, outcome: outcome || undefined }),
    placeholderData: keepPreviousData,
  });
  if (query.isPending) return <Skeleton className="h-96 w-full" />;
  if (query.isError) return <LoadError title="The bank file could not be loaded" error={query.error} onRetry={() => void query.refetch()} />;
  const { file, entries } = query.data;
  return (
    <div className="space-y-6">
      <Link href="/reconciliation" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft aria-hidden className="size-4" />
        Reconciliation
      </Link>
      <div>
        <p className="text-sm text-muted-foreground">{FORMAT_LABELS[file.format] ?? file.format} file</p>
        <h1 className="text-2xl font-semibold tracking-tight break-all">{file.file_name}</h1>
      </div>
      <Card>
        <CardContent className="pt-6">
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Detail term="Entries">{formatCount(file.entry_count)}</Detail>
            <Detail term="Matched">
              <span data-testid="file-matched">{formatCount(file.matched_count)}</span>
            </Detail>
            <Detail term="Exceptions">
              <span data-testid="file-exceptions">{formatCount(file.exception_count)}</span>
            </Detail>
            <Detail term="By outcome">
              <span className="text-sm">
                {RECONCILIATION_OUTCOMES.filter((o) => file.outcomes[o] > 0)
                  .map((o) => `${OUTCOME_LABELS[o]} ${formatCount(file.outcomes[o])}`)
                  .join(" · ") || "—"}
              </span>
            </Detail>
            <Detail term="Source">{SOURCE_LABELS[file.source] ?? file.source}</Detail>
            <Detail term="Bank connection">{file.connection?.name ?? "Any"}</Detail>
            <Detail term="Imported">
              <DateTime value={file.imported_at} />
            </Detail>
            <Detail term="Imported by">{file.imported_by?.name ?? "API key"}</Detail>
            <Detail term="Message id">
              <code className="text-xs break-all">{file.message_id ?? "—"}</code>
            </Detail>
            <Detail term="Statement">
              <code className="text-xs break-all">{file.statement_id ?? "—"}</code>
            </Detail>
            <Detail term="Account">
              <code className="text-xs break-all">{file.account ?? "—"}</code>
            </Detail>
            <Detail term="SHA-256">
              <code className="text-xs break-all" title={file.sha256}>
                {file.sha256.slice(0, 16)}…
              </code>
            </Detail>
          </dl>
        </CardContent>
      </Card>
      <Card>
        <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-4">
          <CardTitle asChild>
            <h2>Entries</h2>
          </CardTitle>
          <OutcomeFilter<Exclude<Filter, "">>
            id="entry-outcome"
            value={outcome}
            onChange={(value) => {
              setOutcome(value);
              setPage({ page: 1 });
            }}
            allLabel="All entries"
            extra={[{ value: "exceptions", label: "Exceptions only" }]}
            outcomes={RECONCILIATION_OUTCOMES}
          />
        </CardHeader>
        <CardContent className="space-y-4">
          {entries.data.length === 0 ? (
            <p className="text-sm text-muted-foreground">{file.entry_count === 0 ? "This file has no entries." : "No entries with this outcome."}</p>
          ) : (
            <Table aria-label="Entries" data-testid="entries-table">
              <TableHeader>
                <TableRow>
                  <TableHead>Outcome</TableHead>
                  <TableHead>Reference</TableHead>
                  <TableHead className="text-right">Amount</TableHead>
                  <TableHead>Reason</TableHead>
                  <TableHead>#</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                <EntryRows entries={entries.data} fileCell={(e) => <span className="tabular-nums">{e.entry_index}</span>} />
              </TableBody>
            </Table>
          )}
          <Pager pagination={entries.pagination} onPage={(p, cursor) => setPage({ page: p, cursor })} noun="entries" />
        </CardContent>
      </Card>
    </div>
  );
}
