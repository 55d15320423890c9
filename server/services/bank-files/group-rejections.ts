import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { uuidArray } from "@/server/payments/payment-state-writer";
import { paymentIdToEndToEndId } from "@/server/rails/bank/formats/payment-reference";
import type { BankStatusWithReason, ParsedBankEntry, ParsedBankFile } from "@/server/rails/bank/formats/statement-types";

/**
 * A pain.002 that rejects a whole message or payment information block (GrpSts / PmtInfSts RJCT or
 * CANC) rejects every payment of the pain.001 it answers, even without one TxInfAndSts per payment
 * (ISO 20022; the G2P Bridge fails the batch). The platform ships one block per message whose MsgId is
 * the rail batch's reference (server/rails/bank/shipment-file.ts), so the batch is found by
 * `OrgnlMsgId`. Each of its payments the file does not name itself gets an entry of its own, appended
 * after the file's entries, carrying the group's (or block's) status and reason: reconciliation then
 * treats it like any transaction status (FAILED with the reason in plain words; ALREADY_APPLIED on a
 * payment already failed, so a second report changes nothing). A rejection naming a message no
 * shipment of the organization has is kept as one UNMATCHED entry (`unknownMessage`), never dropped.
 */
export type GroupRejection = { entries: ParsedBankEntry[]; unknownMessage: { index: number; message: string } | null };

const REJECTING = new Set(["REJECTED", "CANCELLED"]);

/** The status that rejects the whole original message: a rejecting block's, else a rejecting group's. */
export function wholeMessageRejection(parsed: ParsedBankFile): BankStatusWithReason | undefined {
  if (parsed.format !== "PAIN002" || !parsed.originalMessageId) return undefined;
  const block = parsed.paymentInformationStatuses?.find((b) => REJECTING.has(b.status));
  if (block) return block;
  return parsed.groupStatus && REJECTING.has(parsed.groupStatus.status) ? parsed.groupStatus : undefined;
}

/** `fileEntries`: the file's own entries (those the reader handed over; `parsed.entries` may be empty). */
export async function groupRejectionEntries(
  tx: DbOrTx,
  orgId: string,
  connectionId: string | null,
  parsed: ParsedBankFile,
  fileEntries: readonly { paymentId?: string }[],
): Promise<GroupRejection> {
  const rejection = wholeMessageRejection(parsed);
  if (!rejection) return { entries: [], unknownMessage: null };
  const messageId = parsed.originalMessageId!;
  const scope = connectionId ? sql` and b.connection_id = ${connectionId}` : sql``;
  const batches = await tx.execute<{ id: string }>(sql`
    select b.id from rail_batches b where b.org_id = ${orgId} and b.rail_type = 'BANK' and b.reference = ${messageId}${scope}`);
  const status = {
    direction: "DEBIT" as const,
    reversal: false,
    status: rejection.status,
    statusCode: rejection.statusCode,
    ...(rejection.reasonCode ? { reasonCode: rejection.reasonCode } : {}),
    ...(rejection.reasonText ? { reasonText: rejection.reasonText } : {}),
  };
  let index = fileEntries.length;
  if (batches.length === 0) {
    const reason = rejection.reasonText ? ` (${rejection.reasonText.replace(/\.$/, "")})` : "";
    return {
      entries: [{ index: ++index, customerReference: messageId, ...status }],
      unknownMessage: {
        index,
        message: `The bank ${rejection.status === "CANCELLED" ? "cancelled" : "rejected"} the whole message ${messageId}${reason}, but no bank shipment of this organization has that message id.`,
      },
    };
  }
  const named = new Set(fileEntries.map((e) => e.paymentId).filter((id): id is string => id !== undefined));
  const rows = await tx.execute<{ id: string }>(sql`
    select p.id from payments p
    where p.org_id = ${orgId} and p.rail_batch_id = any(${uuidArray(batches.map((b) => b.id))})
    order by p.line_number, p.id`);
  const entries: ParsedBankEntry[] = [];
  for (const { id } of rows) {
    if (named.has(id)) continue;
    entries.push({ index: ++index, endToEndId: paymentIdToEndToEndId(id), paymentId: id, customerReference: messageId, ...status });
  }
  return { entries, unknownMessage: null };
}
