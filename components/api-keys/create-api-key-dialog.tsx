"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";
import { useId, useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { API_SCOPES, type ApiScope } from "@/server/domain/api-scopes";
import { API_KEY_NAME_MAX } from "@/server/schemas/api-keys.schema";
import { OneTimeKey } from "./one-time-key";
import { ScopePicker } from "./scope-picker";

function tomorrow(): string {
  const d = new Date(Date.now() + 24 * 60 * 60 * 1000);
  return d.toISOString().slice(0, 10);
}

/** Create a key: name, scopes, optional expiry and allowed addresses; then the key, once. */
export function CreateApiKeyDialog({ grantable }: { grantable: readonly ApiScope[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [scopes, setScopes] = useState<ApiScope[]>([]);
  const scopesHintId = useId();
  const scopesErrorId = useId();
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() }),
    }),
  );
  const errors = fieldErrorsOf(create.error);

  function onOpenChange(next: boolean) {
    setOpen(next);
    if (!next) {
      // Forget the key as soon as the dialog closes.
      create.reset();
      setScopes([]);
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <KeyRound aria-hidden className="size-4" />
          Create API key
        </Button>
      </DialogTrigger>
      <DialogContent
        className="max-w-xl"
        // Keep the dialog open on outside clicks while the key is shown: closing loses it.
        onInteractOutside={(e) => create.data && e.preventDefault()}
      >
        <DialogHeader>
          <DialogTitle>{create.data ? `API key "${create.data.name}" created` : "Create an API key"}</DialogTitle>
          <DialogDescription>
            {create.data
              ? "Copy the key before closing this dialog."
              : "Keys let other systems call the REST API on behalf of this organization, within the scopes you choose."}
          </DialogDescription>
        </DialogHeader>
        {create.data ? (
          <div className="space-y-4">
            <OneTimeKey value={create.data.key} />
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>I have copied the key</Button>
            </DialogFooter>
          </div>
        ) : (
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              const form = new FormData(e.currentTarget);
              const ips = String(form.get("allowed_ips") ?? "")
                .split(/[\s,]+/)
                .map((s) => s.trim())
                .filter(Boolean);
              create.mutate({
                name: String(form.get("name") ?? ""),
                scopes,
                expires_at: String(form.get("expires_at") ?? "") || null,
                allowed_ips: ips,
              });
            }}
          >
            <Field label="Name" required error={errors.name} hint="What uses it, e.g. “Payroll system (production)”.">
              <Input name="name" autoComplete="off" required maxLength={API_KEY_NAME_MAX} />
            </Field>
            <div className="flex flex-col gap-1.5">
              <span className="text-sm leading-none font-medium" aria-hidden>
                Scopes<span className="ml-0.5 text-destructive">*</span>
              </span>
              <p id={scopesHintId} className="text-xs text-muted-foreground">
                Write includes read. Grant only what the integration needs.
                {grantable.length < API_SCOPES.length && " Your role can grant only the scopes that are not greyed out."}
              </p>
              <ScopePicker
                value={scopes}
                onChange={setScopes}
                grantable={grantable}
                disabled={create.isPending}
                describedBy={[scopesHintId, errors.scopes ? scopesErrorId : ""].filter(Boolean).join(" ")}
                invalid={Boolean(errors.scopes)}
              />
              {errors.scopes && (
                <p id={scopesErrorId} className="text-xs font-medium text-destructive">
                  {errors.scopes}
                </p>
              )}
            </div>
            <Field label="Expires on" error={errors.expires_at} hint="Optional. The key stops working at the start of this day (UTC).">
              <Input name="expires_at" type="date" min={tomorrow()} />
            </Field>
            <Field
              label="Allowed IP addresses"
              error={errors.allowed_ips}
              hint="Optional. One address or CIDR block per line (e.g. 203.0.113.7 or 10.0.0.0/24). Empty: any address."
            >
              <Textarea name="allowed_ips" rows={3} className="font-mono text-xs" spellCheck={false} />
            </Field>
            {create.error && !errors.name && !errors.scopes && !errors.expires_at && !errors.allowed_ips && (
              <Alert variant="destructive">
                <AlertDescription>{messageOf(create.error)}</AlertDescription>
              </Alert>
            )}
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={create.isPending || scopes.length === 0}>
                {create.isPending ? "Creating…" : "Create key"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
