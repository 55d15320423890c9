/**
 * ISO 4217 currency codes for G2P Connect (`CurrencyCode`, pattern ^[A-Z]{3,3}$). A Stellar asset
 * code is not a currency code: USDC is a dollar token, XLM no ISO currency at all. What we send
 * as `currency_code` is therefore the sender's own code, or the ISO currency the asset stands
 * for (docs/g2p-connect.md, "Currency codes"), never the asset code itself.
 */

let known: Set<string> | undefined;

/** The ISO 4217 codes this runtime knows (Intl, from ICU's currency data). */
function isoCodes(): Set<string> {
  known ??= new Set(Intl.supportedValuesOf("currency"));
  return known;
}

/** A three-letter upper-case ISO 4217 code. */
export function isIsoCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && isoCodes().has(code);
}

/**
 * The ISO currency an asset stands for: its code when that is one (an anchor's `EUR`), or the
 * code without the trailing `C` of a stablecoin (`USDC` → `USD`, `EURC` → `EUR`), the reverse of
 * how a currency_code picks an asset; null for assets that are no currency (XLM).
 */
export function currencyOfAsset(assetCode: string): string | null {
  if (isIsoCurrencyCode(assetCode)) return assetCode;
  const base = assetCode.endsWith("C") ? assetCode.slice(0, -1) : "";
  return isIsoCurrencyCode(base) ? base : null;
}
