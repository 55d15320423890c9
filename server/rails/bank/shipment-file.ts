import { FIELD_MAPPING_FIELDS, fillFieldTemplate, type BankSettings } from "@/server/schemas/connections.schema";
import type { RailConnection, RailPayment } from "../payment-rail";
import { templateValues } from "./field-templates";
import { writePain001, type Pain001Account } from "./formats/pain001-writer";

/**
 * The pain.001 of a batch for a bank that takes files through its portal (docs/bank-files.md): one
 * payment information block, one credit transfer per payment with the payment's EndToEndId, the
 * connection's debtor account and each payee's account and bank.
 */
export function bankShipmentFile(connection: RailConnection, batch: { reference: string; createdAt: Date; payments: RailPayment[] }) {
  const settings = connection.settings as BankSettings;
  const debtorAccount: Pain001Account = settings.debtorIban ? { iban: settings.debtorIban } : { number: settings.debtorAccountNumber ?? "", schemeCode: "BBAN" };
  // The connection's field mapping may word the remittance text; the EndToEndId carries the reference either way.
  const remittance = connection.fieldMapping.remittance_information || "Payment {reference}";
  const { xml } = writePain001({
    messageId: batch.reference,
    createdAt: batch.createdAt,
    requestedExecutionDate: new Date().toISOString().slice(0, 10),
    initiatingParty: { name: settings.debtorName },
    debtor: {
      name: settings.debtorName,
      account: debtorAccount,
      agent: settings.debtorBic ? { bic: settings.debtorBic } : { memberId: settings.debtorBankCode ?? "NOTPROVIDED" },
    },
    payments: batch.payments.map((p) => {
      const details = p.destination.details ?? {};
      const account: Pain001Account = p.destination.kind === "IBAN" ? { iban: p.destination.value } : { number: p.destination.value, schemeCode: "BBAN" };
      return {
        paymentId: p.paymentId,
        amount: p.amount,
        currency: p.currency,
        creditor: {
          name: p.payeeName ?? details.holderName ?? "NOTPROVIDED",
          account,
          ...(details.bic || details.bankCode
            ? { agent: details.bic ? { bic: details.bic } : { memberId: details.bankCode!, ...(details.branch ? { branchId: details.branch } : {}) } }
            : {}),
        },
        remittanceInformation: fillFieldTemplate(remittance, templateValues(p, batch.reference), FIELD_MAPPING_FIELDS.BANK.remittance_information!.max),
      };
    }),
  });
  return { fileName: `${batch.reference}.pain.001.xml`, contentType: "application/xml", content: xml };
}
