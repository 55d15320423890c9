"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { FileText } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { LoadError } from "@/components/trpc/load-error";
import { useTRPC } from "@/components/trpc/client";
import { DateTime, formatCount, Pager } from "@/components/disbursements/common";
import { FORMAT_LABELS, SOURCE_LABELS } from "./outcome-badge";

/** Imported bank files, newest first, with what reconciliation made of them. */
export function BankFilesList() {
  const trpc = useTRPC();
  const [page, setPage] = useState<{ page: number; cursor?: string }>({ page: 1 });
  const query = useQuery({ ...trpc.bankFiles.list.queryOptions({ page: page.page, cursor: page.cursor, page_limit: 10 }), placeholderData: keepPreviousData });
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h2>Imported files</h2>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-4">
        {query.isPending ? (
          <Skeleton className="h-40 w-full" />
        ) : query.isError ? (
          <LoadError title="Bank files could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
        ) : query.data.data.length === 0 ? (
          <EmptyState
            icon={<FileText aria-hidden />}
            title="No bank files yet"
            description="Status reports and statements appear here once uploaded, posted through the API or pushed by the bank."
          />
        ) : (
          <>
            <Table aria-label="Imported bank files" data-testid="bank-files-table">
              <TableHeader>
                <TableRow>
                  <TableHead>File</TableHead>
                  <TableHead>Format</TableHead>
                  <TableHead>Source</TableHead>
                  <TableHead className="text-right">Entries</TableHead>
                  <TableHead className="text-right">Matched</TableHead>
                  <TableHead className="text-right">Exceptions</TableHead>
                  <TableHead>Imported</TableHead>
                  <TableHead>By</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {query.data.data.map((f) => (
                  <TableRow key={f.id}>
                    <TableCell className="max-w-64 truncate">
                      <Link href={`/reconciliation/${f.id}`} className="font-medium text-primary hover:underline">
                        {f.file_name}
                      </Link>
                      {f.connection && <span className="block text-xs text-muted-foreground">{f.connection.name}</span>}
                    </TableCell>
                    <TableCell>{FORMAT_LABELS[f.format] ?? f.format}</TableCell>
                    <TableCell>{SOURCE_LABELS[f.source] ?? f.source}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatCount(f.entry_count)}</TableCell>
                    <TableCell className="text-right tabular-nums" data-testid="matched-count">
                      {formatCount(f.matched_count)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">
                      {f.exception_count > 0 ? <Badge variant="warning">{formatCount(f.exception_count)}</Badge> : <span className="text-muted-foreground">0</span>}
                    </TableCell>
                    <TableCell className="whitespace-nowrap">
                      <DateTime value={f.imported_at} />
                    </TableCell>
                    <TableCell>{f.imported_by?.name ?? <span className="text-muted-foreground">API key</span>}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Pager pagination={query.data.pagination} onPage={(p, cursor) => setPage({ page: p, cursor })} noun="files" />
          </>
        )}
      </CardContent>
    </Card>
  );
}
