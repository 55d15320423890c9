import type { Db } from "@/db/client";
import { logger } from "@/server/log";
import { retryAccountInvitations } from "../team/retry-account-invitations";
import { sendDueInvitations } from "./send-receiver-invitations";
import { config } from "@/server/config";

export type InvitationSchedulerHandle = { stop(): Promise<void> };

/**
 * Run `sendDueInvitations` (and the retries of staff invitation e-mails) every `everySeconds` (INVITATION_SCHEDULER_SECONDS, default 10) until
 * stopped. Several workers may each run one: the wallet lock keeps them from double-sending.
 */
export function startInvitationScheduler(options: { db: Db; everySeconds?: number; appUrl?: string; orgIds?: string[] | null }): InvitationSchedulerHandle {
  const everyMs = Math.max(1, options.everySeconds ?? (config().INVITATION_SCHEDULER_SECONDS || 10)) * 1000;
  let stopping = false;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (!stopping) {
      try {
        for (const orgId of options.orgIds?.length ? options.orgIds : [undefined]) {
          if (stopping) break;
          await sendDueInvitations(options.db, { appUrl: options.appUrl, orgId });
        }
        // Staff invitation e-mails the e-mail server refused or never got (this worker's organizations).
        if (!stopping) await retryAccountInvitations(options.db, { orgIds: options.orgIds });
      } catch (error) {
        logger.warn({ event: "invitations.scheduler_failed", error: (error as Error)?.message ?? String(error) }, "invitation run failed");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everyMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  logger.info({ event: "invitations.scheduler_start", every_seconds: everyMs / 1000 }, "invitation scheduler started");
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}
