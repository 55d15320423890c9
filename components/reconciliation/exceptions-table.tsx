"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { CircleCheck } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { LoadError } from "@/components/trpc/load-error";
import { useTRPC } from "@/components/trpc/client";
import { Pager } from "@/components/disbursements/common";
import { EXCEPTION_OUTCOME_FILTER } from "@/server/schemas/bank-files.schema";
import { EntryRows } from "./entry-rows";
import { OutcomeFilter } from "./outcome-filter";

type Filter = (typeof EXCEPTION_OUTCOME_FILTER)[number] | "";

/** Entries of every file that a person must look at: unmatched, duplicate, amount mismatch, invalid state. */
export function ExceptionsTable() {
  const trpc = useTRPC();
  const [outcome, setOutcome] = useState<Filter>("");
  const [page, setPage] = useState<{ page: number; cursor?: string }>({ page: 1 });
  const query = useQuery({
    ...trpc.bankFiles.exceptions.queryOptions({ page: page.page, cursor: page.cursor, page_limit: 20, outcome: outcome || undefined }),
    placeholderData: keepPreviousData,
  });
  return (
    <Card>
      <CardHeader className="flex flex-row flex-wrap items-start justify-between gap-4">
        <div className="space-y-1.5">
          <CardTitle asChild>
            <h2>Exceptions</h2>
          </CardTitle>
          <CardDescription>Entries no payment took: check them with the bank. Nothing a file contains is dropped.</CardDescription>
        </div>
        <OutcomeFilter<Exclude<Filter, "">>
          id="exception-outcome"
          value={outcome}
          onChange={(value) => {
            setOutcome(value);
            setPage({ page: 1 });
          }}
          allLabel="All exceptions"
          outcomes={EXCEPTION_OUTCOME_FILTER}
        />
      </CardHeader>
      <CardContent className="space-y-4">
        {query.isPending ? (
          <Skeleton className="h-40 w-full" />
        ) : query.isError ? (
          <LoadError title="Exceptions could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
        ) : query.data.data.length === 0 ? (
          <EmptyState icon={<CircleCheck aria-hidden />} title="No exceptions" description="Every entry of every imported file matched a payment." />
        ) : (
          <>
            <Table aria-label="Reconciliation exceptions" data-testid="exceptions-table">
              <TableHeader>
                <TableRow>
                  <TableHead>Outcome</TableHead>
                  <TableHead>Reference</TableHead>
                  <TableHead className="text-right">Amount</TableHead>
                  <TableHead>Reason</TableHead>
                  <TableHead>File</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                <EntryRows
                  entries={query.data.data}
                  fileCell={(e) => (
                    <Link href={`/reconciliation/${e.bank_file.id}`} className="text-primary hover:underline">
                      {e.bank_file.file_name} #{e.entry_index}
                    </Link>
                  )}
                />
              </TableBody>
            </Table>
            <Pager pagination={query.data.pagination} onPage={(p, cursor) => setPage({ page: p, cursor })} noun="exceptions" />
          </>
        )}
      </CardContent>
    </Card>
  );
}
