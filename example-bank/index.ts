/**
 * The example bank: a small sponsor bank for the local demo and the tests, the other side of the
 * bank rail (docs/example-bank.md). Standalone on purpose: it imports nothing from the platform, so
 * its pain.001 reader and its pain.002 / camt / MT940 writers cross-check the platform's own.
 */
export { startExampleBank, parseAccountList, type ExampleBankHandle, type ExampleBankOptions, type SeedAccount } from "./server";
export { paymentView, accountView, type Payment, type PaymentStatus, type Account, type Entry, type Statement } from "./state";
export { writeMt940 } from "./formats/mt940-writer";
export { writeCamt } from "./formats/camt-writer";
export { writePain002 } from "./formats/pain002-writer";
export { readPain001 } from "./formats/pain001-reader";
export { parseAmount, formatAmount, currencyDecimals } from "./money";
