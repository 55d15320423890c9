/**
 * FSPIOP error codes in plain words (the error code list of the FSPIOP API definition, section
 * "Error Codes"). A code has four digits: the first names the family (1 communication, 2 server,
 * 3 client, 4 payer, 5 payee), the second the category, the last two a specific error. Codes a scheme
 * adds itself fall back to the words of their category or family.
 */

const SPECIFIC: Readonly<Record<string, string>> = {
  "1000": "The switch could not be reached (communication error).",
  "1001": "The switch could not reach the payee's FSP (destination communication error).",
  "2000": "The switch or the payee's FSP had a server error.",
  "2001": "The switch or the payee's FSP had an internal error.",
  "2002": "The switch or the payee's FSP does not implement this service.",
  "2003": "The service is unavailable at the moment; it can be tried again later.",
  "2004": "The switch timed out waiting for the payee's FSP.",
  "2005": "The switch or the payee's FSP is too busy; it can be tried again later.",
  "2006": "Resolving the payee failed for the moment; it can be tried again.",
  "3000": "The switch refused the request (client error).",
  "3001": "The switch does not accept this version of the API.",
  "3002": "The switch does not know this address (unknown URI).",
  "3003": "Adding the party's information failed.",
  "3040": "Deleting the party's information failed.",
  "3100": "The request did not pass the switch's validation.",
  "3101": "The request's syntax is malformed.",
  "3102": "The request lacks a mandatory element.",
  "3103": "The request has too many elements.",
  "3104": "The request is too large.",
  "3105": "The request's signature is invalid.",
  "3106": "The request was modified on the way (its content does not match its signature or condition).",
  "3107": "The request lacks a mandatory extension parameter.",
  "3200": "An identifier in the request was not found.",
  "3201": "The payee's FSP answered with an error.",
  "3202": "The payer's FSP id is not known to the switch.",
  "3203": "The payee's FSP id is not known to the switch.",
  "3204": "No account was found for this payee (party not found).",
  "3205": "The quote was not found.",
  "3206": "The transaction request was not found.",
  "3207": "The transaction was not found.",
  "3208": "The transfer was not found.",
  "3209": "The bulk quote was not found.",
  "3210": "The bulk transfer was not found.",
  "3300": "The request expired.",
  "3301": "The transaction request expired.",
  "3302": "The quote expired.",
  "3303": "The transfer expired before it completed.",
  "4000": "The payer's FSP reported an error.",
  "4001": "The payer's FSP has too little liquidity at the switch.",
  "4100": "The payer side rejected the payment.",
  "4101": "The payer rejected the transaction request.",
  "4102": "The payer's FSP does not support this kind of transaction.",
  "4103": "The payer does not support this currency.",
  "4200": "A payer limit was exceeded.",
  "4300": "The payer is not permitted to make this payment.",
  "4400": "The payer is blocked.",
  "5000": "The payee's FSP reported an error.",
  "5001": "The payee's FSP has too little liquidity.",
  "5100": "The payee side rejected the payment.",
  "5101": "The payee rejected the quote.",
  "5102": "The payee's FSP does not support this kind of transaction.",
  "5103": "The payee's FSP rejected the quote.",
  "5104": "The payee rejected the transaction.",
  "5105": "The payee's FSP rejected the transaction.",
  "5106": "The payee does not support this currency.",
  "5107": "The payee's identifier is no longer valid.",
  "5200": "A payee limit was exceeded (for example the wallet's balance or transaction limit).",
  "5300": "The payee is not permitted to receive this payment.",
  "5400": "The payee's account is blocked.",
};

const CATEGORY: Readonly<Record<string, string>> = {
  "10": "The switch or the payee's FSP could not be reached.",
  "20": "The switch or the payee's FSP had a server error.",
  "30": "The switch refused the request.",
  "31": "The request did not pass the switch's validation.",
  "32": "An identifier in the request was not found.",
  "33": "The request expired.",
  "40": "The payer's FSP reported an error.",
  "41": "The payer side rejected the payment.",
  "42": "A payer limit was exceeded.",
  "43": "The payer is not permitted to make this payment.",
  "44": "The payer is blocked.",
  "50": "The payee's FSP reported an error.",
  "51": "The payee side rejected the payment.",
  "52": "A payee limit was exceeded.",
  "53": "The payee is not permitted to receive this payment.",
  "54": "The payee is blocked.",
};

const FAMILY: Readonly<Record<string, string>> = {
  "1": "A communication error between the platform, the switch and the payee's FSP.",
  "2": "A server error at the switch or the payee's FSP.",
  "3": "The switch refused the request.",
  "4": "An error on the payer's side.",
  "5": "An error on the payee's side.",
};

/** Whether a string has the form of an FSPIOP error code (four digits, not starting with 0). */
export function isFspiopErrorCode(code: string): boolean {
  return /^[1-9]\d{3}$/.test(code);
}

/**
 * The code in plain words, e.g. "5105: The payee's FSP rejected the transaction." A description the
 * switch sent is added when it says more than the code's name.
 */
export function describeFspiopError(code: string, description?: string | null): string {
  const words = SPECIFIC[code] ?? CATEGORY[code.slice(0, 2)] ?? FAMILY[code.slice(0, 1)] ?? "The switch reported an unknown error.";
  const extra = description?.trim();
  // The switch's description usually repeats the code's name ("Payee FSP rejected transaction"): add it only when it says more.
  const known = words.toLowerCase();
  const worthAdding = extra && !(extra.toLowerCase().match(/[a-z]{3,}/g) ?? []).every((word) => known.includes(word));
  return `${isFspiopErrorCode(code) ? `${code}: ` : ""}${words}${worthAdding ? ` (switch: ${extra.slice(0, 128)})` : ""}`;
}

/**
 * Whether the error is worth trying again later with the same identifiers (communication and server
 * errors, 2003/2005 included); client, payer and payee errors are final for that attempt.
 */
export function isTransientFspiopError(code: string): boolean {
  return code.startsWith("1") || code.startsWith("2");
}
