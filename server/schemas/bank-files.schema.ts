import { z } from "zod";
import { BANK_FILE_SOURCES, RECONCILIATION_OUTCOMES } from "@/server/domain/rails";
import { cursorPageInput } from "./pagination.schema";

/** Input schemas of bank files and reconciliation (docs/rails.md, "Reconciliation"), shared by services, routers, REST and the pages. */

/** Longest file name kept (base name only). */
export const BANK_FILE_NAME_MAX = 255;

export const bankFileSource = z.enum(BANK_FILE_SOURCES);

/** The optional fields beside the file in an upload (multipart), UI and REST alike. */
export const bankFileUploadFields = z.object({
  connection_id: z
    .union([z.literal(""), z.uuid("connection_id must be a connection's id (a UUID)")])
    .optional()
    .transform((v) => (v ? v : undefined)),
});

export const listBankFilesInput = cursorPageInput;

/** `exceptions`: only entries staff must look at (not MATCHED or ALREADY_APPLIED). */
export const bankFileEntriesInput = cursorPageInput.extend({
  id: z.uuid(),
  outcome: z.enum([...RECONCILIATION_OUTCOMES, "exceptions"]).optional(),
});

export const EXCEPTION_OUTCOME_FILTER = ["UNMATCHED", "DUPLICATE", "AMOUNT_MISMATCH", "INVALID_STATE"] as const;

export const listReconciliationExceptionsInput = cursorPageInput.extend({
  outcome: z.enum(EXCEPTION_OUTCOME_FILTER).optional(),
});

/** `GET /statements/{id}` query: the file's entries are paged like every list. */
export const bankFileQuery = cursorPageInput.extend({
  outcome: z.enum([...RECONCILIATION_OUTCOMES, "exceptions"]).optional(),
});
