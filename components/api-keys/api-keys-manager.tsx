"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { KeyRound, Trash2 } from "lucide-react";
import { useState } from "react";
import { DateTime } from "@/components/disbursements/common";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import type { ApiScope } from "@/server/domain/api-scopes";
import { CreateApiKeyDialog } from "./create-api-key-dialog";
import { plural } from "@/lib/format";

const STATUS = {
  active: { label: "Active", variant: "success" },
  expired: { label: "Expired", variant: "warning" },
  revoked: { label: "Revoked", variant: "destructive" },
} as const;

export function ApiKeysManager({ grantable }: { grantable: readonly ApiScope[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: keys } = useSuspenseQuery(trpc.apiKeys.list.queryOptions());
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: (k) => {
        setNotice({ kind: "success", text: `The key "${k.name}" was revoked; requests with it now get 401.` });
        return queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const active = keys.filter((k) => k.status === "active").length;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground">{keys.length === 0 ? "No keys yet" : `${active} active of ${plural(keys.length, "key")}`}</p>
        <CreateApiKeyDialog grantable={grantable} />
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"}>
          <AlertDescription>{notice.text}</AlertDescription>
        </Alert>
      )}
      {keys.length === 0 ? (
        <EmptyState
          icon={<KeyRound aria-hidden className="size-6" />}
          title="No API keys yet"
          description="Create a key for each system that calls the REST API, with only the scopes it needs. The key is shown once, when you create it."
        />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Key</TableHead>
              <TableHead>Scopes</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.map((k) => (
              <TableRow key={k.id} data-testid={`api-key-${k.prefix}`}>
                <TableCell className="font-medium">
                  {k.name}
                  {k.allowed_ips.length > 0 && (
                    <span className="block text-xs font-normal text-muted-foreground" title={k.allowed_ips.join(", ")}>
                      From {k.allowed_ips.length === 1 ? k.allowed_ips[0] : `${k.allowed_ips.length} addresses`}
                    </span>
                  )}
                </TableCell>
                <TableCell>
                  <code className="text-xs whitespace-nowrap">{k.hint}</code>
                </TableCell>
                <TableCell>
                  <div className="flex max-w-64 flex-wrap gap-1">
                    {k.scopes.map((s) => (
                      <Badge key={s} variant="outline" className="font-mono">
                        {s}
                      </Badge>
                    ))}
                  </div>
                </TableCell>
                <TableCell>
                  <DateTime value={k.created_at} />
                  {k.created_by && <span className="block text-xs text-muted-foreground">by {k.created_by.name}</span>}
                </TableCell>
                <TableCell>{k.expires_at ? <DateTime value={k.expires_at} /> : <span className="text-muted-foreground">Never</span>}</TableCell>
                <TableCell>{k.last_used_at ? <DateTime value={k.last_used_at} /> : <span className="text-muted-foreground">Never</span>}</TableCell>
                <TableCell>
                  <Badge variant={STATUS[k.status].variant}>{STATUS[k.status].label}</Badge>
                </TableCell>
                <TableCell className="text-right">
                  {k.status !== "revoked" && (
                    <ConfirmDialog
                      trigger={
                        <Button variant="ghost" size="sm" className="text-destructive" disabled={revoke.isPending}>
                          <Trash2 aria-hidden className="size-4" />
                          Revoke
                        </Button>
                      }
                      title={<>Revoke “{k.name}”?</>}
                      description={<>Every system using {k.hint} is refused from the next request on. This cannot be undone; create a new key to restore access.</>}
                      confirmLabel="Revoke key"
                      variant="destructive"
                      closeOnConfirm
                      onConfirm={() => revoke.mutate({ id: k.id })}
                    />
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
