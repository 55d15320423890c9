"use client";

import { CheckCircle2, Link2Off } from "lucide-react";
import { useState } from "react";
import { t } from "@/server/domain/registration-strings";
import { type Context, OtpStep, VerifyStep, WalletStep } from "./registration-steps";

type Step = "otp" | "verify" | "wallet" | "done";

function Shell({ org, children }: { org?: Context["organization"]; children: React.ReactNode }) {
  return (
    <main className="mx-auto flex min-h-dvh w-full max-w-md flex-col gap-5 px-4 py-6 sm:py-10">
      {org && (
        <header className="flex items-center gap-3">
          {org.logoUrl ? (
            // eslint-disable-next-line @next/next/no-img-element -- an organization's own logo URL
            <img src={org.logoUrl} alt="" className="size-10 rounded-md object-contain" />
          ) : (
            <span aria-hidden className="flex size-10 items-center justify-center rounded-md bg-primary text-lg font-semibold text-primary-foreground">
              {org.name.slice(0, 1).toUpperCase()}
            </span>
          )}
          <p className="text-base font-semibold">{org.name}</p>
        </header>
      )}
      {children}
    </main>
  );
}

/** The friendly page for a forged, expired, replaced or used link (it never says which). */
export function InvalidLink() {
  return (
    <Shell>
      <section className="space-y-3 rounded-xl border border-border bg-card p-6 text-center shadow-xs">
        <Link2Off aria-hidden className="mx-auto size-10 text-muted-foreground" />
        <h1 className="text-xl font-semibold">{t("link.invalid.title")}</h1>
        <p className="text-sm text-muted-foreground">{t("link.invalid.body")}</p>
      </section>
    </Shell>
  );
}

/** The receiver's registration: confirm the contact (OTP), verify identity, give a Stellar address. */
export function RegistrationFlow({ token, initial }: { token: string; initial: Context }) {
  const [step, setStep] = useState<Step>(initial.step === "verify" && !initial.verificationField ? "wallet" : initial.step);
  const [dead, setDead] = useState(false);
  const [address, setAddress] = useState<string | null>(null);
  const ctx = initial;
  if (dead) return <InvalidLink />;
  const onDead = () => setDead(true);
  return (
    <Shell org={ctx.organization}>
      <div className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight">{t("page.title")}</h1>
        {ctx.amounts.length > 0 ? (
          <>
            <p className="text-sm text-muted-foreground">{t("page.from", { org: ctx.organization.name })}</p>
            <p className="text-3xl font-semibold tabular-nums" data-testid="amount-waiting">
              {ctx.amounts.map((a) => `${a.amount} ${a.asset}`).join(" + ")}
            </p>
          </>
        ) : (
          <p className="text-sm text-muted-foreground">{t("page.nothingWaiting", { org: ctx.organization.name })}</p>
        )}
      </div>
      {step === "otp" && <OtpStep token={token} ctx={ctx} onDone={() => setStep(ctx.verificationField && !ctx.verified ? "verify" : "wallet")} onDead={onDead} />}
      {step === "verify" && <VerifyStep token={token} ctx={ctx} onDone={() => setStep("wallet")} onDead={onDead} />}
      {step === "wallet" && (
        <WalletStep
          token={token}
          ctx={ctx}
          onDone={(a) => {
            setAddress(a);
            setStep("done");
          }}
          onDead={onDead}
        />
      )}
      {step === "done" && (
        <section role="status" className="space-y-3 rounded-xl border border-success/40 bg-success/5 p-6 text-center">
          <CheckCircle2 aria-hidden className="mx-auto size-10 text-success" />
          <h2 className="text-xl font-semibold">{t("done.title")}</h2>
          <p className="text-sm text-muted-foreground">{ctx.paymentRunning ? t("done.body") : t("done.bodyLater", { org: ctx.organization.name })}</p>
          <p className="font-mono text-xs break-all">{address}</p>
        </section>
      )}
    </Shell>
  );
}
