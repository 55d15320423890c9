import { and, count, eq, isNotNull, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, mfaRecoveryCodes, organizations, users } from "@/db/schema";
import { notFound } from "../../errors";

/** What the Profile page shows: whether MFA is on, since when, recovery codes left, and who requires it. */
export async function getMfaStatus(db: DbOrTx, input: { userId: string }) {
  const user = await db.query.users.findFirst({ where: eq(users.id, input.userId) });
  if (!user) throw notFound("The account");
  const [left] = await db
    .select({ n: count() })
    .from(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.userId, user.id), isNull(mfaRecoveryCodes.usedAt)));
  const requiredBy = await db
    .select({ id: organizations.id, name: organizations.name })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(and(eq(memberships.userId, user.id), eq(memberships.isActive, true), isNotNull(memberships.acceptedAt), eq(organizations.mfaRequired, true)));
  const enabled = Boolean(user.mfaEnabledAt && user.mfaSecretEncrypted);
  return {
    enabled,
    enabledAt: enabled ? user.mfaEnabledAt : null,
    enrolmentStarted: !enabled && Boolean(user.mfaPendingSecretEncrypted),
    recoveryCodesLeft: enabled ? (left?.n ?? 0) : 0,
    requiredBy: requiredBy.map((o) => o.name),
  };
}
