import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { disbursementFiles } from "@/db/schema";
import { neutralizeCsvFile } from "@/server/domain/csv-safety";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import type { InstructionsFileVariant } from "@/server/schemas/disbursements.schema";

/**
 * Which copy of the instructions file (docs/security/files.md):
 * - "neutralized" (the default): every cell a spreadsheet could run as a formula (`=`, `+`, `-`,
 *   `@`, tab, CR, LF first) gets a `'` prefix (server/domain/csv-safety.ts);
 * - "original": the bytes as uploaded, formulas included, for people who need the exact file.
 */
export { INSTRUCTIONS_FILE_VARIANTS, instructionsFileQuery, type InstructionsFileVariant } from "@/server/schemas/disbursements.schema";

export type InstructionsFile = {
  fileName: string;
  contentType: string;
  content: Buffer;
  variant: InstructionsFileVariant;
  /** Cells that got a `'` prefix (0 for the original, or when nothing needed it). */
  neutralizedCells: number;
};

/**
 * The instructions file for download. It holds receivers' verification values (dates of birth, PINs) in
 * plain text, so both copies need "exports:read" (docs/domain.md#roles-and-permissions: not business, not
 * developer).
 */
export async function getInstructionsFile(ctx: OrgContext, disbursementId: string, variant: InstructionsFileVariant = "neutralized"): Promise<InstructionsFile> {
  assertCan(ctx, "exports:read");
  if (!z.uuid().safeParse(disbursementId).success) throw notFound("The instructions file");
  const [file] = await ctx.db
    .select({ fileName: disbursementFiles.fileName, contentType: disbursementFiles.contentType, content: disbursementFiles.content })
    .from(disbursementFiles)
    .where(and(eq(disbursementFiles.disbursementId, disbursementId), eq(disbursementFiles.orgId, ctx.org.id)));
  if (!file) throw notFound("The instructions file");
  const stored = Buffer.from(file.content);
  if (variant === "original") return { fileName: file.fileName, contentType: file.contentType, content: stored, variant, neutralizedCells: 0 };
  const { content, neutralizedCells } = neutralizeCsvFile(stored);
  return {
    fileName: file.fileName,
    contentType: file.contentType,
    content: neutralizedCells === 0 ? stored : Buffer.from(content.buffer, content.byteOffset, content.byteLength),
    variant,
    neutralizedCells,
  };
}

/** `Content-Disposition` for a download: an ASCII fallback name and the UTF-8 name (RFC 6266). */
export function attachmentDisposition(fileName: string, variant: InstructionsFileVariant): string {
  const base = /\.csv$/i.test(fileName) ? fileName.slice(0, -4) : fileName;
  const name = `${base}${variant === "original" ? ".original" : ""}.csv`;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The download's headers: never cached (the file holds personal data), never sniffed as HTML. */
export function instructionsFileHeaders(file: InstructionsFile): Record<string, string> {
  return {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": attachmentDisposition(file.fileName, file.variant),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-csv-variant": file.variant,
    "x-csv-neutralized-cells": String(file.neutralizedCells),
  };
}
