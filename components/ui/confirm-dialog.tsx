"use client";

import type { ReactNode } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";

/**
 * The one confirmation dialog of the app: a title, a description, Cancel and a confirm button.
 * Controlled (`open`/`onOpenChange`) or opened by a `trigger`. While `pending`, both buttons are
 * disabled, the confirm button shows `pendingLabel` and the dialog cannot be dismissed, so a
 * running mutation is never hidden. By default the dialog stays open on confirm (the caller
 * closes it when the mutation succeeds, and `error` shows why it did not); `closeOnConfirm`
 * closes it at once instead.
 */
export function ConfirmDialog({
  open,
  onOpenChange,
  trigger,
  title,
  description,
  descriptionAsChild = false,
  children,
  confirmLabel,
  pendingLabel,
  cancelLabel = "Cancel",
  variant = "default",
  pending = false,
  error,
  closeOnConfirm = false,
  onConfirm,
  className,
}: {
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  /** A button that opens the dialog (rendered with `asChild`). */
  trigger?: ReactNode;
  title: ReactNode;
  description: ReactNode;
  /** Render `description` as the description element itself (for block content such as several paragraphs). */
  descriptionAsChild?: boolean;
  /** Extra content between the description and the buttons. */
  children?: ReactNode;
  confirmLabel: ReactNode;
  pendingLabel?: ReactNode;
  cancelLabel?: ReactNode;
  /** "destructive" for irreversible actions (delete, cancel, disable); "outline" for reversible pauses. */
  variant?: "default" | "destructive" | "outline";
  pending?: boolean;
  /** A message shown in the dialog when the action failed. */
  error?: string | null;
  closeOnConfirm?: boolean;
  onConfirm: () => void;
  className?: string;
}) {
  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        if (pending) return;
        onOpenChange?.(next);
      }}
    >
      {trigger ? <AlertDialogTrigger asChild>{trigger}</AlertDialogTrigger> : null}
      <AlertDialogContent className={className}>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription asChild={descriptionAsChild}>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        {children}
        {error ? (
          <Alert variant="destructive">
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        ) : null}
        <AlertDialogFooter>
          <AlertDialogCancel disabled={pending}>{cancelLabel}</AlertDialogCancel>
          <AlertDialogAction
            variant={variant}
            disabled={pending}
            onClick={(e) => {
              if (!closeOnConfirm) e.preventDefault();
              onConfirm();
            }}
          >
            {pending && pendingLabel ? pendingLabel : confirmLabel}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
