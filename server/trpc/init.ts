import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import { transformer } from "@/lib/trpc-transformer";
import type { ErrorReason } from "@/server/domain/error-codes";
import { can, type Permission } from "@/server/domain/permissions";
import { resolveMembership } from "@/server/services/auth/resolve-membership";
import type { OrgContext } from "@/server/services/context";
import { ServiceError, type ServiceErrorCode } from "@/server/services/errors";
import type { TRPCContext } from "./context";

/** The reason of a tRPC error raised without a ServiceError (input parsing, unknown procedure, …). */
const FALLBACK_REASON: Partial<Record<TRPCError["code"], ErrorReason>> = {
  PARSE_ERROR: "VALIDATION_FAILED",
  BAD_REQUEST: "VALIDATION_FAILED",
  UNAUTHORIZED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN_ROLE",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNPROCESSABLE_CONTENT: "UNPROCESSABLE",
  TOO_MANY_REQUESTS: "RATE_LIMITED",
};

const t = initTRPC.context<TRPCContext>().create({
  // superjson's wire format, without its walk for plain-JSON answers (lib/trpc-transformer.ts).
  transformer,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const fieldErrors =
      cause instanceof ZodError
        ? (z.flattenError(cause).fieldErrors as Record<string, string[]>)
        : cause instanceof ServiceError && cause.extras
          ? Object.fromEntries(Object.entries(cause.extras).map(([k, v]) => [k, [v]]))
          : null;
    // The stable domain reason the UI branches on (components/trpc/errors.ts, docs/errors.md).
    const reason: ErrorReason =
      cause instanceof ServiceError ? cause.reason : cause instanceof ZodError ? "VALIDATION_FAILED" : (FALLBACK_REASON[error.code] ?? "INTERNAL");
    return { ...shape, message: cause instanceof ZodError ? "Some fields are not valid." : shape.message, data: { ...shape.data, fieldErrors, reason } };
  },
});

const CODE_MAP: Record<ServiceErrorCode, TRPCError["code"]> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  UNPROCESSABLE: "UNPROCESSABLE_CONTENT",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
};

/** Service errors and validation errors raised inside resolvers become the matching tRPC codes. */
const mapServiceErrors = t.middleware(async ({ next, path, ctx }) => {
  const started = performance.now();
  const result = await next();
  const ms = Math.round(performance.now() - started);
  if (result.ok) {
    ctx.log.info({ path, ms, ok: true }, "trpc");
    return result;
  }
  const cause = result.error.cause;
  ctx.log.info({ path, ms, ok: false, code: cause instanceof ServiceError ? cause.code : result.error.code }, "trpc");
  if (cause instanceof ServiceError) {
    throw new TRPCError({ code: CODE_MAP[cause.code], message: cause.message, cause });
  }
  if (cause instanceof ZodError) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "Some fields are not valid.", cause });
  }
  if (result.error.code === "INTERNAL_SERVER_ERROR") ctx.log.error({ path, ms, err: result.error.cause ?? result.error }, "trpc failed");
  return result;
});

/** Shown when the organization requires two-factor authentication and the caller has not enrolled. */
export const MFA_ENROLMENT_REQUIRED_MESSAGE = "Your organization requires two-factor authentication. Set up an authenticator app on your Profile to continue.";

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Tier 1: anyone. */
export const publicProcedure = t.procedure.use(mapServiceErrors);

/** Tier 2: a signed-in user. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.userId) throw new ServiceError("UNAUTHORIZED", "Sign in to continue.", undefined, "UNAUTHENTICATED");
  return next({ ctx: { ...ctx, userId: ctx.userId } });
});

/**
 * Tier 3: an active member of an organization. The membership is read once per request, so a
 * deactivated user or a changed role takes effect on the very next call.
 */
export const orgProcedure = authedProcedure.use(async ({ ctx, next }) => {
  // Once per request: reused when the request already resolved it for the same user (server/trpc/server.tsx).
  const membership = ctx.membership ? await ctx.membership() : await resolveMembership(ctx.db, ctx.userId, ctx.activeOrgId);
  if (membership && membership.user.id !== ctx.userId) throw new ServiceError("UNAUTHORIZED", "Sign in to continue.", undefined, "UNAUTHENTICATED");
  if (!membership) throw new ServiceError("FORBIDDEN", "Your account has no active organization membership.", undefined, "NO_MEMBERSHIP");
  if (membership.mfaEnrolmentRequired) {
    // The mfa router is account-level (authedProcedure), so enrolment still works meanwhile.
    throw new ServiceError("FORBIDDEN", MFA_ENROLMENT_REQUIRED_MESSAGE, undefined, "MFA_REQUIRED");
  }
  const service: OrgContext = { db: ctx.db, actor: { userId: ctx.userId }, org: { id: membership.org.id }, role: membership.role };
  return next({ ctx: { ...ctx, org: membership.org, role: membership.role, user: membership.user, service } });
});

/** Tier 4: a member whose role holds the permission (docs/domain.md#roles-and-permissions). */
export function requirePermission(permission: Permission) {
  return orgProcedure.use(({ ctx, next }) => {
    if (!can(ctx.role, permission)) {
      throw new ServiceError("FORBIDDEN", "Your role does not allow this.", undefined, "FORBIDDEN_ROLE");
    }
    return next();
  });
}
