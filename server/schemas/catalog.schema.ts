import { z } from "zod";
import { currencyDecimals, STELLAR_DECIMALS } from "@/server/domain/currencies";
import { ASSET_KINDS } from "@/server/domain/rails";
import { isStellarAccountAddress } from "@/server/rails/stellar/stellar-address";

/** Input schemas and limits of the wallet and asset catalog, shared by the services, router, REST and the forms. */

/** A Stellar asset code: 1 to 12 letters or digits. */
export const ASSET_CODE_MAX = 12;
export const ASSET_CODE_PATTERN = /^[A-Za-z0-9]{1,12}$/;
/** A Stellar account address (`G…`) has 56 characters. */
export const STELLAR_ADDRESS_LENGTH = 56;
export const WALLET_NAME_MAX = 120;
export const URL_MAX = 2048;

/**
 * A Stellar asset (code + issuer; XLM is native) or a fiat currency paid through a bank or switch
 * (an ISO 4217 code; its decimals come from the ISO table: server/domain/currencies.ts).
 */
export const createAssetInput = z
  .object({
    kind: z.enum(ASSET_KINDS, { error: `kind must be one of ${ASSET_KINDS.join(", ")}` }).default("STELLAR"),
    code: z
      .string()
      .trim()
      .regex(ASSET_CODE_PATTERN, `Asset code must be 1 to ${ASSET_CODE_MAX} letters or digits.`)
      .transform((v) => v.toUpperCase()),
    issuer: z
      .string()
      .trim()
      .toUpperCase()
      .optional()
      .transform((v) => v ?? ""),
  })
  .superRefine((v, c) => {
    if (v.kind === "FIAT") {
      if (currencyDecimals(v.code) === undefined)
        c.addIssue({ code: "custom", path: ["code"], message: `${v.code} is not an ISO 4217 currency code (e.g. KES, EUR, USD).` });
      if (v.issuer !== "") c.addIssue({ code: "custom", path: ["issuer"], message: "A fiat currency has no issuer." });
      return;
    }
    if (v.code === "XLM" && v.issuer === "") return;
    if (v.code === "XLM" && v.issuer !== "") c.addIssue({ code: "custom", path: ["issuer"], message: "XLM is native and has no issuer." });
    else if (!isStellarAccountAddress(v.issuer)) {
      c.addIssue({ code: "custom", path: ["issuer"], message: "Issuer must be a valid Stellar public key (G…)." });
    }
  })
  .transform((v) => ({ ...v, decimals: v.kind === "FIAT" ? (currencyDecimals(v.code) ?? 2) : STELLAR_DECIMALS }));

export const setAssetEnabledInput = z.object({ id: z.uuid(), enabled: z.boolean() });

const url = (what: string) => z.url({ protocol: /^https?$/, error: `${what} must be an http(s) URL.` }).max(URL_MAX);

export const createWalletInput = z.object({
  name: z.string().trim().min(1, "Enter the wallet's name.").max(WALLET_NAME_MAX),
  homepage: url("Homepage"),
  deep_link_schema: z.string().trim().min(1, "Enter the deep link schema, e.g. wallet://sdp or https://wallet.example/sdp.").max(URL_MAX),
  sep_10_client_domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9.-]+(:\d+)?$/, "Enter a domain such as wallet.example.org."),
  asset_ids: z.array(z.uuid()).min(1, "Choose at least one asset the wallet supports."),
  enabled: z.boolean().default(true),
});

export const updateWalletInput = z.object({
  id: z.uuid(),
  enabled: z.boolean().optional(),
  asset_ids: z.array(z.uuid()).min(1, "Choose at least one asset the wallet supports.").optional(),
});

/** SDP's `DELETE /assets/{id}` and `DELETE /wallets/{id}`: a soft delete (docs/security/catalog-delete.md). */
export const deleteAssetInput = z.object({ id: z.uuid() });
export const deleteWalletInput = z.object({ id: z.uuid() });
