"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Coins, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EnabledToggle } from "./enabled-toggle";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { CopyValue } from "@/components/disbursements/common";
import { ASSET_CODE_MAX, STELLAR_ADDRESS_LENGTH } from "@/server/schemas/catalog.schema";
import { currencyDecimals } from "@/server/domain/currencies";

type Asset = { id: string; kind: "STELLAR" | "FIAT"; code: string; issuer: string; decimals: number; enabled: boolean };

export function AssetsSection({ canWrite }: { canWrite: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: assets } = useSuspenseQuery(trpc.catalog.assets.queryOptions());
  const [disabling, setDisabling] = useState<Asset | null>(null);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const setEnabled = useMutation(
    trpc.catalog.setAssetEnabled.mutationOptions({
      onSuccess: (a) => {
        setNotice({ kind: "success", text: `${a.code} is now ${a.enabled ? "enabled" : "disabled"}.` });
        return Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.catalog.assets.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.catalog.wallets.queryKey() }),
        ]);
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
      onSettled: () => setDisabling(null),
    }),
  );
  // A soft delete (SDP's DELETE /assets/{id}): refusals (what still uses it) are shown in the dialog.
  const [deleting, setDeleting] = useState<Asset | null>(null);
  const remove = useMutation(
    trpc.catalog.deleteAsset.mutationOptions({
      onSuccess: (r) => {
        setNotice({ kind: "success", text: `${r.asset.code} was deleted. Adding it again restores it.` });
        setDeleting(null);
        return Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.catalog.assets.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.catalog.wallets.queryKey() }),
        ]);
      },
    }),
  );

  return (
    <section aria-labelledby="assets-title" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="assets-title" className="text-lg font-semibold">
            Assets
          </h2>
          <p className="text-sm text-muted-foreground">What you pay in. A disabled asset cannot be chosen for new disbursements.</p>
        </div>
        {canWrite && <AddAssetDialog />}
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"}>
          <AlertDescription className={notice.kind === "success" ? "text-success" : undefined}>{notice.text}</AlertDescription>
        </Alert>
      )}
      {assets.length === 0 ? (
        <EmptyState icon={<Coins aria-hidden />} title="No assets yet" description={canWrite ? "Add the assets you pay in." : "Nobody has added an asset yet."} />
      ) : (
        <div className="rounded-lg border border-border bg-card">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Code</TableHead>
                <TableHead>Kind</TableHead>
                <TableHead>Issuer</TableHead>
                <TableHead className="text-right">Decimals</TableHead>
                <TableHead>Enabled</TableHead>
                {canWrite && (
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                )}
              </TableRow>
            </TableHeader>
            <TableBody>
              {assets.map((a) => (
                <TableRow key={a.id} data-testid={`asset-${a.code}`}>
                  <TableCell className="font-medium">{a.code}</TableCell>
                  <TableCell>{a.kind === "FIAT" ? "Currency (bank or switch)" : "Stellar asset"}</TableCell>
                  <TableCell>
                    {a.issuer ? (
                      <CopyValue value={a.issuer} label={`issuer of ${a.code}`} />
                    ) : (
                      <span className="text-muted-foreground">{a.kind === "FIAT" ? "—" : "Native (no issuer)"}</span>
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{a.decimals}</TableCell>
                  <TableCell>
                    <EnabledToggle
                      enabled={a.enabled}
                      canWrite={canWrite}
                      pending={setEnabled.isPending}
                      label={a.code}
                      onEnable={() => {
                        setNotice(null);
                        setEnabled.mutate({ id: a.id, enabled: true });
                      }}
                      onRequestDisable={() => {
                        setNotice(null);
                        setDisabling(a);
                      }}
                    />
                  </TableCell>
                  {canWrite && (
                    <TableCell className="text-right">
                      <Button
                        variant="ghost"
                        size="sm"
                        aria-label={`Delete ${a.code}`}
                        onClick={() => {
                          setNotice(null);
                          remove.reset();
                          setDeleting(a);
                        }}
                      >
                        <Trash2 aria-hidden />
                        Delete
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
        title={<>Disable {disabling?.code}?</>}
        description={<>New disbursements cannot use {disabling?.code} until it is enabled again. Disbursements that already use it are not changed.</>}
        cancelLabel="Keep it enabled"
        confirmLabel={<>Disable {disabling?.code}</>}
        variant="destructive"
        pending={setEnabled.isPending}
        onConfirm={() => {
          if (disabling) setEnabled.mutate({ id: disabling.id, enabled: false });
        }}
      />

      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={<>Delete {deleting?.code}?</>}
        description={
          <>
            {deleting?.code} leaves the lists, wallets and new disbursements. Disbursements and payments already made keep showing it. Adding the same{" "}
            {deleting?.kind === "FIAT" ? "currency" : "asset"} again restores it.
          </>
        }
        cancelLabel="Keep it"
        confirmLabel={<>Delete {deleting?.code}</>}
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

function AddAssetDialog() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<"STELLAR" | "FIAT">("STELLAR");
  const [code, setCode] = useState("");
  const [issuer, setIssuer] = useState("");
  const create = useMutation(
    trpc.catalog.createAsset.mutationOptions({
      onSuccess: async () => {
        // A restored asset (it was deleted) reappears in the wallets that listed it.
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.catalog.assets.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.catalog.wallets.queryKey() }),
        ]);
        onOpenChange(false);
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  const fiat = kind === "FIAT";
  const native = !fiat && code.trim().toUpperCase() === "XLM";
  const decimals = fiat ? currencyDecimals(code.trim()) : 7;

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      setKind("STELLAR");
      setCode("");
      setIssuer("");
      create.reset();
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <Plus aria-hidden />
          Add asset
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add an asset</DialogTitle>
          <DialogDescription>
            A Stellar asset is its code plus the account that issues it (XLM is native and has no issuer). A currency is an ISO 4217 code paid through a bank or switch
            connection.
          </DialogDescription>
        </DialogHeader>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ kind, code, issuer: native || fiat ? "" : issuer });
          }}
        >
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium">Kind</legend>
            <div className="flex gap-4 text-sm">
              {(
                [
                  ["STELLAR", "Stellar asset"],
                  ["FIAT", "Currency (bank or switch)"],
                ] as const
              ).map(([value, label]) => (
                <label key={value} className="flex items-center gap-2">
                  <input type="radio" name="asset-kind" value={value} checked={kind === value} onChange={() => setKind(value)} />
                  {label}
                </label>
              ))}
            </div>
          </fieldset>
          <Field
            label="Code"
            required
            error={errors.code}
            hint={
              fiat
                ? decimals === undefined
                  ? "An ISO 4217 code, e.g. KES, EUR, USD."
                  : `Amounts in ${code.trim().toUpperCase()} have ${decimals} decimal place${decimals === 1 ? "" : "s"}.`
                : `1 to ${ASSET_CODE_MAX} letters or digits, e.g. USDC.`
            }
          >
            <Input value={code} onChange={(e) => setCode(e.target.value)} maxLength={ASSET_CODE_MAX} autoComplete="off" className="uppercase" />
          </Field>
          {!fiat && (
            <Field label="Issuer" required={!native} error={errors.issuer} hint={native ? "Not needed for XLM." : "The issuing account's public key, starting with G."}>
              <Input
                value={native ? "" : issuer}
                onChange={(e) => setIssuer(e.target.value)}
                disabled={native}
                maxLength={STELLAR_ADDRESS_LENGTH}
                autoComplete="off"
                spellCheck={false}
                className="font-mono text-xs"
                placeholder="G…"
              />
            </Field>
          )}
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
              {create.isPending ? "Adding…" : "Add asset"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
