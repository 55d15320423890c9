import { timingSafeEqual } from "node:crypto";
import type { VerificationField } from "@/server/domain/disbursement-types";
import { keyedHash } from "../crypto/keys";

/** Normalize then hash a verification value; the field is part of the input so values never collide across fields. */
export function hashVerificationValue(field: VerificationField, value: string): string {
  const normalized = value.trim().toUpperCase();
  return keyedHash("verification-values", `${field}:${normalized}`);
}

export function verificationValueMatches(field: VerificationField, value: string, hashed: string): boolean {
  const a = Buffer.from(hashVerificationValue(field, value), "hex");
  const b = Buffer.from(hashed, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
