"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Cable, KeyRound, Pencil, Plus, Stethoscope, Trash2 } from "lucide-react";
import { useState } from "react";
import { EnabledToggle } from "@/components/catalog/enabled-toggle";
import { DateTime, type RouterOutputs } from "@/components/disbursements/common";
import { useTRPC } from "@/components/trpc/client";
import { messageOf } from "@/components/trpc/errors";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { plural } from "@/lib/format";
import { ConnectionDialog } from "./connection-dialog";
import { CredentialsDialog } from "./credentials-dialog";
import { HealthCell } from "./health-badge";

export type ConnectionRow = RouterOutputs["connections"]["list"][number];

const RAIL_LABELS = { STELLAR: "Stellar", BANK: "Bank", MOJALOOP: "Mojaloop" } as const;

function endpointOf(c: ConnectionRow): string {
  const s = c.settings as { baseUrl?: string; horizonUrl?: string };
  if (c.rail_type !== "STELLAR") return s.baseUrl ?? "—";
  return s.horizonUrl ?? "The operator's Horizon";
}

/** The organization's payment connections: list, add, edit, test, enable/disable, delete. */
export function ConnectionsSection({ canManage }: { canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: connections } = useSuspenseQuery(trpc.connections.list.queryOptions());
  const [editing, setEditing] = useState<{ open: boolean; connection?: ConnectionRow }>({ open: false });
  const [credentialsOf, setCredentialsOf] = useState<ConnectionRow | null>(null);
  const [disabling, setDisabling] = useState<ConnectionRow | null>(null);
  const [deleting, setDeleting] = useState<ConnectionRow | null>(null);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });

  const setEnabled = useMutation(
    trpc.connections.setEnabled.mutationOptions({
      onSuccess: (c) => {
        setNotice({
          kind: "success",
          text: c.enabled
            ? `${c.name} is enabled: routing rules may send payments through it again.`
            : `${c.name} is disabled: routing rules skip it (their fallback is used).`,
        });
        return refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
      onSettled: () => setDisabling(null),
    }),
  );
  const test = useMutation(
    trpc.connections.test.mutationOptions({
      onSuccess: (r) => {
        const verdict = r.healthy ? "healthy" : r.status === "UNKNOWN" ? "not checked" : "unhealthy";
        setNotice({ kind: r.healthy ? "success" : "error", text: `${r.connection.name}: ${verdict}. ${r.message}` });
        return refresh();
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );
  const remove = useMutation(
    trpc.connections.delete.mutationOptions({
      onSuccess: async () => {
        setNotice({ kind: "success", text: `${deleting?.name ?? "The connection"} was deleted.` });
        setDeleting(null);
        await refresh();
      },
    }),
  );

  const add = canManage && (
    <Button
      onClick={() => {
        setNotice(null);
        setEditing({ open: true });
      }}
    >
      <Plus aria-hidden />
      Add connection
    </Button>
  );

  return (
    <section aria-labelledby="connections-title" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="connections-title" className="text-lg font-semibold">
            Payment connections
          </h2>
          <p className="text-sm text-muted-foreground">
            {canManage
              ? "Credentials are stored encrypted and never shown again: you can only replace them."
              : "Owners and financial controllers manage connections; you can see them."}
          </p>
        </div>
        {connections.length > 0 && add}
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"} data-testid="connections-notice">
          <AlertDescription>{notice.text}</AlertDescription>
        </Alert>
      )}
      {connections.length === 0 ? (
        <EmptyState
          icon={<Cable aria-hidden />}
          title="No connections yet"
          description="A connection is one way out of the platform: the Stellar distribution account, a sponsor bank reached by its API or by payment files, or a Mojaloop switch. Add one, then route payments to it with routing rules."
          action={add || undefined}
        />
      ) : (
        <div className="rounded-lg border border-border bg-card">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Connection</TableHead>
                <TableHead>Endpoint</TableHead>
                <TableHead>Currencies</TableHead>
                <TableHead>Health</TableHead>
                <TableHead>Enabled</TableHead>
                {canManage && (
                  <TableHead className="text-right">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                )}
              </TableRow>
            </TableHeader>
            <TableBody>
              {connections.map((c) => (
                <TableRow key={c.id} data-testid={`connection-${c.id}`} aria-label={c.name}>
                  <TableCell className="max-w-56 min-w-44">
                    <span className="block font-medium [overflow-wrap:anywhere]">{c.name}</span>
                    <span className="flex flex-wrap items-center gap-1 text-xs text-muted-foreground">
                      <Badge variant="secondary">{RAIL_LABELS[c.rail_type]}</Badge>
                      {c.rail_type === "BANK" && <span>{(c.settings as { shipmentMode?: string }).shipmentMode === "FILE" ? "Files" : "API"}</span>}
                      {c.rail_type === "MOJALOOP" && <span className="font-mono">{(c.settings as { fspId?: string }).fspId}</span>}
                      {c.usage.routing_rules > 0 && <span>· {plural(c.usage.routing_rules, "routing rule")}</span>}
                    </span>
                    {c.rail_type !== "STELLAR" && (
                      <span className="block text-xs text-muted-foreground">
                        {c.rail_type === "MOJALOOP" ? "JWS keys" : "Credentials"}{" "}
                        {c.credentials.set && c.credentials.updated_at ? (
                          <>
                            set on <DateTime value={c.credentials.updated_at} />
                          </>
                        ) : (
                          "not set"
                        )}
                      </span>
                    )}
                  </TableCell>
                  <TableCell className="max-w-56 min-w-40">
                    <code className="font-mono text-xs [overflow-wrap:anywhere]">{endpointOf(c)}</code>
                  </TableCell>
                  <TableCell className="text-sm">
                    {c.currency_mapping.length === 0
                      ? c.rail_type === "STELLAR"
                        ? "All Stellar assets"
                        : "None"
                      : c.currency_mapping.map((m) => m.asset_code ?? m.rail_currency).join(", ")}
                  </TableCell>
                  <TableCell>
                    <HealthCell health={c.health} />
                  </TableCell>
                  <TableCell>
                    <EnabledToggle
                      enabled={c.enabled}
                      canWrite={canManage}
                      pending={setEnabled.isPending}
                      label={c.name}
                      onEnable={() => {
                        setNotice(null);
                        setEnabled.mutate({ id: c.id, enabled: true });
                      }}
                      onRequestDisable={() => {
                        setNotice(null);
                        setDisabling(c);
                      }}
                    />
                  </TableCell>
                  {canManage && (
                    <TableCell className="text-right">
                      <div className="flex flex-wrap justify-end gap-1">
                        <Button
                          variant="outline"
                          size="sm"
                          disabled={test.isPending}
                          onClick={() => {
                            setNotice(null);
                            test.mutate({ id: c.id });
                          }}
                        >
                          <Stethoscope aria-hidden />
                          {test.isPending && test.variables?.id === c.id ? "Testing…" : "Test connection"}
                          <span className="sr-only"> {c.name}</span>
                        </Button>
                        <Button variant="ghost" size="sm" onClick={() => (setNotice(null), setEditing({ open: true, connection: c }))}>
                          <Pencil aria-hidden />
                          Edit<span className="sr-only"> {c.name}</span>
                        </Button>
                        {c.rail_type !== "STELLAR" && (
                          <Button variant="ghost" size="sm" onClick={() => (setNotice(null), setCredentialsOf(c))}>
                            <KeyRound aria-hidden />
                            Credentials<span className="sr-only"> of {c.name}</span>
                          </Button>
                        )}
                        <Button variant="ghost" size="sm" onClick={() => (setNotice(null), remove.reset(), setDeleting(c))}>
                          <Trash2 aria-hidden />
                          Delete<span className="sr-only"> {c.name}</span>
                        </Button>
                      </div>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}

      {canManage && (
        <>
          <ConnectionDialog
            open={editing.open}
            connection={editing.connection}
            onOpenChange={(open) => setEditing((d) => ({ ...d, open }))}
            onSaved={(c, created) => {
              setEditing({ open: false });
              setNotice({ kind: "success", text: created ? `${c.name} was added. Test it to see whether it works.` : `${c.name} was saved.` });
            }}
          />
          <CredentialsDialog
            connection={credentialsOf}
            onOpenChange={(open) => !open && setCredentialsOf(null)}
            onSaved={(c) => {
              setCredentialsOf(null);
              setNotice({ kind: "success", text: `The credentials of ${c.name} were replaced. Test it to check the new ones.` });
            }}
          />
          <ConfirmDialog
            open={disabling !== null}
            onOpenChange={(open) => !open && setDisabling(null)}
            title={<>Disable {disabling?.name}?</>}
            description="Routing rules stop sending new payments through it: rules that target it use their fallback connection, or leave the payments unrouted. Payments already handed over go on."
            cancelLabel="Keep it enabled"
            confirmLabel="Disable connection"
            variant="destructive"
            pending={setEnabled.isPending}
            onConfirm={() => {
              if (disabling) setEnabled.mutate({ id: disabling.id, enabled: false });
            }}
          />
          <ConfirmDialog
            open={deleting !== null}
            onOpenChange={(open) => !open && !remove.isPending && setDeleting(null)}
            title={<>Delete {deleting?.name}?</>}
            description="The connection, its settings and its stored credentials are removed for good. A connection used by a routing rule or by payments cannot be deleted: disable it instead."
            confirmLabel="Delete connection"
            pendingLabel="Deleting…"
            variant="destructive"
            pending={remove.isPending}
            error={remove.error ? messageOf(remove.error) : null}
            onConfirm={() => {
              if (deleting) remove.mutate({ id: deleting.id });
            }}
          />
        </>
      )}
    </section>
  );
}
