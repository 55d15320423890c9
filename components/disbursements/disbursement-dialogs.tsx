"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { pluralWord } from "@/lib/format";
import { formatStroops, toStroops } from "@/server/domain/money";
import { formatAmount, formatCount, type DisbursementDetail } from "./common";
import { PreflightReport, type usePreflight } from "./preflight";

export type StatusAction = "start" | "pause" | "resume";

/**
 * Confirms start, pause or resume with what it will send. Starting shows the preflight report of
 * the destinations (the user may still start). The mutation belongs to the page, which also shows
 * its errors outside the dialog.
 */
export function StatusConfirmDialog({
  d,
  action,
  pending,
  preflight,
  onClose,
  onConfirm,
}: {
  d: DisbursementDetail;
  action: StatusAction | null;
  pending: boolean;
  preflight: ReturnType<typeof usePreflight>;
  onClose: () => void;
  onConfirm: (action: StatusAction) => void;
}) {
  // Keep the last action's text while the dialog animates closed.
  const [shown, setShown] = useState<StatusAction>(action ?? "start");
  if (action && action !== shown) setShown(action);
  const code = d.asset.code;
  const remainingAmount = formatStroops(toStroops(d.total_amount) - toStroops(d.amount_disbursed));

  const text: Record<StatusAction, { title: string; body: React.ReactNode; button: string }> = {
    start: {
      title: `Start “${d.name}”?`,
      body: (
        <>
          This sends <strong>{formatCount(d.total_payments)}</strong> {pluralWord(d.total_payments, "payment")} totalling{" "}
          <strong>
            {formatAmount(d.total_amount)} {code}
          </strong>{" "}
          {d.wallet
            ? `from your distribution account through ${d.wallet.name}. Receivers who have not registered yet are invited first.`
            : d.registration_contact_type === "DIRECT_PHONE"
              ? "to the phone numbers in the instructions, through the Mojaloop connection the routing rules choose."
              : "to the bank accounts in the instructions, through the bank connection the routing rules choose."}
        </>
      ),
      button: "Start disbursement",
    },
    pause: {
      title: `Pause “${d.name}”?`,
      body: (
        <>
          <strong>{formatCount(d.total_payments_remaining)}</strong> {pluralWord(d.total_payments_remaining, "payment")} not yet sent (up to{" "}
          <strong>
            {formatAmount(remainingAmount)} {code}
          </strong>
          ) will wait until you resume. Payments already submitted to the network may still complete.
        </>
      ),
      button: "Pause disbursement",
    },
    resume: {
      title: `Resume “${d.name}”?`,
      body: (
        <>
          Sending resumes for <strong>{formatCount(d.total_payments_remaining)}</strong> remaining {pluralWord(d.total_payments_remaining, "payment")} (up to{" "}
          <strong>
            {formatAmount(remainingAmount)} {code}
          </strong>{" "}
          of {formatAmount(d.total_amount)} {code}).
        </>
      ),
      button: "Resume disbursement",
    },
  };

  return (
    <ConfirmDialog
      open={action !== null}
      onOpenChange={(open) => !open && onClose()}
      className={shown === "start" ? "max-w-lg" : undefined}
      title={text[shown].title}
      description={text[shown].body}
      confirmLabel={text[shown].button}
      pendingLabel="Working…"
      variant={shown === "pause" ? "outline" : "default"}
      pending={pending}
      onConfirm={() => onConfirm(shown)}
    >
      {shown === "start" && (
        <div className="max-h-72 overflow-y-auto" aria-live="polite" data-testid="start-preflight">
          <PreflightReport result={preflight.isFetching ? undefined : preflight.data} error={preflight.error} running={preflight.isFetching} compact />
        </div>
      )}
    </ConfirmDialog>
  );
}

/** Cancels the disbursement (final). On failure the dialog stays open with the reason. */
export function CancelDisbursementDialog({
  d,
  open,
  onOpenChange,
  onCancelled,
}: {
  d: DisbursementDetail;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onCancelled: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const cancel = useMutation(trpc.disbursements.cancel.mutationOptions());
  const notSent = d.total_payments - d.total_payments_canceled;
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        // The next attempt starts without the previous failure.
        if (!next) cancel.reset();
      }}
      title={<>Cancel “{d.name}”?</>}
      descriptionAsChild
      description={
        <div className="space-y-2">
          <p>
            {d.total_payments > 0
              ? `Its ${formatCount(notSent)} ${pluralWord(notSent, "payment")} not yet sent are cancelled with it. Nothing is paid.`
              : "It has no payments yet. Nothing is paid."}
          </p>
          <p className="font-medium text-foreground">Cancellation is final: a cancelled disbursement cannot be started, changed or restored.</p>
        </div>
      }
      error={cancel.error ? messageOf(cancel.error) : null}
      cancelLabel="Keep it"
      confirmLabel="Cancel disbursement"
      pendingLabel="Cancelling…"
      variant="destructive"
      pending={cancel.isPending}
      onConfirm={() =>
        cancel.mutate(
          { id: d.id },
          {
            onSuccess: () => {
              onOpenChange(false);
              return onCancelled();
            },
          },
        )
      }
    />
  );
}

/**
 * Deletes a draft and goes back to the list. Nothing about the deleted disbursement is fetched
 * again: its queries in flight are cancelled and none is removed or invalidated while the detail
 * page is still mounted (a refetch would fail with NOT_FOUND); `onDeleted` lets the page unmount
 * its panels (and their polling) until the list has loaded.
 */
export function DeleteDisbursementDialog({
  d,
  open,
  onOpenChange,
  onDeleted,
}: {
  d: DisbursementDetail;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDeleted?: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const remove = useMutation(trpc.disbursements.delete.mutationOptions());
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) remove.reset();
      }}
      title={<>Delete “{d.name}”?</>}
      description={
        d.total_payments > 0
          ? `Its ${formatCount(d.total_payments)} draft ${pluralWord(d.total_payments, "payment")} and the uploaded file are deleted too. Nothing has been sent. This cannot be undone.`
          : "This draft has no payments yet. This cannot be undone."
      }
      error={remove.error ? messageOf(remove.error) : null}
      confirmLabel="Delete disbursement"
      pendingLabel="Deleting…"
      variant="destructive"
      pending={remove.isPending}
      onConfirm={() =>
        remove.mutate(
          { id: d.id },
          {
            onSuccess: async () => {
              await queryClient.cancelQueries({ predicate: (q) => JSON.stringify(q.queryKey).includes(d.id) });
              // Replace: "Back" must not lead to the deleted disbursement.
              router.replace("/disbursements");
              void queryClient.invalidateQueries({ queryKey: trpc.disbursements.list.queryKey() });
              onDeleted?.();
            },
          },
        )
      }
    />
  );
}
