"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Pencil, UserPlus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/disbursements/common";
import { VERIFICATION_LABELS } from "@/components/disbursements/csv";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { VERIFICATION_FIELDS, type VerificationField } from "@/server/domain/disbursement-types";
import type { CreateReceiverInput, UpdateReceiverInput } from "@/server/schemas/receivers.schema";
import { inputTypeFor } from "./receiver-security-actions";

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

/** The first message among these field keys (the service names SDP's keys, e.g. `verifications[0].value`). */
const first = (errors: Record<string, string | undefined>, ...keys: string[]) => keys.map((k) => errors[k]).find(Boolean);

/**
 * Staff (receivers:write): add a receiver as SDP's POST /receivers does — a phone or an email, an
 * external id, and a verification value and/or a Stellar wallet address. Opens the new receiver.
 */
export function AddReceiverButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [field, setField] = useState<VerificationField | "">("DATE_OF_BIRTH");
  const create = useMutation(
    trpc.receivers.create.mutationOptions({
      onSuccess: async ({ id }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.receivers.list.queryKey() });
        setOpen(false);
        router.push(`/receivers/${id}`);
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  const shown = {
    phone: first(errors, "phone_number"),
    email: first(errors, "email"),
    externalId: first(errors, "external_id"),
    type: first(errors, "verifications[0].type"),
    value: first(errors, "verifications[0].value", "verifications"),
    address: first(errors, "wallets[0].address", "wallet_address", "wallets"),
    memo: first(errors, "wallets[0].memo"),
  };
  const unplaced = create.error && !Object.values(shown).some(Boolean);
  const { type, hint } = field ? inputTypeFor(field) : { type: "text", hint: undefined };
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <UserPlus aria-hidden />
          Add receiver
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90vh] overflow-y-auto">
        <DialogHeader>
          <DialogTitle>Add a receiver</DialogTitle>
          <DialogDescription>
            Give a phone number or an email, and a verification value the receiver confirms when registering, or a Stellar address to pay directly. Values are stored
            hashed and never shown.
          </DialogDescription>
        </DialogHeader>
        <form
          className="space-y-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            const value = text(form, "value");
            const address = text(form, "address");
            const input: CreateReceiverInput = {
              phone_number: text(form, "phone_number"),
              email: text(form, "email"),
              external_id: text(form, "external_id"),
              // A chosen type goes with its value even when blank (unless an address is given), so a missing value is refused on its own field.
              verifications: field && (value || !address) ? [{ type: field, value }] : [],
              wallets: address ? [{ address, memo: text(form, "memo") }] : [],
            };
            create.mutate(input);
          }}
        >
          <Field label="Phone" hint="International format, e.g. +447911123456." error={shown.phone}>
            <Input name="phone_number" type="tel" autoComplete="off" />
          </Field>
          <Field label="Email" error={shown.email}>
            <Input name="email" type="email" autoComplete="off" />
          </Field>
          <Field label="External id" required hint="Your own id for this person (unique in your organization)." error={shown.externalId}>
            <Input name="external_id" autoComplete="off" />
          </Field>
          <fieldset className="space-y-3 rounded-md border border-border p-3">
            <legend className="px-1 text-sm font-medium">Verification</legend>
            <Field label="Verification type" error={shown.type}>
              <NativeSelect value={field} onChange={(e) => setField(e.target.value as VerificationField | "")}>
                <option value="">None (a Stellar address is given)</option>
                {VERIFICATION_FIELDS.map((f) => (
                  <option key={f} value={f}>
                    {VERIFICATION_LABELS[f]}
                  </option>
                ))}
              </NativeSelect>
            </Field>
            {field && (
              <Field label={VERIFICATION_LABELS[field]} hint={hint} error={shown.value}>
                <Input key={field} name="value" type={type} autoComplete="off" />
              </Field>
            )}
            {!field && shown.value && <p className="text-sm text-destructive">{shown.value}</p>}
          </fieldset>
          <fieldset className="space-y-3 rounded-md border border-border p-3">
            <legend className="px-1 text-sm font-medium">Stellar wallet (optional)</legend>
            <Field label="Stellar address" hint="G… or C…; the wallet is registered at once." error={shown.address}>
              <Input name="address" autoComplete="off" spellCheck={false} className="font-mono" />
            </Field>
            <Field label="Memo" hint="Text up to 28 bytes or a numeric id." error={shown.memo}>
              <Input name="memo" autoComplete="off" />
            </Field>
          </fieldset>
          {unplaced && (
            <Alert variant="destructive">
              <AlertDescription>{messageOf(create.error)}</AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? "Adding…" : "Add receiver"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

type ReceiverForEdit = { id: string; phone_number: string | null; email: string | null; external_id: string };

const VERIFICATION_KEYS: [keyof UpdateReceiverInput & string, VerificationField][] = [
  ["date_of_birth", "DATE_OF_BIRTH"],
  ["year_month", "YEAR_MONTH"],
  ["pin", "PIN"],
  ["national_id", "NATIONAL_ID_NUMBER"],
];

/** What the form changes, as SDP's PATCH body: only changed fields; an emptied contact is null (cleared). */
function changesOf(form: FormData, r: ReceiverForEdit): UpdateReceiverInput {
  const out: UpdateReceiverInput = { id: r.id };
  const phone = text(form, "phone_number");
  const email = text(form, "email");
  const externalId = text(form, "external_id");
  if (phone !== (r.phone_number ?? "")) out.phone_number = phone || null;
  if (email.toLowerCase() !== (r.email ?? "")) out.email = email || null;
  if (externalId !== r.external_id) out.external_id = externalId === "" ? " " : externalId;
  for (const [key] of VERIFICATION_KEYS) {
    const v = text(form, key);
    if (v) (out as Record<string, string>)[key] = v;
  }
  return out;
}

/** The destructive parts of a change, in words, for the confirmation step. */
function warningsOf(input: UpdateReceiverInput): string[] {
  const out: string[] = [];
  // "date of birth", "national ID number", but "PIN" (an abbreviation keeps its capitals).
  const inSentence = (label: string) => (/^[A-Z][A-Z]/.test(label) ? label : label[0]!.toLowerCase() + label.slice(1));
  const replaced = VERIFICATION_KEYS.filter(([key]) => (input as Record<string, unknown>)[key]).map(([, f]) => inSentence(VERIFICATION_LABELS[f]));
  if (replaced.length > 0)
    out.push(
      `New ${replaced.join(", ")}: the receiver verifies against the new value; a value already on file is replaced, and if it was confirmed it must be confirmed again.`,
    );
  if (input.phone_number === null) out.push("The phone number will be removed.");
  if (input.email === null) out.push("The email will be removed.");
  return out;
}

/**
 * Staff (receivers:write): edit a receiver as SDP's PATCH /receivers/{id} does — contact, external
 * id and verification values (blank ones are kept). Replacing a value or removing a contact asks
 * for a confirmation first.
 */
export function EditReceiverButton({ receiver }: { receiver: ReceiverForEdit }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState<UpdateReceiverInput | null>(null);
  const update = useMutation(
    trpc.receivers.update.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.receivers.get.queryKey({ id: receiver.id }) });
        await queryClient.invalidateQueries({ queryKey: trpc.receivers.list.queryKey() });
        setPending(null);
        setOpen(false);
      },
      onError: () => setPending(null),
    }),
  );
  const errors = fieldErrorsOf(update.error);
  const placed = ["phone_number", "email", "external_id", ...VERIFICATION_KEYS.map(([k]) => k)];
  const unplaced = update.error && !placed.some((k) => errors[k]);
  const warnings = pending ? warningsOf(pending) : [];
  // The confirmation appears below the fields: bring it (and its button) into view.
  const confirmRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (pending) confirmRef.current?.scrollIntoView({ block: "end" });
  }, [pending]);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          update.reset();
          setPending(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <Pencil aria-hidden />
          Edit
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90vh] overflow-y-auto">
        <DialogHeader>
          <DialogTitle>Edit receiver</DialogTitle>
          <DialogDescription>The phone number or email is where invitations and one-time codes go. Verification values left blank are kept.</DialogDescription>
        </DialogHeader>
        <form
          className="space-y-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const input = changesOf(new FormData(e.currentTarget), receiver);
            if (!pending && warningsOf(input).length > 0) {
              setPending(input);
              return;
            }
            update.mutate(pending ?? input);
          }}
        >
          <fieldset disabled={pending !== null} className="space-y-4">
            <Field label="Phone" hint="International format, e.g. +447911123456." error={errors.phone_number}>
              <Input name="phone_number" type="tel" defaultValue={receiver.phone_number ?? ""} autoComplete="off" />
            </Field>
            <Field label="Email" error={errors.email}>
              <Input name="email" type="email" defaultValue={receiver.email ?? ""} autoComplete="off" />
            </Field>
            <Field label="External id" required error={errors.external_id}>
              <Input name="external_id" defaultValue={receiver.external_id} autoComplete="off" />
            </Field>
            <div className="space-y-3 rounded-md border border-border p-3">
              <p className="text-sm font-medium">New verification values (optional)</p>
              {VERIFICATION_KEYS.map(([key, f]) => {
                const { type, hint } = inputTypeFor(f);
                return (
                  <Field key={key} label={VERIFICATION_LABELS[f]} hint={hint} error={errors[key]}>
                    <Input name={key} type={type} autoComplete="off" />
                  </Field>
                );
              })}
            </div>
          </fieldset>
          {pending && (
            <Alert variant="destructive" data-testid="edit-receiver-confirm">
              <AlertTitle>Confirm these changes</AlertTitle>
              <AlertDescription>
                <ul className="list-disc space-y-1 pl-4">
                  {warnings.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              </AlertDescription>
            </Alert>
          )}
          {unplaced && (
            <Alert variant="destructive">
              <AlertDescription>{messageOf(update.error)}</AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            {pending && (
              <Button type="button" variant="outline" onClick={() => setPending(null)}>
                Back
              </Button>
            )}
            <Button type="submit" variant={pending ? "destructive" : "default"} disabled={update.isPending}>
              {update.isPending ? "Saving…" : pending ? "Confirm and save" : "Save"}
            </Button>
          </DialogFooter>
          <div ref={confirmRef} />
        </form>
      </DialogContent>
    </Dialog>
  );
}
