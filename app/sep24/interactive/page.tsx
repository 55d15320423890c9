import { AuthCard } from "@/components/auth/auth-card";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { getDb } from "@/db/client";
import { decodeInteractiveToken, interactiveDepositOrgName } from "@/server/services/sep/sep24";

export const dynamic = "force-dynamic";
export const metadata = { title: "Register your wallet" };

/** Receiver-facing strings of the SEP-24 interactive page, kept together for translation. */
const STRINGS = {
  title: "Register your wallet",
  intro: (org: string) =>
    `${org || "The organization"} pays you through this wallet. Enter the phone number or e-mail address the organization has for you; we will send you a link to continue the registration (a one-time code and your verification details).`,
  contactLabel: "Phone number (with country code) or e-mail",
  submit: "Send me the link",
  sent: "If the organization knows this contact, we have sent it a message with a registration link. Open it on this device to continue. You can close this page.",
  badContact: "Enter a phone number with its country code (for example +380445555555) or an e-mail address.",
  expired: "This link is not valid any more. Go back to your wallet app and start again.",
  noToken: "Follow the link in the message we sent you, or go back to your wallet app and start again.",
};

type Params = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : "");

/** SEP-24 interactive flow: the wallet app opens this page; the receiver continues on /r/<token>. */
export default async function Sep24InteractivePage({ searchParams }: { searchParams: Promise<Params> }) {
  const params = await searchParams;
  const transactionId = one(params.transaction_id);
  const token = one(params.token);
  const claims = transactionId && token ? decodeInteractiveToken(token, transactionId) : null;
  if (!claims) {
    return (
      <AuthCard title={STRINGS.title} description={token ? STRINGS.expired : STRINGS.noToken}>
        <span />
      </AuthCard>
    );
  }
  const orgName = await interactiveDepositOrgName(getDb(), claims.transactionId);
  if (params.sent === "1") {
    return (
      <AuthCard title={STRINGS.title} description={STRINGS.sent}>
        <span />
      </AuthCard>
    );
  }
  const error = params.error === "contact" ? STRINGS.badContact : params.error === "expired" ? STRINGS.expired : null;
  return (
    <AuthCard title={STRINGS.title} description={STRINGS.intro(orgName)}>
      <form method="post" action="/sep24/interactive/contact" className="space-y-4">
        <input type="hidden" name="transaction_id" value={transactionId} />
        <input type="hidden" name="token" value={token} />
        <div className="space-y-2">
          <Label htmlFor="contact">{STRINGS.contactLabel}</Label>
          <Input id="contact" name="contact" required autoComplete="tel email" aria-invalid={error ? true : undefined} />
          {error ? (
            <p role="alert" className="text-sm text-destructive">
              {error}
            </p>
          ) : null}
        </div>
        <Button type="submit" className="w-full">
          {STRINGS.submit}
        </Button>
      </form>
    </AuthCard>
  );
}
