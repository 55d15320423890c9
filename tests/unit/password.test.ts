import { describe, expect, it } from "vitest";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem, verifyAgainstDummy, verifyPassword } from "@/server/services/auth/password";

describe("password hashing", () => {
  it("never stores the plain password and verifies it", async () => {
    const plain = "correct horse battery";
    const hash = await hashPassword(plain);
    expect(hash).not.toBe(plain);
    expect(hash).not.toContain(plain);
    expect(hash).toMatch(/^\$2[aby]\$\d\d\$.{53}$/);
    expect(await verifyPassword(plain, hash)).toBe(true);
    expect(await verifyPassword("correct horse battery!", hash)).toBe(false);
    expect(await verifyPassword("Correct horse battery", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("uses the cost from PASSWORD_HASH_COST (4 in tests)", async () => {
    expect(process.env.PASSWORD_HASH_COST).toBe("4");
    expect(await hashPassword("some password here")).toMatch(/^\$2[aby]\$04\$/);
  });

  it("refuses a PASSWORD_HASH_COST out of range, naming the variable and the rule", async () => {
    const saved = process.env.PASSWORD_HASH_COST;
    try {
      process.env.PASSWORD_HASH_COST = "99";
      expect(() => hashPassword("some password here")).toThrow(/PASSWORD_HASH_COST must be at most 15/);
    } finally {
      process.env.PASSWORD_HASH_COST = saved;
    }
  });

  it("salts every hash: the same password gives different hashes that both verify", async () => {
    const plain = "same password twice";
    const [a, b] = await Promise.all([hashPassword(plain), hashPassword(plain)]);
    expect(a).not.toBe(b);
    expect(a.slice(7, 29)).not.toBe(b.slice(7, 29)); // the 22-character salt
    expect(await verifyPassword(plain, a)).toBe(true);
    expect(await verifyPassword(plain, b)).toBe(true);
  });

  it("the dummy comparison for unknown emails always fails", async () => {
    expect(await verifyAgainstDummy("dummy-password-for-timing")).toBe(false);
    expect(await verifyAgainstDummy("anything")).toBe(false);
  });
});

describe("passwordProblem", () => {
  it("refuses passwords shorter than the minimum", () => {
    expect(MIN_PASSWORD_LENGTH).toBe(10);
    expect(passwordProblem("")).toBe("Password must be at least 10 characters.");
    expect(passwordProblem("a".repeat(9))).toBe("Password must be at least 10 characters.");
  });

  it("accepts the minimum and the maximum length", () => {
    expect(passwordProblem("a".repeat(10))).toBeNull();
    expect(passwordProblem("a".repeat(MAX_PASSWORD_LENGTH))).toBeNull();
  });

  it("refuses more than 72 bytes (bcrypt ignores the rest)", () => {
    expect(MAX_PASSWORD_LENGTH).toBe(72);
    expect(passwordProblem("a".repeat(73))).toBe("Password must be at most 72 bytes.");
  });

  it("counts bytes, not characters, for the maximum", () => {
    // 37 × "é" is 37 characters but 74 UTF-8 bytes.
    expect(passwordProblem("é".repeat(36))).toBeNull();
    expect(passwordProblem("é".repeat(37))).toBe("Password must be at most 72 bytes.");
    // 19 emoji are 38 UTF-16 units (≥ 10) and 76 bytes.
    expect(passwordProblem("🔑".repeat(19))).toBe("Password must be at most 72 bytes.");
  });
});
