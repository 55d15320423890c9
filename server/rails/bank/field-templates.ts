import { FIELD_MAPPING_FIELDS, fillFieldTemplate, type FieldTemplateValues } from "@/server/schemas/connections.schema";
import type { RailPayment } from "../payment-rail";

/**
 * The bank connection's field mapping applied to a payment (docs/rails/connections.md "Field
 * mapping"): templates for the pain.001 remittance text and initiate_payment's narrative_3…6.
 */
const MAPPED_NARRATIVES = ["narrative_3", "narrative_4", "narrative_5", "narrative_6"] as const;

export function mappedNarratives(fieldMapping: Readonly<Record<string, string>>, values: FieldTemplateValues) {
  const out: Partial<Record<(typeof MAPPED_NARRATIVES)[number], string>> = {};
  for (const key of MAPPED_NARRATIVES) {
    const template = fieldMapping[key];
    const field = FIELD_MAPPING_FIELDS.BANK[key];
    if (template && field) out[key] = fillFieldTemplate(template, values, field.max);
  }
  return out;
}

/** A payment's values for the connection's field templates (docs/rails/connections.md "Field mapping"). */
export function templateValues(p: RailPayment, batchReference: string): FieldTemplateValues {
  return {
    reference: p.reference,
    payment_id: p.paymentId,
    payee_name: p.payeeName ?? p.destination.details?.holderName ?? "",
    amount: p.amount,
    currency: p.currency,
    batch_reference: batchReference,
  };
}
