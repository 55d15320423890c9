"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { ExternalLink, Plus, Trash2, Wallet } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { EnabledToggle } from "./enabled-toggle";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { shorten } from "@/components/disbursements/common";
import { WALLET_NAME_MAX } from "@/server/schemas/catalog.schema";

type WalletRow = { id: string; name: string; enabled: boolean };

export function WalletsSection({ canWrite }: { canWrite: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: wallets } = useSuspenseQuery(trpc.catalog.wallets.queryOptions());
  const [disabling, setDisabling] = useState<WalletRow | null>(null);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const update = useMutation(
    trpc.catalog.updateWallet.mutationOptions({
      onSuccess: (w) => {
        setNotice({ kind: "success", text: `${w.name} is now ${w.enabled ? "enabled" : "disabled"}.` });
        return queryClient.invalidateQueries({ queryKey: trpc.catalog.wallets.queryKey() });
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
      onSettled: () => setDisabling(null),
    }),
  );
  // A soft delete (SDP's DELETE /wallets/{id}): refusals (what still uses it) are shown in the dialog.
  const [deleting, setDeleting] = useState<WalletRow | null>(null);
  const remove = useMutation(
    trpc.catalog.deleteWallet.mutationOptions({
      onSuccess: () => {
        setNotice({ kind: "success", text: `${deleting?.name ?? "The wallet"} was deleted.` });
        setDeleting(null);
        return queryClient.invalidateQueries({ queryKey: trpc.catalog.wallets.queryKey() });
      },
    }),
  );

  return (
    <section aria-labelledby="wallets-title" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="wallets-title" className="text-lg font-semibold">
            Wallets
          </h2>
          <p className="text-sm text-muted-foreground">The wallet apps receivers register with. Only enabled wallets can be chosen for disbursements.</p>
        </div>
        {canWrite && <AddWalletDialog />}
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"}>
          <AlertDescription className={notice.kind === "success" ? "text-success" : undefined}>{notice.text}</AlertDescription>
        </Alert>
      )}
      {wallets.length === 0 ? (
        <EmptyState
          icon={<Wallet aria-hidden />}
          title="No wallets yet"
          description={canWrite ? "Add the wallet your receivers use." : "Nobody has added a wallet yet."}
        />
      ) : (
        <div className="rounded-lg border border-border bg-card">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Homepage</TableHead>
                <TableHead>Deep link schema</TableHead>
                <TableHead>SEP-10 client domain</TableHead>
                <TableHead>Assets</TableHead>
                <TableHead>Enabled</TableHead>
                {canWrite && (
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                )}
              </TableRow>
            </TableHeader>
            <TableBody>
              {wallets.map((w) => (
                <TableRow key={w.id} data-testid={`wallet-${w.name}`}>
                  <TableCell className="max-w-48 font-medium wrap-anywhere">{w.name}</TableCell>
                  <TableCell className="max-w-48 break-all">
                    <a href={w.homepage} target="_blank" rel="noreferrer noopener" className="inline-flex items-center gap-1 text-primary hover:underline">
                      {w.homepage.replace(/^https?:\/\//, "")}
                      <ExternalLink aria-hidden className="size-3 shrink-0" />
                      <span className="sr-only">(opens in a new tab)</span>
                    </a>
                  </TableCell>
                  <TableCell className="max-w-56">
                    {w.deep_link_schema ? (
                      <code className="text-xs break-all">{w.deep_link_schema}</code>
                    ) : (
                      <span className="text-sm text-muted-foreground">None: invitations open this platform&apos;s registration page</span>
                    )}
                  </TableCell>
                  <TableCell className="max-w-48">
                    <code className="text-xs break-all">{w.sep_10_client_domain}</code>
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-wrap gap-1">
                      {w.assets.length === 0 ? (
                        <span className="text-muted-foreground">None</span>
                      ) : (
                        w.assets.map((a) => (
                          <Badge key={a.id} variant="secondary" title={a.issuer || "native"}>
                            {a.code}
                          </Badge>
                        ))
                      )}
                    </div>
                  </TableCell>
                  <TableCell>
                    <EnabledToggle
                      enabled={w.enabled}
                      canWrite={canWrite}
                      pending={update.isPending}
                      label={w.name}
                      onEnable={() => {
                        setNotice(null);
                        update.mutate({ id: w.id, enabled: true });
                      }}
                      onRequestDisable={() => {
                        setNotice(null);
                        setDisabling(w);
                      }}
                    />
                  </TableCell>
                  {canWrite && (
                    <TableCell className="w-12 px-1 text-right">
                      {/* Icon only: the wallets table is the page's widest; the name is in the label and tooltip. */}
                      <Button
                        variant="ghost"
                        size="icon"
                        aria-label={`Delete ${w.name}`}
                        title={`Delete ${w.name}`}
                        onClick={() => {
                          setNotice(null);
                          remove.reset();
                          setDeleting(w);
                        }}
                      >
                        <Trash2 aria-hidden />
                      </Button>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}

      <ConfirmDialog
        open={disabling !== null}
        onOpenChange={(open) => !open && setDisabling(null)}
        title={<>Disable {disabling?.name}?</>}
        description="New disbursements cannot use it, and disbursements that use it cannot be started until it is enabled again."
        cancelLabel="Keep it enabled"
        confirmLabel="Disable wallet"
        variant="destructive"
        pending={update.isPending}
        onConfirm={() => {
          if (disabling) update.mutate({ id: disabling.id, enabled: false });
        }}
      />

      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={<>Delete {deleting?.name}?</>}
        description="Receivers can no longer register with it and new disbursements cannot use it. Disbursements and payments already made keep showing it. A deleted wallet's name cannot be used for a new wallet."
        cancelLabel="Keep it"
        confirmLabel="Delete wallet"
        pendingLabel="Deleting…"
        variant="destructive"
        pending={remove.isPending}
        error={remove.error ? messageOf(remove.error) : null}
        onConfirm={() => {
          if (deleting) remove.mutate({ id: deleting.id });
        }}
      />
    </section>
  );
}

function AddWalletDialog() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: assets } = useSuspenseQuery(trpc.catalog.assets.queryOptions());
  const [open, setOpen] = useState(false);
  const [assetIds, setAssetIds] = useState<Set<string>>(new Set());
  const create = useMutation(
    trpc.catalog.createWallet.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.catalog.wallets.queryKey() });
        onOpenChange(false);
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      setAssetIds(new Set());
      create.reset();
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <Plus aria-hidden />
          Add wallet
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add a wallet</DialogTitle>
          <DialogDescription>A wallet app receivers can register with. Its provider gives you these details.</DialogDescription>
        </DialogHeader>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            create.mutate({
              name: String(form.get("name") ?? ""),
              homepage: String(form.get("homepage") ?? ""),
              deep_link_schema: String(form.get("deep_link_schema") ?? ""),
              sep_10_client_domain: String(form.get("sep_10_client_domain") ?? ""),
              asset_ids: [...assetIds],
              enabled: form.get("enabled") === "on",
            });
          }}
        >
          <Field label="Name" required error={errors.name}>
            <Input name="name" maxLength={WALLET_NAME_MAX} autoComplete="off" />
          </Field>
          <Field label="Homepage" required error={errors.homepage} hint="https://…">
            <Input name="homepage" type="url" placeholder="https://wallet.example.org" autoComplete="off" />
          </Field>
          <Field
            label="Deep link schema"
            required
            error={errors.deep_link_schema}
            hint="Where the invitation link opens the wallet, e.g. wallet://sdp or https://wallet.example.org/sdp."
          >
            <Input name="deep_link_schema" autoComplete="off" spellCheck={false} />
          </Field>
          <Field label="SEP-10 client domain" required error={errors.sep_10_client_domain} hint="The domain hosting the wallet's stellar.toml, e.g. wallet.example.org.">
            <Input name="sep_10_client_domain" autoComplete="off" spellCheck={false} />
          </Field>
          <fieldset aria-describedby={errors.asset_ids ? "wallet-assets-error" : undefined}>
            <legend className="mb-2 text-sm font-medium">
              Supported assets
              <span aria-hidden className="ml-0.5 text-destructive">
                *
              </span>
            </legend>
            {assets.length === 0 ? (
              <p className="text-sm text-muted-foreground">Add an asset first.</p>
            ) : (
              <div className="grid gap-2 sm:grid-cols-2">
                {assets.map((a) => (
                  <label key={a.id} className="flex items-center gap-2 rounded-md border border-border px-3 py-2 text-sm">
                    <input
                      type="checkbox"
                      className="size-4 accent-primary"
                      checked={assetIds.has(a.id)}
                      onChange={(e) =>
                        setAssetIds((prev) => {
                          const next = new Set(prev);
                          if (e.target.checked) next.add(a.id);
                          else next.delete(a.id);
                          return next;
                        })
                      }
                    />
                    <span className="font-medium">{a.code}</span>
                    <span className="truncate text-xs text-muted-foreground" title={a.issuer || undefined}>
                      {a.issuer ? shorten(a.issuer, 4, 4) : "native"}
                      {!a.enabled && " · disabled"}
                    </span>
                  </label>
                ))}
              </div>
            )}
            {errors.asset_ids && (
              <p id="wallet-assets-error" className="mt-1 text-xs font-medium text-destructive">
                {errors.asset_ids}
              </p>
            )}
          </fieldset>
          <div className="flex items-center gap-3">
            <Switch id="wallet-enabled" name="enabled" defaultChecked />
            <label htmlFor="wallet-enabled" className="text-sm font-medium">
              Enabled
            </label>
          </div>
          {create.error && Object.keys(errors).length === 0 && (
            <Alert variant="destructive">
              <AlertDescription>{messageOf(create.error)}</AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? "Adding…" : "Add wallet"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
