"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { ArrowDown, ArrowUp, Pencil, Plus, Split, Trash2 } from "lucide-react";
import { useState } from "react";
import { EnabledToggle } from "@/components/catalog/enabled-toggle";
import type { RouterOutputs } from "@/components/disbursements/common";
import { useTRPC } from "@/components/trpc/client";
import { messageOf } from "@/components/trpc/errors";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { RuleDialog } from "./rule-dialog";

export type RoutingRuleRow = RouterOutputs["routing"]["list"][number];

/** Why a rule's connection would not be used now, for a badge beside it. */
function connectionState(c: RoutingRuleRow["connection"]): string | null {
  if (!c.enabled) return "disabled";
  if (c.health_status === "UNHEALTHY") return "unhealthy";
  return null;
}

/** The ordered rule list: move up/down, enable/disable, add, edit, delete (owner and financial controller). */
export function RoutingRulesSection({ canManage }: { canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: rules } = useSuspenseQuery(trpc.routing.list.queryOptions());
  const [editing, setEditing] = useState<{ open: boolean; rule?: RoutingRuleRow }>({ open: false });
  const [disabling, setDisabling] = useState<RoutingRuleRow | null>(null);
  const [deleting, setDeleting] = useState<RoutingRuleRow | null>(null);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.routing.list.queryKey() });
  const onError = (e: unknown) => setNotice({ kind: "error", text: messageOf(e) ?? "" });

  const reorder = useMutation(trpc.routing.reorder.mutationOptions({ onSuccess: (list) => queryClient.setQueryData(trpc.routing.list.queryKey(), list), onError }));
  const setEnabled = useMutation(
    trpc.routing.setEnabled.mutationOptions({
      onSuccess: (r) => {
        setNotice({ kind: "success", text: r.enabled ? `“${r.name}” is enabled.` : `“${r.name}” is disabled: the rules below it decide instead.` });
        return refresh();
      },
      onError,
      onSettled: () => setDisabling(null),
    }),
  );
  const remove = useMutation(
    trpc.routing.delete.mutationOptions({
      onSuccess: async () => {
        setNotice({ kind: "success", text: `“${deleting?.name ?? "The rule"}” was deleted.` });
        setDeleting(null);
        await refresh();
      },
    }),
  );

  function move(index: number, by: -1 | 1) {
    const ids = rules.map((r) => r.id);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id!);
    setNotice(null);
    reorder.mutate({ ids });
  }

  const add = canManage && (
    <Button onClick={() => (setNotice(null), setEditing({ open: true }))}>
      <Plus aria-hidden />
      Add rule
    </Button>
  );

  return (
    <section aria-labelledby="routing-title" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="routing-title" className="text-lg font-semibold">
            Rules, checked from the top
          </h2>
          <p className="text-sm text-muted-foreground">
            {canManage
              ? "A payment no rule routes stops its disbursement from starting; the disbursement page shows where its payments would go."
              : "Owners and financial controllers change routing rules; you can see them."}
          </p>
        </div>
        {rules.length > 0 && add}
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"} data-testid="routing-notice">
          <AlertDescription>{notice.text}</AlertDescription>
        </Alert>
      )}
      {rules.length === 0 ? (
        <EmptyState
          icon={<Split aria-hidden />}
          title="No routing rules"
          description="Without a rule no payment can be routed, so no disbursement can start. Add a rule, for example “to Stellar address → Stellar distribution account”."
          action={add || undefined}
        />
      ) : (
        <ol className="divide-y divide-border rounded-lg border border-border bg-card" aria-label="Routing rules in order">
          {rules.map((r, i) => (
            <li key={r.id} className="flex flex-wrap items-center gap-3 p-3" data-testid={`rule-${r.id}`} aria-label={r.name}>
              <span
                className="flex size-7 shrink-0 items-center justify-center rounded-full bg-muted text-sm font-medium tabular-nums"
                aria-label={`Position ${r.position}`}
              >
                {r.position}
              </span>
              <div className="min-w-56 flex-1">
                <p className={r.enabled ? "font-medium" : "font-medium text-muted-foreground line-through"}>{r.name}</p>
                <p className="text-sm text-muted-foreground" data-testid="rule-description">
                  {r.description}
                </p>
                <p className="mt-1 flex flex-wrap gap-1">
                  {!r.enabled && <Badge variant="outline">Disabled</Badge>}
                  {connectionState(r.connection) && (
                    <Badge variant="warning">
                      {r.connection.name} is {connectionState(r.connection)}
                      {r.fallback_connection && !connectionState(r.fallback_connection) ? `: ${r.fallback_connection.name} is used` : ": routes nothing"}
                    </Badge>
                  )}
                </p>
              </div>
              <EnabledToggle
                enabled={r.enabled}
                canWrite={canManage}
                pending={setEnabled.isPending}
                label={r.name}
                onEnable={() => (setNotice(null), setEnabled.mutate({ id: r.id, enabled: true }))}
                onRequestDisable={() => (setNotice(null), setDisabling(r))}
              />
              {canManage && (
                <div className="flex flex-wrap justify-end gap-1">
                  <Button variant="ghost" size="sm" disabled={i === 0 || reorder.isPending} onClick={() => move(i, -1)}>
                    <ArrowUp aria-hidden />
                    <span className="sr-only">Move {r.name} up</span>
                  </Button>
                  <Button variant="ghost" size="sm" disabled={i === rules.length - 1 || reorder.isPending} onClick={() => move(i, 1)}>
                    <ArrowDown aria-hidden />
                    <span className="sr-only">Move {r.name} down</span>
                  </Button>
                  <Button variant="ghost" size="sm" onClick={() => (setNotice(null), setEditing({ open: true, rule: r }))}>
                    <Pencil aria-hidden />
                    Edit<span className="sr-only"> {r.name}</span>
                  </Button>
                  <Button variant="ghost" size="sm" onClick={() => (setNotice(null), remove.reset(), setDeleting(r))}>
                    <Trash2 aria-hidden />
                    Delete<span className="sr-only"> {r.name}</span>
                  </Button>
                </div>
              )}
            </li>
          ))}
        </ol>
      )}

      {canManage && (
        <>
          <RuleDialog
            open={editing.open}
            rule={editing.rule}
            onOpenChange={(open) => setEditing((d) => ({ ...d, open }))}
            onSaved={(r, created) => {
              setEditing({ open: false });
              setNotice({
                kind: "success",
                text: created ? `“${r.name}” was added at position ${r.position}. Move it up to check it earlier.` : `“${r.name}” was saved.`,
              });
            }}
          />
          <ConfirmDialog
            open={disabling !== null}
            onOpenChange={(open) => !open && setDisabling(null)}
            title={<>Disable “{disabling?.name}”?</>}
            description="It keeps its place but routes nothing: the rules below it decide instead. Payments already routed keep their connection."
            cancelLabel="Keep it enabled"
            confirmLabel="Disable rule"
            variant="destructive"
            pending={setEnabled.isPending}
            onConfirm={() => disabling && setEnabled.mutate({ id: disabling.id, enabled: false })}
          />
          <ConfirmDialog
            open={deleting !== null}
            onOpenChange={(open) => !open && !remove.isPending && setDeleting(null)}
            title={<>Delete “{deleting?.name}”?</>}
            description="The rules below it move up. Payments it already routed keep their connection. This cannot be undone."
            confirmLabel="Delete rule"
            pendingLabel="Deleting…"
            variant="destructive"
            pending={remove.isPending}
            error={remove.error ? messageOf(remove.error) : null}
            onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
          />
        </>
      )}
    </section>
  );
}
