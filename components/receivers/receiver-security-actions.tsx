"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRound, LockOpen } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { VERIFICATION_LABELS } from "@/components/disbursements/csv";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import type { VerificationField } from "@/server/domain/disbursement-types";

/** Staff (receivers:write): unlock a receiver locked out by the code caps or wrong verification values, after a confirmation. */
export function UnlockReceiverButton({ receiverId }: { receiverId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const unlock = useMutation(
    trpc.receivers.unlock.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.receivers.get.queryKey({ id: receiverId }) }),
    }),
  );
  return (
    <div className="space-y-1">
      <ConfirmDialog
        onOpenChange={(open) => !open && unlock.reset()}
        trigger={
          <Button variant="outline" size="sm">
            <LockOpen aria-hidden />
            Unlock registration
          </Button>
        }
        title="Unlock this receiver's registration?"
        description="The receiver can ask for new one-time codes and try their verification value again. Unlock only after you have checked who asked: the lock exists because someone made too many wrong attempts. If the value on file is wrong, replace it instead."
        confirmLabel="Unlock"
        closeOnConfirm
        onConfirm={() => unlock.mutate({ id: receiverId })}
      />
      {unlock.isSuccess && (
        <p role="status" className="text-sm text-success">
          Registration unlocked.
        </p>
      )}
      {unlock.error && <p className="text-sm text-destructive">{messageOf(unlock.error)}</p>}
    </div>
  );
}

export function inputTypeFor(field: VerificationField) {
  switch (field) {
    case "DATE_OF_BIRTH":
      return { type: "date", hint: "As YYYY-MM-DD." };
    case "YEAR_MONTH":
      return { type: "month", hint: "As YYYY-MM." };
    case "PIN":
      return { type: "password", hint: "4 to 8 characters." };
    default:
      return { type: "text", hint: "Up to 50 characters." };
  }
}

/** Staff (receivers:write): replace a verification value; stored hashed, never shown again. */
export function ReplaceVerificationButton({ receiverId, field }: { receiverId: string; field: VerificationField }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const label = VERIFICATION_LABELS[field] ?? field;
  const save = useMutation(
    trpc.receivers.setVerification.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.receivers.get.queryKey({ id: receiverId }) });
        setOpen(false);
      },
    }),
  );
  const errors = fieldErrorsOf(save.error);
  const { type, hint } = inputTypeFor(field);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) save.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" aria-label={`Replace ${label.toLowerCase()}`}>
          <KeyRound aria-hidden />
          Replace value
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Replace the {label.toLowerCase()}</DialogTitle>
          <DialogDescription>
            The receiver verifies against the new value; its attempts and lock start over, and a confirmed value must be confirmed again. The value is stored hashed and
            never shown.
          </DialogDescription>
        </DialogHeader>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            save.mutate({ id: receiverId, verificationField: field, value: String(form.get("value") ?? "") });
          }}
        >
          <Field label={`New ${label.toLowerCase()}`} hint={hint} required error={errors.value}>
            <Input name="value" type={type} autoComplete="off" required />
          </Field>
          {save.error && !errors.value && (
            <Alert variant="destructive">
              <AlertDescription>{messageOf(save.error)}</AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
