"use client";

import { useMutation } from "@tanstack/react-query";
import { ExternalLink, ShieldCheck, Wallet } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field, type FieldControlProps } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { fieldErrorsOf, hasReason, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import type { VerificationField } from "@/server/domain/disbursement-types";
import { t } from "@/server/domain/registration-strings";
import type { getRegistrationContext } from "@/server/services/registration/get-registration-context";
import { cn } from "@/lib/utils";

export type Context = Awaited<ReturnType<typeof getRegistrationContext>>;

const isDeadLink = (error: unknown) => hasReason(error, "LINK_INVALID");

function StepCard({ step, title, icon, children }: { step: number; title: string; icon: React.ReactNode; children: React.ReactNode }) {
  return (
    <section aria-labelledby="step-title" className="space-y-4 rounded-xl border border-border bg-card p-5 shadow-xs">
      <div className="space-y-1">
        <p className="text-xs font-medium tracking-wide text-muted-foreground uppercase">{t("page.steps", { step })}</p>
        <h2 id="step-title" className="flex items-start gap-2 text-lg leading-snug font-semibold">
          {icon}
          {title}
        </h2>
      </div>
      {children}
    </section>
  );
}

function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert variant="destructive">
      <AlertDescription>{messageOf(error)}</AlertDescription>
    </Alert>
  );
}

export function OtpStep({ token, ctx, onDone, onDead }: { token: string; ctx: Context; onDone: () => void; onDead: () => void }) {
  const trpc = useTRPC();
  const [sentTo, setSentTo] = useState<string | null>(ctx.otp.sent ? ctx.contactHint : null);
  const [code, setCode] = useState("");
  const send = useMutation(
    trpc.registration.sendOtp.mutationOptions({
      onSuccess: (r) => {
        setSentTo(r.contactHint);
        setCode("");
        verify.reset();
      },
      onError: (e) => isDeadLink(e) && onDead(),
    }),
  );
  const verify = useMutation(trpc.registration.verifyOtp.mutationOptions({ onSuccess: onDone, onError: (e) => isDeadLink(e) && onDead() }));
  const fieldError = fieldErrorsOf(verify.error).code;
  return (
    <StepCard step={1} title={t("otp.title")} icon={<ShieldCheck aria-hidden className="mt-0.5 size-5 shrink-0 text-primary" />}>
      {ctx.otp.locked ? (
        <Alert variant="destructive">
          <AlertDescription>{t("otp.lockedDaily", { org: ctx.organization.name })}</AlertDescription>
        </Alert>
      ) : (
        <p className="text-sm text-muted-foreground">
          {sentTo ? t("otp.sent", { hint: sentTo }) : t(ctx.contactType === "PHONE_NUMBER" ? "otp.intro.phone" : "otp.intro.email", { hint: ctx.contactHint })}
        </p>
      )}
      {sentTo && !ctx.otp.locked && (
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            verify.mutate({ token, code: code.trim() });
          }}
        >
          <Field label={t("otp.label")} required error={fieldError}>
            <Input
              name="code"
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, "").slice(0, 6))}
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="\d{6}"
              maxLength={6}
              required
              className="h-12 text-center font-mono text-2xl tracking-[0.5em]"
            />
          </Field>
          {verify.error && !fieldError && <ErrorAlert error={verify.error} />}
          <Button type="submit" size="lg" className="w-full" disabled={verify.isPending || code.length !== 6}>
            {t("otp.submit")}
          </Button>
        </form>
      )}
      <ErrorAlert error={send.error} />
      {!ctx.otp.locked && (
        <Button type="button" size="lg" variant={sentTo ? "outline" : "default"} className="w-full" disabled={send.isPending} onClick={() => send.mutate({ token })}>
          {sentTo ? t("otp.resend") : t("otp.send")}
        </Button>
      )}
    </StepCard>
  );
}

function VerificationInput({ field, value, onChange, ...control }: { field: VerificationField; value: string; onChange: (v: string) => void } & FieldControlProps) {
  const common = { ...control, name: "value", value, required: true, onChange: (e: React.ChangeEvent<HTMLInputElement>) => onChange(e.target.value) };
  switch (field) {
    case "DATE_OF_BIRTH":
      return <Input {...common} type="date" autoComplete="bday" max={new Date().toISOString().slice(0, 10)} />;
    case "YEAR_MONTH":
      return <Input {...common} type="month" placeholder="YYYY-MM" />;
    case "PIN":
      return <Input {...common} type="password" inputMode="numeric" autoComplete="off" />;
    default:
      return <Input {...common} type="text" autoComplete="off" autoCapitalize="characters" />;
  }
}

export function VerifyStep({ token, ctx, onDone, onDead }: { token: string; ctx: Context; onDone: () => void; onDead: () => void }) {
  const trpc = useTRPC();
  const field = ctx.verificationField as VerificationField;
  const [value, setValue] = useState("");
  const verify = useMutation(trpc.registration.verifyIdentity.mutationOptions({ onSuccess: onDone, onError: (e) => isDeadLink(e) && onDead() }));
  const fieldError = fieldErrorsOf(verify.error).value;
  const locked = ctx.verification.locked || hasReason(verify.error, "RATE_LIMITED");
  return (
    <StepCard step={2} title={t("verify.title")} icon={<ShieldCheck aria-hidden className="mt-0.5 size-5 shrink-0 text-primary" />}>
      <p className="text-sm text-muted-foreground">{t("verify.intro", { org: ctx.organization.name })}</p>
      {locked ? (
        <Alert variant="destructive">
          <AlertDescription>{verify.error ? messageOf(verify.error) : t("verify.locked", { org: ctx.organization.name })}</AlertDescription>
        </Alert>
      ) : (
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            verify.mutate({ token, value });
          }}
        >
          <Field label={t(`verify.${field}`)} required error={fieldError}>
            {(control) => <VerificationInput field={field} value={value} onChange={setValue} {...control} />}
          </Field>
          {verify.error && !fieldError && <ErrorAlert error={verify.error} />}
          <Button type="submit" size="lg" className="w-full" disabled={verify.isPending || !value}>
            {t("verify.submit")}
          </Button>
        </form>
      )}
    </StepCard>
  );
}

export function WalletStep({ token, ctx, onDone, onDead }: { token: string; ctx: Context; onDone: (address: string) => void; onDead: () => void }) {
  const trpc = useTRPC();
  const [address, setAddress] = useState("");
  const [memo, setMemo] = useState("");
  const [picked, setPicked] = useState<string | null>(null);
  const register = useMutation(trpc.registration.register.mutationOptions({ onSuccess: (r) => onDone(r.stellarAddress), onError: (e) => isDeadLink(e) && onDead() }));
  const errors = fieldErrorsOf(register.error);
  return (
    <StepCard step={3} title={t("wallet.title")} icon={<Wallet aria-hidden className="mt-0.5 size-5 shrink-0 text-primary" />}>
      <p className="text-sm text-muted-foreground">{t("wallet.intro")}</p>
      {ctx.wallets.length > 0 && (
        <fieldset className="space-y-2">
          <legend className="mb-2 text-sm font-medium">{t("wallet.apps")}</legend>
          {ctx.wallets.map((w) => (
            <div
              key={w.name}
              className={cn("flex items-center justify-between gap-3 rounded-lg border p-3", picked === w.name ? "border-primary bg-primary/5" : "border-border")}
            >
              <label className="flex min-w-0 flex-1 cursor-pointer items-center gap-3">
                <input type="radio" name="wallet-app" className="size-4 accent-primary" checked={picked === w.name} onChange={() => setPicked(w.name)} />
                <span className="truncate text-sm font-medium">{w.name}</span>
              </label>
              <a
                href={w.homepage}
                target="_blank"
                rel="noreferrer noopener"
                className="inline-flex shrink-0 items-center gap-1 text-xs text-primary underline-offset-4 hover:underline"
              >
                {new URL(w.homepage, "https://x").hostname}
                <ExternalLink aria-hidden className="size-3" />
                <span className="sr-only">(opens in a new tab)</span>
              </a>
            </div>
          ))}
        </fieldset>
      )}
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          register.mutate({ token, stellarAddress: address.trim(), memo: memo.trim() || null });
        }}
      >
        <Field
          label={t("wallet.address")}
          hint={picked ? `${t("wallet.use", { wallet: picked })} ${t("wallet.addressHint")}` : t("wallet.addressHint")}
          required
          error={errors.stellarAddress}
        >
          <Input
            name="stellarAddress"
            value={address}
            onChange={(e) => setAddress(e.target.value.toUpperCase().replace(/\s/g, ""))}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            required
            className="font-mono text-xs"
          />
        </Field>
        <Field label={t("wallet.memo")} hint={t("wallet.memoHint")} error={errors.memo}>
          <Input name="memo" value={memo} onChange={(e) => setMemo(e.target.value)} autoComplete="off" />
        </Field>
        {register.error && !errors.stellarAddress && !errors.memo && <ErrorAlert error={register.error} />}
        <Button type="submit" size="lg" className="w-full" disabled={register.isPending || !address}>
          {t("wallet.submit")}
        </Button>
      </form>
    </StepCard>
  );
}
