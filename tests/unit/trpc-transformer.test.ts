import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { transformer } from "@/lib/trpc-transformer";

class Money {
  constructor(public value: string) {}
}

const shared = { id: "s" };
const circular: Record<string, unknown> = { name: "loop" };
circular.self = circular;

// Each value: what the tRPC server answers, or what the query client dehydrates.
const cases: Record<string, unknown> = {
  "plain payment page": {
    pagination: { next: "abc", prev: null, total: 100_000 },
    data: [{ id: "p1", amount: "10.0000000", line_number: 1, status_history: [{ status: "READY", timestamp: "2026-12-03T10:00:00.000Z" }], wallet: null, ok: true }],
  },
  "a bare string": "text",
  null: null,
  "an empty array": [],
  "a Date": { at: new Date("2026-12-03T10:00:00.000Z") },
  "undefined inside": { a: undefined, b: 1 },
  "undefined alone": undefined,
  "a bigint": { n: 12n },
  NaN: { n: Number.NaN },
  Infinity: [Number.POSITIVE_INFINITY],
  "-0": { n: -0 },
  "a Map": { m: new Map([["k", 1]]) },
  "a Set": new Set([1, 2]),
  "a class instance": { money: new Money("1") },
  "one object twice": { a: shared, b: [shared] },
  "a circular object": circular,
  // eslint-disable-next-line no-sparse-arrays -- a hole, as `new Array(3)` leaves
  "an array with a hole": [1, , 3],
  "a null-prototype object": Object.assign(Object.create(null) as object, { a: 1 }),
};

describe("the tRPC transformer (superjson's wire format, with a shortcut for plain JSON)", () => {
  for (const [name, value] of Object.entries(cases)) {
    it(`serializes ${name} exactly as superjson does, and reads back what superjson reads`, () => {
      const ours = transformer.serialize(value);
      expect(JSON.stringify(ours)).toBe(JSON.stringify(superjson.serialize(value)));
      // Over the wire (JSON text), both readers give the same value.
      const wire = JSON.parse(JSON.stringify(ours)) as Parameters<typeof superjson.deserialize>[0];
      expect(transformer.deserialize(structuredClone(wire))).toEqual(superjson.deserialize(structuredClone(wire)));
    });
  }

  it("refuses a prototype-polluting key as superjson does", () => {
    const hostile = JSON.parse('{"__proto__": {"admin": true}}') as unknown;
    expect(() => superjson.serialize(hostile)).toThrow(/prototype pollution/);
    expect(() => transformer.serialize(hostile)).toThrow(/prototype pollution/);
  });

  it("keeps Dates and undefined through a round trip (superjson's annotations still apply)", () => {
    const value = { at: new Date("2026-12-03T10:00:00.000Z"), gone: undefined };
    const back = transformer.deserialize<typeof value>(JSON.parse(JSON.stringify(transformer.serialize(value))) as never);
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.toISOString()).toBe("2026-12-03T10:00:00.000Z");
    expect("gone" in back).toBe(true);
  });
});
