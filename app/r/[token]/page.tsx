import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { t } from "@/server/domain/registration-strings";
import { ServiceError } from "@/server/services/errors";
import { getRegistrationContext } from "@/server/services/registration/get-registration-context";
import { InvalidLink, RegistrationFlow } from "@/components/registration/registration-flow";

export const metadata: Metadata = { title: t("page.title"), robots: { index: false, follow: false }, referrer: "no-referrer" };
export const dynamic = "force-dynamic";

/**
 * The public registration page a receiver reaches from an invitation
 * (docs/domain.md#receivers-and-registration).
 */
export default async function RegistrationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token: raw } = await params;
  const token = decodeURIComponent(raw);
  let context: Awaited<ReturnType<typeof getRegistrationContext>> | null = null;
  try {
    context = await getRegistrationContext(getDb(), token);
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e;
  }
  if (!context) return <InvalidLink />;
  return <RegistrationFlow token={token} initial={context} />;
}
