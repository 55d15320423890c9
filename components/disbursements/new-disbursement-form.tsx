"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { ArrowRight, Info, Save } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button, buttonVariants } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { isDirectPayeeType, needsVerification, type RegistrationContactType, type VerificationField } from "@/server/domain/disbursement-types";
import { DISBURSEMENT_NAME_MAX } from "@/server/schemas/disbursements.schema";
import { NativeSelect, shorten, type DisbursementDetail } from "./common";
import { uploadInstructions, type UploadError } from "./csv";
import { EMPTY_ENVELOPE, envelopeDraftErrors, envelopeInput, type EnvelopeDraft, type EnvelopeErrors } from "./envelope";
import { ContactTypeFieldset } from "./contact-type-fieldset";
import { CsvStepCard } from "./csv-step-card";
import { InvitationMessageField } from "./invitation-message-field";
import { EnvelopeStepCard } from "./envelope-step-card";
import { VerificationFieldSelect } from "./verification-field-select";

type Created = { id: string; name: string };

export function NewDisbursementForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { data: wallets } = useSuspenseQuery(trpc.catalog.wallets.queryOptions({ enabled: true }));
  const { data: assets } = useSuspenseQuery(trpc.catalog.assets.queryOptions());
  const { data: org } = useSuspenseQuery(trpc.organization.get.queryOptions());

  const enabledAssetIds = new Set(assets.filter((a) => a.enabled).map((a) => a.id));
  const [name, setName] = useState("");
  const [walletId, setWalletId] = useState(wallets.length === 1 ? wallets[0]!.id : "");
  const wallet = wallets.find((w) => w.id === walletId);
  const walletAssets = (wallet?.assets ?? []).filter((a) => enabledAssetIds.has(a.id));
  const [assetId, setAssetId] = useState(walletAssets.length === 1 ? walletAssets[0]!.id : "");
  const [contactType, setContactType] = useState<RegistrationContactType>("PHONE_NUMBER");
  const [verificationField, setVerificationField] = useState<VerificationField | "">("DATE_OF_BIRTH");
  const [template, setTemplate] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [uploadError, setUploadError] = useState<UploadError | null>(null);
  const [uploading, setUploading] = useState(false);
  const [envelope, setEnvelope] = useState<EnvelopeDraft>(EMPTY_ENVELOPE);
  const [envelopeErrors, setEnvelopeErrors] = useState<EnvelopeErrors>({});
  const timeZone = org.timezone || "UTC";

  const create = useMutation(trpc.disbursements.create.mutationOptions());
  const errors = fieldErrorsOf(create.error);
  const formRef = useRef<HTMLFormElement>(null);

  // After a refused create, take keyboard and screen-reader users to the first field in error.
  useEffect(() => {
    if (create.error) formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [create.error]);
  // Bank accounts and Mojaloop phone payees are paid in a fiat currency without a wallet provider (docs/rails.md "Destinations").
  const bank = isDirectPayeeType(contactType);
  const noVerification = !needsVerification(contactType);
  const choosableAssets = bank ? assets.filter((a) => a.enabled && a.kind === "FIAT") : walletAssets;
  const chosenAssetId = choosableAssets.some((a) => a.id === assetId) ? assetId : "";
  const busy = create.isPending || uploading;

  function chooseWallet(id: string) {
    setWalletId(id);
    const next = (wallets.find((w) => w.id === id)?.assets ?? []).filter((a) => enabledAssetIds.has(a.id));
    if (!next.some((a) => a.id === assetId)) setAssetId(next.length === 1 ? next[0]!.id : "");
  }

  async function ensureCreated(): Promise<Created | null> {
    if (created) return created;
    // The envelope fields are checked here first: a clear message beside the field, nothing sent.
    const problems = envelopeDraftErrors(envelope, timeZone);
    setEnvelopeErrors(problems);
    if (Object.keys(problems).length > 0) {
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
      return null;
    }
    try {
      const d = await create.mutateAsync({
        name,
        wallet_id: bank ? null : walletId,
        asset_id: chosenAssetId,
        registration_contact_type: contactType,
        verification_field: noVerification ? null : verificationField || null,
        receiver_registration_message_template: template.trim() || null,
        ...envelopeInput(envelope, timeZone),
      });
      const c = { id: d.id, name: d.name };
      setCreated(c);
      void queryClient.invalidateQueries({ queryKey: trpc.disbursements.list.queryKey() });
      return c;
    } catch {
      return null; // shown from create.error
    }
  }

  async function saveDraft() {
    const c = await ensureCreated();
    if (c) router.push(`/disbursements/${c.id}`);
  }

  async function uploadAndContinue() {
    if (!file) return;
    setUploadError(null);
    const c = await ensureCreated();
    if (!c) return;
    setUploading(true);
    const result = await uploadInstructions<DisbursementDetail>(c.id, file);
    setUploading(false);
    if (result.ok) {
      void queryClient.invalidateQueries({ queryKey: trpc.disbursements.list.queryKey() });
      router.push(`/disbursements/${c.id}`);
    } else {
      setUploadError(result.error);
    }
  }

  const otherError = create.error && Object.keys(errors).length === 0 ? messageOf(create.error) : null;

  if (wallets.length === 0) {
    return (
      <Alert variant="destructive">
        <AlertTitle>No wallet is enabled</AlertTitle>
        <AlertDescription>
          A disbursement pays through a wallet. Ask an owner or developer to add or enable one in{" "}
          <Link href="/wallets" className="underline">
            Wallets &amp; assets
          </Link>
          .
        </AlertDescription>
      </Alert>
    );
  }

  return (
    <form
      ref={formRef}
      className="space-y-6"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
        if (submitter?.value === "draft") void saveDraft();
        else void uploadAndContinue();
      }}
    >
      {created && (
        <Alert variant="success" data-testid="draft-saved">
          <Info aria-hidden />
          <AlertTitle>Draft “{created.name}” is saved</AlertTitle>
          <AlertDescription className="text-foreground">
            Fix the file and choose it again below, then upload: it goes to this same draft.{" "}
            <Link href={`/disbursements/${created.id}`} className="font-medium text-primary underline">
              Open the draft
            </Link>
          </AlertDescription>
        </Alert>
      )}

      <Card>
        <CardHeader>
          <CardTitle asChild>
            <h2>1. Details</h2>
          </CardTitle>
          <CardDescription>What you pay, through which wallet, and how receivers are reached.</CardDescription>
        </CardHeader>
        <CardContent>
          <fieldset disabled={Boolean(created) || busy} className="grid gap-5 md:grid-cols-2">
            <legend className="sr-only">Disbursement details</legend>
            <Field label="Name" required error={errors.name} hint="Unique in your organization, e.g. “March 2025 stipends”." className="md:col-span-2">
              <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={DISBURSEMENT_NAME_MAX} autoComplete="off" />
            </Field>
            {!bank && (
              <Field label="Wallet" required error={errors.wallet_id} hint="Only enabled wallets are listed.">
                <NativeSelect value={walletId} onChange={(e) => chooseWallet(e.target.value)}>
                  <option value="" disabled>
                    Choose a wallet…
                  </option>
                  {wallets.map((w) => (
                    <option key={w.id} value={w.id}>
                      {w.name}
                    </option>
                  ))}
                </NativeSelect>
              </Field>
            )}
            <Field
              label={bank ? "Currency" : "Asset"}
              required
              error={errors.asset_id}
              hint={
                bank
                  ? `${contactType === "DIRECT_PHONE" ? "Mojaloop payees" : "Bank accounts"} are paid in a fiat currency.`
                  : wallet
                    ? `The assets ${wallet.name} supports.`
                    : "Choose a wallet first."
              }
            >
              <NativeSelect value={chosenAssetId} onChange={(e) => setAssetId(e.target.value)} disabled={!bank && !wallet}>
                <option value="" disabled>
                  {bank
                    ? choosableAssets.length === 0
                      ? "No fiat currency is enabled"
                      : "Choose a currency…"
                    : wallet && walletAssets.length === 0
                      ? "This wallet supports no enabled asset"
                      : "Choose an asset…"}
                </option>
                {choosableAssets.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.code}
                    {a.issuer ? ` (${shorten(a.issuer, 4, 4)})` : " (native)"}
                  </option>
                ))}
              </NativeSelect>
            </Field>

            <ContactTypeFieldset value={contactType} onChange={setContactType} error={errors.registration_contact_type} />

            <VerificationFieldSelect usesWalletAddress={noVerification} value={verificationField} onChange={setVerificationField} error={errors.verification_field} />

            {!noVerification && (
              <InvitationMessageField
                value={template}
                onChange={setTemplate}
                error={errors.receiver_registration_message_template}
                organizationName={org.name}
                organizationTemplate={org.invitationMessageTemplate}
              />
            )}
          </fieldset>
        </CardContent>
      </Card>

      <EnvelopeStepCard
        disabled={Boolean(created) || busy}
        draft={envelope}
        onChange={(next) => {
          setEnvelope(next);
          setEnvelopeErrors({});
        }}
        errors={{
          declared_count: envelopeErrors.declared_count ?? errors.declared_count,
          declared_total: envelopeErrors.declared_total ?? errors.declared_total,
          scheduled_at: envelopeErrors.scheduled_at ?? errors.scheduled_at,
        }}
        timeZone={timeZone}
        assetCode={choosableAssets.find((a) => a.id === chosenAssetId)?.code ?? null}
      />

      <CsvStepCard
        contactType={contactType}
        file={file}
        onFileChange={(f) => {
          setFile(f);
          setUploadError(null);
        }}
        disabled={busy}
        error={uploadError}
      />

      {otherError && (
        <Alert variant="destructive">
          <AlertDescription>{otherError}</AlertDescription>
        </Alert>
      )}
      {Object.keys(envelopeErrors).length > 0 && (
        <p role="alert" className="text-sm font-medium text-destructive">
          Some envelope fields are not valid. Check the fields marked above.
        </p>
      )}
      {create.error && Object.keys(errors).length > 0 && (
        <p role="alert" className="text-sm font-medium text-destructive">
          {messageOf(create.error)} Check the fields marked above.
        </p>
      )}

      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:items-center sm:justify-end">
        {busy && <Spinner showLabel label={uploading ? "Uploading and checking the file…" : "Saving…"} className="sm:mr-auto" />}
        <Link href={created ? `/disbursements/${created.id}` : "/disbursements"} className={buttonVariants({ variant: "ghost" })}>
          Cancel
        </Link>
        <Button type="submit" value="draft" variant="outline" disabled={busy}>
          <Save aria-hidden />
          {created ? "Open the draft" : "Save as draft"}
        </Button>
        <Button type="submit" value="upload" disabled={busy || !file}>
          Upload and continue
          <ArrowRight aria-hidden />
        </Button>
      </div>
    </form>
  );
}
