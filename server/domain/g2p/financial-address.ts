import { isValidPhoneNumber } from "libphonenumber-js";
import { regexes } from "zod";
import { isStellarAccountAddress, isStellarMuxedAddress } from "../stellar-address";

/**
 * Financial addresses (`id-type:id@provider`, docs/g2p-connect.md#disburse) that we can pay: a Stellar account
 * (`stellar:G…` or `stellar:M…`, registered at once), or a phone (`mobile:+…`) or e-mail
 * (`email:…`) whose owner registers a wallet through the invitation flow. A trailing `@provider`
 * is allowed and ignored (for e-mail the provider is whatever follows a second `@`).
 */
export type PayeeAddress = { kind: "stellar"; address: string } | { kind: "phone"; phone: string } | { kind: "email"; email: string };

export type PayeeParse = { ok: true; payee: PayeeAddress } | { ok: false; message: string };

const SUPPORTED = "use stellar:G…, mobile:+<country code><number> or email:<address>";

export function parsePayeeFa(raw: unknown): PayeeParse {
  if (typeof raw !== "string" || raw.trim() === "") return { ok: false, message: `payee_fa is missing; ${SUPPORTED}` };
  const value = raw.trim();
  const colon = value.indexOf(":");
  if (colon <= 0) return { ok: false, message: `payee_fa "${value}" has no id-type; ${SUPPORTED}` };
  const type = value.slice(0, colon).toLowerCase();
  const rest = value.slice(colon + 1);
  if (type === "stellar") {
    const address = rest.split("@")[0] ?? "";
    if (isStellarAccountAddress(address) || isStellarMuxedAddress(address)) return { ok: true, payee: { kind: "stellar", address } };
    return { ok: false, message: `payee_fa "${value}" is not a valid Stellar account address` };
  }
  if (type === "mobile" || type === "phone" || type === "msisdn") {
    const phone = (rest.split("@")[0] ?? "").replace(/[\s-]/g, "");
    if (/^\+\d{6,15}$/.test(phone) && isValidPhoneNumber(phone)) return { ok: true, payee: { kind: "phone", phone } };
    return { ok: false, message: `payee_fa "${value}" is not a valid phone number in international format (+<country code><number>)` };
  }
  if (type === "email") {
    const parts = rest.split("@");
    const email = (parts.length > 2 ? parts.slice(0, 2).join("@") : rest).toLowerCase();
    if (email.length <= 254 && regexes.email.test(email)) return { ok: true, payee: { kind: "email", email } };
    return { ok: false, message: `payee_fa "${value}" is not a valid e-mail address` };
  }
  return { ok: false, message: `payee_fa id-type "${type}" is not supported; ${SUPPORTED}` };
}

/** A financial address in its canonical form for this platform (used when reporting back). */
export function formatPayeeFa(payee: PayeeAddress): string {
  if (payee.kind === "stellar") return `stellar:${payee.address}`;
  if (payee.kind === "phone") return `mobile:${payee.phone}`;
  return `email:${payee.email}`;
}
