"use client";

import { Input } from "@/components/ui/input";
import { defaultRailCurrency, type ConnectionFormState } from "./connection-form-state";

type Asset = { id: string; code: string; issuer: string; kind: "STELLAR" | "FIAT" };

/**
 * Which of the organization's assets the connection pays, and the name its rail gives each: fiat
 * currencies for a bank, Stellar assets for Stellar (none chosen: every Stellar asset).
 */
export function CurrencyMappingField({
  form,
  assets,
  set,
  errors,
}: {
  form: ConnectionFormState;
  assets: Asset[];
  set: (patch: Partial<ConnectionFormState>) => void;
  errors: Record<string, string | undefined>;
}) {
  const kind = form.railType === "STELLAR" ? "STELLAR" : "FIAT";
  const eligible = assets.filter((a) => a.kind === kind);
  const mapped = Object.keys(form.currencies);
  const errorOf = (assetId: string) => {
    const i = mapped.indexOf(assetId);
    return i < 0 ? undefined : (errors[`currency_mapping.${i}.asset_id`] ?? errors[`currency_mapping.${i}.rail_currency`]);
  };
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium">Currencies</legend>
      <p className="text-xs text-muted-foreground">
        {form.railType === "STELLAR"
          ? "The Stellar assets this account pays, as CODE:ISSUER (native for XLM). None chosen: every Stellar asset of the organization."
          : `The currencies this ${form.railType === "BANK" ? "bank" : "switch"} pays, by their ISO 4217 code. Add a currency under Wallets & assets if it is missing.`}
      </p>
      {errors.currency_mapping && <p className="text-sm text-destructive">{errors.currency_mapping}</p>}
      {eligible.length === 0 ? (
        <p className="text-sm text-muted-foreground">{kind === "FIAT" ? "No fiat currency yet." : "No Stellar asset yet."}</p>
      ) : (
        <div className="space-y-2">
          {eligible.map((a) => {
            const on = a.id in form.currencies;
            const error = errorOf(a.id);
            return (
              <div key={a.id} className="flex flex-wrap items-center gap-3 rounded-md border border-border px-3 py-2">
                <label className="flex min-w-24 items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    className="size-4 accent-primary"
                    checked={on}
                    onChange={(e) => {
                      const next = { ...form.currencies };
                      if (e.target.checked) next[a.id] = defaultRailCurrency(form.railType, a);
                      else delete next[a.id];
                      set({ currencies: next });
                    }}
                  />
                  <span className="font-medium">{a.code}</span>
                </label>
                {on && (
                  <Input
                    aria-label={`${a.code} as the rail names it`}
                    className="h-8 max-w-72 flex-1 font-mono text-xs"
                    value={form.currencies[a.id]}
                    onChange={(e) => set({ currencies: { ...form.currencies, [a.id]: e.target.value } })}
                  />
                )}
                {error && <p className="w-full text-sm text-destructive">{error}</p>}
              </div>
            );
          })}
        </div>
      )}
    </fieldset>
  );
}
