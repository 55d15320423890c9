"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { KeyRound, Plus, Trash2, TriangleAlert } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DateTime, NativeSelect } from "@/components/disbursements/common";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { G2P_OAUTH_SCOPE_LABELS, OAUTH_CLIENT_NAME_MAX, type G2pOauthScope } from "@/server/schemas/g2p-oauth.schema";
import { CopyButton } from "./copy-button";

/**
 * OAuth2 client credentials of the G2P senders (docs/g2p-connect.md#authorization): create (the
 * secret is shown once), list, revoke with confirmation.
 */
export function OauthClientsSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: clients } = useSuspenseQuery(trpc.integrations.oauthClients.queryOptions());
  const { data: senders } = useSuspenseQuery(trpc.integrations.senders.queryOptions());
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const revoke = useMutation(
    trpc.integrations.revokeOauthClient.mutationOptions({
      onSuccess: (c) => {
        setNotice({ kind: "success", text: `“${c.name}” is revoked: its client secret and every token issued with it are refused from now on.` });
        return queryClient.invalidateQueries({ queryKey: trpc.integrations.oauthClients.queryKey() });
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
    }),
  );

  const create = (
    <Button
      variant="outline"
      disabled={senders.length === 0}
      onClick={() => {
        setNotice(null);
        setOpen(true);
      }}
    >
      <Plus aria-hidden />
      Create client credentials
    </Button>
  );

  return (
    <section aria-labelledby="oauth-clients-title" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="oauth-clients-title" className="text-lg font-semibold">
            OAuth2 client credentials
          </h2>
          <p className="max-w-3xl text-sm text-muted-foreground">
            Instead of an API key, a sender can get short-lived access tokens from <code className="rounded bg-muted px-1 text-xs">POST /oauth2/client/token</code>{" "}
            (client-credentials grant) and send them as <code className="rounded bg-muted px-1 text-xs">Authorization: Bearer &lt;token&gt;</code>. Credentials act for
            one sender only.
          </p>
        </div>
        {clients.length > 0 && create}
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"}>
          <AlertDescription>{notice.text}</AlertDescription>
        </Alert>
      )}
      {clients.length === 0 ? (
        <EmptyState
          icon={<KeyRound aria-hidden />}
          title="No client credentials yet"
          description={
            senders.length === 0
              ? "Register a sender first; client credentials belong to one sender."
              : "Create a client id and secret for a sender that authenticates the OAuth2 way, as G2P Connect's authorization API describes."
          }
          action={create}
        />
      ) : (
        <div className="rounded-lg border border-border bg-card">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Client id</TableHead>
                <TableHead>Sender</TableHead>
                <TableHead>Scopes</TableHead>
                <TableHead>Created</TableHead>
                <TableHead>Last used</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {clients.map((c) => (
                <TableRow key={c.id} data-testid={`oauth-client-${c.client_id}`}>
                  <TableCell className="font-medium">{c.name}</TableCell>
                  <TableCell>
                    <span className="flex items-center gap-1">
                      <code className="font-mono text-xs">{c.client_id}</code>
                      <CopyButton value={c.client_id} label={`${c.name} client id`} className="size-6" />
                    </span>
                  </TableCell>
                  <TableCell>
                    <code className="font-mono text-xs">{c.sender_id ?? "—"}</code>
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-wrap gap-1">
                      {c.scopes.map((s) => (
                        <Badge key={s} variant="outline" className="font-mono">
                          {s}
                        </Badge>
                      ))}
                    </div>
                  </TableCell>
                  <TableCell>
                    <DateTime value={c.created_at} />
                    {c.created_by && <span className="block text-xs text-muted-foreground">by {c.created_by}</span>}
                  </TableCell>
                  <TableCell>{c.last_used_at ? <DateTime value={c.last_used_at} /> : <span className="text-muted-foreground">Never</span>}</TableCell>
                  <TableCell>
                    <Badge variant={c.revoked_at ? "destructive" : "success"}>{c.revoked_at ? "Revoked" : "Active"}</Badge>
                  </TableCell>
                  <TableCell className="text-right">
                    {!c.revoked_at && (
                      <ConfirmDialog
                        trigger={
                          <Button variant="ghost" size="sm" className="text-destructive" disabled={revoke.isPending}>
                            <Trash2 aria-hidden className="size-4" />
                            Revoke
                          </Button>
                        }
                        title={<>Revoke “{c.name}”?</>}
                        description={
                          <>
                            The token endpoint refuses {c.client_id} from now on, and every access token already issued with it is refused from the next request on. This
                            cannot be undone; create new credentials to restore access.
                          </>
                        }
                        confirmLabel="Revoke credentials"
                        variant="destructive"
                        closeOnConfirm
                        onConfirm={() => {
                          setNotice(null);
                          revoke.mutate({ id: c.id });
                        }}
                      />
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      <CreateOauthClientDialog open={open} onOpenChange={setOpen} senders={senders.map((s) => ({ id: s.id, name: s.name, senderId: s.sender_id }))} />
    </section>
  );
}

function CreateOauthClientDialog({
  open,
  onOpenChange,
  senders,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  senders: { id: string; name: string; senderId: string }[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [scope, setScope] = useState<G2pOauthScope>("write:disbursements");
  const create = useMutation(
    trpc.integrations.createOauthClient.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.integrations.oauthClients.queryKey() }),
    }),
  );
  const errors = fieldErrorsOf(create.error);

  function change(next: boolean) {
    onOpenChange(next);
    if (!next) {
      // Forget the secret as soon as the dialog closes.
      create.reset();
      setScope("write:disbursements");
    }
  }

  return (
    <Dialog open={open} onOpenChange={change}>
      <DialogContent className="max-w-xl" onInteractOutside={(e) => create.data && e.preventDefault()}>
        <DialogHeader>
          <DialogTitle>{create.data ? `Client credentials “${create.data.name}” created` : "Create client credentials"}</DialogTitle>
          <DialogDescription>
            {create.data ? "Copy the client secret before closing this dialog." : "A client id and secret the sender trades for short-lived access tokens."}
          </DialogDescription>
        </DialogHeader>
        {create.data ? (
          <div className="space-y-4">
            <Alert>
              <TriangleAlert aria-hidden />
              <AlertTitle>Copy the client secret now</AlertTitle>
              <AlertDescription>
                It is shown only this once and cannot be recovered; we store only a hash of it. If it is lost or leaked, revoke these credentials and create new ones.
              </AlertDescription>
            </Alert>
            <Field label="Client id">
              <div className="flex gap-2">
                <Input readOnly value={create.data.client_id} className="font-mono text-xs" data-testid="new-client-id" onFocus={(e) => e.currentTarget.select()} />
                <CopyButton value={create.data.client_id} label="client id" />
              </div>
            </Field>
            <Field label="Client secret">
              <div className="flex gap-2">
                <Input
                  readOnly
                  value={create.data.client_secret}
                  className="font-mono text-xs"
                  data-testid="new-client-secret"
                  onFocus={(e) => e.currentTarget.select()}
                />
                <CopyButton value={create.data.client_secret} label="client secret" />
              </div>
            </Field>
            <p className="text-xs text-muted-foreground">
              Get a token with <code className="rounded bg-muted px-1">POST /oauth2/client/token</code>,{" "}
              <code className="rounded bg-muted px-1">grant_type=client_credentials</code>, the client id and secret in the form body or as HTTP Basic.
            </p>
            <DialogFooter>
              <Button onClick={() => change(false)}>I have copied the secret</Button>
            </DialogFooter>
          </div>
        ) : (
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              const form = new FormData(e.currentTarget);
              create.mutate({ name: String(form.get("name") ?? ""), sender_row_id: String(form.get("sender_row_id") ?? ""), scopes: [scope] });
            }}
          >
            <Field label="Name" required error={errors.name} hint="What uses them, e.g. “Social registry (production)”.">
              <Input name="name" autoComplete="off" required maxLength={OAUTH_CLIENT_NAME_MAX} />
            </Field>
            <Field label="Sender" required error={errors.sender_row_id} hint="The credentials act for this sender only.">
              <NativeSelect name="sender_row_id" defaultValue={senders[0]?.id}>
                {senders.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.senderId})
                  </option>
                ))}
              </NativeSelect>
            </Field>
            <fieldset className="space-y-2">
              <legend className="text-sm font-medium">Scope</legend>
              {(Object.keys(G2P_OAUTH_SCOPE_LABELS) as G2pOauthScope[]).map((s) => (
                <label key={s} className="flex items-center gap-2 text-sm">
                  <input type="radio" name="scope" value={s} checked={scope === s} onChange={() => setScope(s)} />
                  {G2P_OAUTH_SCOPE_LABELS[s]}
                </label>
              ))}
              {errors.scopes && <p className="text-xs font-medium text-destructive">{errors.scopes}</p>}
            </fieldset>
            {create.error && !errors.name && !errors.scopes && !errors.sender_row_id && (
              <Alert variant="destructive">
                <AlertDescription>{messageOf(create.error)}</AlertDescription>
              </Alert>
            )}
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => change(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={create.isPending}>
                {create.isPending ? "Creating…" : "Create credentials"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
