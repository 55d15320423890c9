import { getDb } from "@/db/client";
import { logger } from "@/server/log";
import { CORS_HEADERS } from "@/server/adapters/sep/http";
import { buildStellarToml } from "@/server/services/sep/stellar-toml";

export const dynamic = "force-dynamic";

/** SEP-1: the platform's stellar.toml (network, SEP-10 signing key and endpoints, currencies). */
export async function GET() {
  try {
    return new Response(await buildStellarToml(getDb()), {
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "public, max-age=60", ...CORS_HEADERS },
    });
  } catch (error) {
    logger.error({ err: error }, "stellar.toml failed");
    return new Response("internal error\n", { status: 500, headers: { "content-type": "text/plain; charset=utf-8", ...CORS_HEADERS } });
  }
}
