"use client";

import type { ReactNode } from "react";
import { messageOf } from "@/components/trpc/errors";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";

/**
 * A dialog around an add/edit form. The form is mounted only while the dialog is open, so every
 * opening starts from the saved values.
 */
export function EditDialog({
  open,
  onOpenChange,
  title,
  description,
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: ReactNode;
  children: ReactNode;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-h-[90vh] max-w-2xl overflow-y-auto">
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        {open && children}
      </DialogContent>
    </Dialog>
  );
}

/**
 * The end of an add/edit form: the server's refusal when no field shows it, then Cancel and the
 * submit button (disabled while saving).
 */
export function EditFormFooter({
  error,
  errorShownByField,
  pending,
  submitLabel,
  onCancel,
}: {
  error: unknown;
  errorShownByField: boolean;
  pending: boolean;
  submitLabel: string;
  onCancel: () => void;
}) {
  return (
    <>
      {error != null && !errorShownByField && (
        <Alert variant="destructive">
          <AlertDescription>{messageOf(error)}</AlertDescription>
        </Alert>
      )}
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : submitLabel}
        </Button>
      </DialogFooter>
    </>
  );
}
