/**
 * The local Stellar ledger: a stellar-core-like validator and ledger behind enough of Horizon's HTTP API
 * for `@stellar/stellar-sdk`, on 127.0.0.1, network "Standalone Network ; February 2017".
 */
export { startLocalLedger, type LocalLedgerHandle, type StartLocalLedgerOptions } from "./server";
export { LocalLedger, FRIENDBOT_AMOUNT, ROOT_BALANCE, type LocalLedgerOptions, type Settlement, type SubmitResult } from "./ledger";
export { NO_FAULTS, type FaultConfig } from "./faults";
export type { LedgerHeader, TxRecord } from "./persistence";
export { BASE_FEE, BASE_RESERVE, STROOPS_PER_XLM, formatAmount, parseAmount } from "./state";
