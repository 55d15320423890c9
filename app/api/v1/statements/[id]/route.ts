import { restHandler } from "@/server/rest/handler";
import { queryObject } from "@/server/rest/request";
import { getBankFile } from "@/server/services/bank-files/list-bank-files";

export const dynamic = "force-dynamic";

/** One imported bank file with a page of its entries (`outcome` filters; `exceptions` for those to check). */
export const GET = restHandler("GET /statements/{id}", async ({ ctx, id, url }) => getBankFile(ctx, { ...(queryObject(url) as Record<string, string>), id }));
