/**
 * Operator commands: `npm run cli -- <command> [options]`.
 * Uses DATABASE_URL, or the embedded database under .data/ (joining it when the app runs).
 */
import "./lib/check-config";
import { parseArgs } from "node:util";
import { ZodError } from "zod";
import { and, asc, desc, eq, inArray, isNotNull } from "drizzle-orm";
import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { memberships, messages, mfaRecoveryCodes, organizations, users } from "../db/schema";
import { API_SCOPES } from "../server/domain/api-scopes";
import { checkPaymentTotals } from "../server/payments/payment-totals";
import { isRole, ROLES } from "../server/domain/roles";
import { createPasswordToken, setPasswordPath } from "../server/services/auth/password-tokens";
import { hashPassword, passwordProblem } from "../server/services/auth/password";
import { revokeUserSessions } from "../server/services/auth/sessions";
import { auditInEveryOrganization } from "../server/services/profile/user-context";
import { createApiKey } from "../server/services/api-keys/create-api-key";
import { ServiceError } from "../server/services/errors";
import { addUserToOrganization, createOrganization } from "../server/services/organization/create-organization";
import { ensureDatabase, ensureEncryptionKey } from "./lib/runtime-defaults";
import { config } from "../server/config";

const HELP = `Usage: npm run cli -- <command> [options]

Commands:
  create-org   --name <name> [--slug <slug>] [--approval-required]
               Create an organization.
  create-user  --org <slug|id> --email <email> --name <name> --role <role> [--password <password>]
               Add a user to an organization with a role (${ROLES.join(", ")}).
               Without --password, prints a one-time set-password link.
  reset-password --email <email> [--password <password>]
               Set a new password (every session of the account ends), or print a one-time link to set one.
  reset-mfa    --email <email>
               Remove a user's two-factor authentication (lost phone and recovery codes) and end their sessions.
  account-mail --email <email> [--limit <n>]
               Print the newest account e-mails (invitations, password resets) sent to that address,
               with their links when the outbox transport kept them.
  list-orgs    List organizations.
  create-api-key --org <slug|id> --name <name> --scopes <scope,scope,...> [--expires <YYYY-MM-DD>] [--user <email>]
               Create a REST API key and print it (shown once). Scopes: ${API_SCOPES.join(", ")}.
               The key acts as --user (an active member; default: the organization's first owner)
               and may only hold scopes that member's role could grant.
  check-totals [--org <slug|id>]
               Recompute every disbursement's payment totals from its payments and compare them with the
               maintained ones (docs/performance.md). Exits 1 and lists each difference when any is found.

Options:
  --help       Show this help.
`;

class UsageError extends Error {}
/** A check found a problem: reported without a stack trace, exit code 1. */
class CheckFailed extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} is required`);
  return v.trim();
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === "--help" || command === "help") {
    process.stdout.write(HELP);
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: "string" },
      slug: { type: "string" },
      org: { type: "string" },
      email: { type: "string" },
      role: { type: "string" },
      password: { type: "string" },
      "approval-required": { type: "boolean" },
      scopes: { type: "string" },
      expires: { type: "string" },
      user: { type: "string" },
      limit: { type: "string" },
    },
    strict: true,
  });

  const { url, embedded } = await ensureDatabase(() => {});
  await applyMigrations(url);
  const { db, sql } = createDb(url, { max: 2 });
  const appUrl = config().APP_URL || `http://localhost:${config().PORT}`;
  try {
    switch (command) {
      case "create-org": {
        const org = await createOrganization(db, {
          name: required(values, "name"),
          slug: values.slug,
          approvalRequired: values["approval-required"] ?? false,
        });
        process.stdout.write(`Created organization "${org.name}" (slug ${org.slug}, id ${org.id})\n`);
        break;
      }
      case "create-user": {
        const orgKey = required(values, "org");
        const role = required(values, "role");
        if (!isRole(role)) throw new UsageError(`--role must be one of: ${ROLES.join(", ")}`);
        const org = await db.query.organizations.findFirst({
          where: /^[0-9a-f-]{36}$/i.test(orgKey) ? eq(organizations.id, orgKey) : eq(organizations.slug, orgKey),
        });
        if (!org) throw new UsageError(`no organization with slug or id "${orgKey}" (see list-orgs)`);
        const email = required(values, "email");
        const user = await addUserToOrganization(db, {
          orgId: org.id,
          email,
          name: values.name?.trim() || email.split("@")[0] || email,
          role,
          password: values.password,
        });
        process.stdout.write(`${user.email} is ${role} in ${org.name}\n`);
        if (!values.password && !user.passwordHash) {
          const token = await createPasswordToken(db, user.id, "invite", { orgId: org.id });
          process.stdout.write(`Set-password link (one-time): ${appUrl}${setPasswordPath(token)}\n`);
        }
        break;
      }
      case "reset-password": {
        const email = required(values, "email").toLowerCase();
        const user = await db.query.users.findFirst({ where: eq(users.email, email) });
        if (!user) throw new UsageError(`no user with email ${email}`);
        if (values.password) {
          const problem = passwordProblem(values.password);
          if (problem) throw new UsageError(problem);
          await db
            .update(users)
            .set({ passwordHash: await hashPassword(values.password), updatedAt: new Date() })
            .where(eq(users.id, user.id));
          await revokeUserSessions(db, user.id);
          process.stdout.write(`Password of ${email} changed.\n`);
        } else {
          const token = await createPasswordToken(db, user.id, "reset");
          process.stdout.write(`Set-password link for ${email} (one-time): ${appUrl}${setPasswordPath(token)}\n`);
        }
        break;
      }
      case "reset-mfa": {
        // For a person who lost both the authenticator and the recovery codes, after the operator
        // has verified them out of band (docs/security/mfa.md, "Operators").
        const email = required(values, "email").toLowerCase();
        const user = await db.query.users.findFirst({ where: eq(users.email, email) });
        if (!user) throw new UsageError(`no user with email ${email}`);
        if (!user.mfaEnabledAt && !user.mfaPendingSecretEncrypted) throw new UsageError(`${email} has no two-factor authentication to reset`);
        await db.transaction(async (tx) => {
          await tx
            .update(users)
            .set({ mfaSecretEncrypted: null, mfaEnabledAt: null, mfaPendingSecretEncrypted: null, mfaLastUsedStep: null, updatedAt: new Date() })
            .where(eq(users.id, user.id));
          await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
          await revokeUserSessions(tx, user.id);
          await auditInEveryOrganization(tx, user.id, { action: "user.mfa_reset_by_operator", details: { by: "operator command line" } });
        });
        process.stdout.write(`Two-factor authentication of ${email} removed; every session ended. They enrol again from Profile.\n`);
        break;
      }
      case "account-mail": {
        const email = required(values, "email").toLowerCase();
        const limit = Math.min(Math.max(Number(values.limit ?? 5) || 5, 1), 50);
        const rows = await db
          .select()
          .from(messages)
          .where(and(eq(messages.destination, email), inArray(messages.type, ["ACCOUNT_INVITATION", "PASSWORD_RESET"])))
          .orderBy(desc(messages.createdAt))
          .limit(limit);
        if (rows.length === 0) process.stdout.write(`No account e-mails to ${email}.\n`);
        for (const m of rows) {
          process.stdout.write(`--- ${m.createdAt.toISOString()} ${m.type} via ${m.transport} (${m.status})\nSubject: ${m.subject ?? ""}\n${m.body}\n`);
        }
        break;
      }
      case "check-totals": {
        const orgKey = values.org?.trim();
        const org = orgKey
          ? await db.query.organizations.findFirst({ where: /^[0-9a-f-]{36}$/i.test(orgKey) ? eq(organizations.id, orgKey) : eq(organizations.slug, orgKey) })
          : null;
        if (orgKey && !org) throw new UsageError(`no organization with slug or id "${orgKey}" (see list-orgs)`);
        const mismatches = await checkPaymentTotals(db, org?.id);
        if (mismatches.length === 0) {
          process.stdout.write(`Payment totals are consistent${org ? ` for ${org.name}` : ""}.\n`);
          break;
        }
        for (const m of mismatches) {
          process.stdout.write(
            `disbursement ${m.disbursementId} ${m.status}: stored ${m.stored.count} / ${m.stored.amount}, payments ${m.actual.count} / ${m.actual.amount}\n`,
          );
        }
        throw new CheckFailed(`${mismatches.length} payment total(s) differ from the payments.`);
      }
      case "list-orgs": {
        const rows = await db.select().from(organizations).orderBy(organizations.name);
        if (rows.length === 0) process.stdout.write("No organizations yet.\n");
        for (const o of rows) process.stdout.write(`${o.slug}\t${o.id}\t${o.name}\n`);
        break;
      }
      case "create-api-key": {
        const orgKey = required(values, "org");
        const org = await db.query.organizations.findFirst({
          where: /^[0-9a-f-]{36}$/i.test(orgKey) ? eq(organizations.id, orgKey) : eq(organizations.slug, orgKey),
        });
        if (!org) throw new UsageError(`no organization with slug or id "${orgKey}" (see list-orgs)`);
        const userEmail = values.user?.trim().toLowerCase();
        const [member] = await db
          .select({ userId: memberships.userId, role: memberships.role, email: users.email })
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(
            and(
              eq(memberships.orgId, org.id),
              eq(memberships.isActive, true),
              isNotNull(memberships.acceptedAt),
              userEmail ? eq(users.email, userEmail) : eq(memberships.role, "owner"),
            ),
          )
          .orderBy(asc(memberships.createdAt))
          .limit(1);
        if (!member) {
          throw new UsageError(userEmail ? `${userEmail} is not an active member of ${org.name}` : `${org.name} has no active owner; pass --user <email>`);
        }
        const scopes = required(values, "scopes")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        // The secret's hash is keyed with ENCRYPTION_KEY: the same one the app uses (env, else .data/).
        // Written to this process's environment so config() (server/config) reads it from here on.
        process.env.ENCRYPTION_KEY = ensureEncryptionKey();
        const created = await createApiKey(
          { db, actor: { userId: member.userId }, org: { id: org.id }, role: member.role },
          { name: required(values, "name"), scopes: scopes as never, expires_at: values.expires?.trim() || null },
        ).catch((error: unknown) => {
          if (error instanceof ServiceError && error.extras) {
            throw new UsageError([error.message, ...Object.values(error.extras)].join("\n"));
          }
          if (!(error instanceof ZodError)) throw error;
          const option: Record<string, string> = { name: "--name", scopes: "--scopes", expires_at: "--expires" };
          throw new UsageError(error.issues.map((i) => `${option[String(i.path[0])] ?? i.path.join(".")}: ${i.message}`).join("\n"));
        });
        process.stdout.write(
          `Created API key "${created.name}" in ${org.name}, acting as ${member.email} (scopes ${created.scopes.join(", ")}; ` +
            `${created.expires_at ? `expires ${created.expires_at}` : "no expiry"}).\n` +
            `Store it now; it is not shown again:\n${created.key}\n`,
        );
        break;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } finally {
    await sql.end({ timeout: 5 });
    await embedded?.stop();
  }
}

main().catch((error) => {
  const message =
    error instanceof UsageError || error instanceof ServiceError || error instanceof CheckFailed ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`error: ${message}\n`);
  process.exit(error instanceof UsageError || error instanceof ServiceError ? 2 : 1);
});
