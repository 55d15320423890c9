/** IBAN syntax and ISO 13616 check digits, from the domain's one check (server/domain/destinations.ts). */
export { isValidIban } from "@/server/domain/iban";
