/**
 * G2P Connect financial addresses (`payee_fa`): the parser lives with the other destinations
 * (server/domain/destinations.ts, docs/rails.md "Destinations"); re-exported here for the G2P modules.
 */
export { formatPayeeFa, parsePayeeFa, type PayeeAddress, type PayeeParse } from "../destinations";
