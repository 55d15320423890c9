import superjson, { type SuperJSONResult } from "superjson";

/**
 * superjson, with a shortcut for answers that are plain JSON already (strings, finite numbers,
 * booleans, null, plain objects and arrays, no object reached twice): for those superjson's own
 * output is `{ json: value }` with no `meta`, and that is what this returns, without superjson's
 * walk. That walk copies the path and the ancestor list at every node and tries each of its type
 * rules on every value: 0.7–1.2 ms of CPU per answer of 20 payment views in the web server's
 * profiles (docs/performance/pages.md). Anything else (a Date, undefined, a bigint, NaN, -0, a Map,
 * a class instance, a shared or circular reference, a key superjson refuses) goes through superjson
 * itself, so the wire format is superjson's in every case. Used by the tRPC server
 * (server/trpc/init.ts), the browser's tRPC client (components/trpc/client.tsx) and the query
 * client's dehydration of server prefetches (lib/query-client.ts). No server imports: the browser
 * loads it.
 */
export const transformer = {
  serialize(value: unknown): SuperJSONResult {
    return isPlainJson(value, new Set()) ? { json: value as SuperJSONResult["json"] } : superjson.serialize(value);
  },
  deserialize<T = unknown>(payload: SuperJSONResult): T {
    // Without annotations superjson only deep-copies what JSON.parse just made; skip the copy.
    return payload.meta ? superjson.deserialize<T>(payload) : (payload.json as T);
  },
};

/** True when superjson would leave `value` as it is and add no annotation (see transformer). */
export function isPlainJson(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      // NaN, ±Infinity and -0 are annotated by superjson.
      return Number.isFinite(value) && !(value === 0 && 1 / value < 0);
    case "object": {
      if (value === null) return true;
      // An object reached twice gets a referential-equality annotation (or is circular).
      if (seen.has(value)) return false;
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlainJson(value[i], seen)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        // superjson throws on these (prototype pollution); let it.
        if (key === "__proto__" || key === "constructor" || key === "prototype") return false;
        if (!isPlainJson((value as Record<string, unknown>)[key], seen)) return false;
      }
      // Symbol keys are skipped by superjson and JSON alike; nothing to check.
      return true;
    }
    default:
      // undefined, bigint, symbol, function
      return false;
  }
}
