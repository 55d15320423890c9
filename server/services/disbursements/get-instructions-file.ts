import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { disbursementFiles } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";

export type InstructionsFile = { fileName: string; contentType: string; content: Buffer };

/** The instructions file as uploaded (bytes unchanged), for download. */
export async function getInstructionsFile(ctx: OrgContext, disbursementId: string): Promise<InstructionsFile> {
  assertCan(ctx, "disbursements:read");
  if (!z.uuid().safeParse(disbursementId).success) throw notFound("The instructions file");
  const [file] = await ctx.db
    .select({ fileName: disbursementFiles.fileName, contentType: disbursementFiles.contentType, content: disbursementFiles.content })
    .from(disbursementFiles)
    .where(and(eq(disbursementFiles.disbursementId, disbursementId), eq(disbursementFiles.orgId, ctx.org.id)));
  if (!file) throw notFound("The instructions file");
  return { fileName: file.fileName, contentType: file.contentType, content: Buffer.from(file.content) };
}
