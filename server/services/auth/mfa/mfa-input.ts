/** The MFA inputs live with the other shared input schemas (server/schemas/auth.schema.ts). */
export { MFA_REQUIRED, confirmMfaInput, disableMfaInput, regenerateRecoveryCodesInput } from "@/server/schemas/auth.schema";
