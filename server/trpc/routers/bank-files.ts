import { z } from "zod";
import { getBankFile, listBankFileConnections, listBankFiles, listReconciliationExceptions } from "@/server/services/bank-files/list-bank-files";
import { requirePermission, router } from "../init";
import { bankFileEntriesInput, listBankFilesInput, listReconciliationExceptionsInput } from "@/server/schemas/bank-files.schema";

const read = requirePermission("bank_files:read");

/** Bank files and reconciliation (docs/rails.md, "Reconciliation"). Uploads go through app/api/bank-files (multipart). */
export const bankFilesRouter = router({
  list: read.input(listBankFilesInput).query(({ ctx, input }) => listBankFiles(ctx.service, input)),
  get: read.input(bankFileEntriesInput).query(({ ctx, input }) => getBankFile(ctx.service, input)),
  exceptions: read.input(listReconciliationExceptionsInput).query(({ ctx, input }) => listReconciliationExceptions(ctx.service, input)),
  connections: read.input(z.object({}).optional()).query(({ ctx }) => listBankFileConnections(ctx.service)),
});
