import { z } from "zod";
import { isStellarAccountAddress } from "@/server/domain/stellar-address";

/** Input schemas and limits of the wallet and asset catalog, shared by the services, router, REST and the forms. */

/** A Stellar asset code: 1 to 12 letters or digits. */
export const ASSET_CODE_MAX = 12;
export const ASSET_CODE_PATTERN = /^[A-Za-z0-9]{1,12}$/;
/** A Stellar account address (`G…`) has 56 characters. */
export const STELLAR_ADDRESS_LENGTH = 56;
export const WALLET_NAME_MAX = 120;
export const URL_MAX = 2048;

export const createAssetInput = z
  .object({
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
    if (v.code === "XLM" && v.issuer === "") return;
    if (v.code === "XLM" && v.issuer !== "") c.addIssue({ code: "custom", path: ["issuer"], message: "XLM is native and has no issuer." });
    else if (!isStellarAccountAddress(v.issuer)) {
      c.addIssue({ code: "custom", path: ["issuer"], message: "Issuer must be a valid Stellar public key (G…)." });
    }
  });

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
