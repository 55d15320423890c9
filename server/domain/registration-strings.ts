/**
 * Every receiver-facing string of the registration flow, in one place, keyed and ready for
 * translation. `{name}` placeholders are filled by `t()`.
 */
export const REGISTRATION_STRINGS = {
  en: {
    "page.title": "Receive your payment",
    "page.from": "{org} is sending you",
    "page.nothingWaiting": "{org} would like to pay you.",
    "page.steps": "Step {step} of 3",

    "link.invalid.title": "This link no longer works",
    "link.invalid.body": "The link may have expired, been replaced by a newer one, or already been used. Ask the organization that invited you for a new link.",

    "otp.title": "Confirm it's you",
    "otp.intro.phone": "We'll send a 6-digit code by SMS to {hint}.",
    "otp.intro.email": "We'll send a 6-digit code by email to {hint}.",
    "otp.send": "Send me a code",
    "otp.resend": "Send a new code",
    "otp.sent": "We sent a code to {hint}. It is valid for 5 minutes.",
    "otp.label": "6-digit code",
    "otp.submit": "Confirm code",
    "otp.wrong": "That code is not right. {remaining} attempts left.",
    "otp.locked": "Too many wrong codes. Send a new code to try again.",
    "otp.expired": "This code has expired. Send a new code.",
    "otp.none": "Send a code first.",
    "otp.tooSoon": "Please wait {seconds} seconds before asking for another code.",
    "otp.sendFailed": "We could not send the code right now. Please try again in a moment.",
    "otp.format": "Enter the 6 digits of the code.",
    "otp.confirmFirst": "Confirm the code we sent you first.",
    "otp.lockedDaily": "Too many attempts. Contact {org} to unlock your registration.",

    "verify.title": "Verify your identity",
    "verify.intro": "Enter the detail {org} has on record for you.",
    "verify.DATE_OF_BIRTH": "Date of birth",
    "verify.YEAR_MONTH": "Year and month of birth",
    "verify.PIN": "PIN",
    "verify.NATIONAL_ID_NUMBER": "National ID number",
    "verify.submit": "Verify",
    "verify.wrong": "That does not match our records. {remaining} attempts left.",
    "verify.locked": "Too many attempts. Verification is locked — please contact {org} for help.",
    "verify.required": "Enter your {field}.",
    "verify.confirmFirst": "Verify your identity first.",

    "wallet.title": "Where should we send the money?",
    "wallet.intro": "Enter your Stellar address, or open one of these wallet apps and copy the address it shows you.",
    "wallet.address": "Stellar address",
    "wallet.addressHint": "Starts with G (or M), 56 or 69 characters.",
    "wallet.memo": "Memo (optional)",
    "wallet.memoHint": "Only if your wallet or exchange asks for one.",
    "wallet.submit": "Register my wallet",
    "wallet.invalidAddress": "That is not a valid Stellar address.",
    "wallet.invalidMemo": "A memo is at most 28 bytes of text, or a number.",
    "wallet.addressTaken": "This address cannot be used. Please use another one.",
    "wallet.apps": "Wallet apps",
    "wallet.use": "Open {wallet}, copy the Stellar address it shows you and paste it here.",

    "done.title": "You're registered",
    "done.body": "Your payment will arrive shortly at this address:",
    "done.bodyLater": "{org} will send your payment to this address when it releases the payment:",

    "error.generic": "Something went wrong. Please try again.",
  },
} as const;

export type RegistrationStringKey = keyof (typeof REGISTRATION_STRINGS)["en"];
export type Locale = keyof typeof REGISTRATION_STRINGS;

export function t(key: RegistrationStringKey, params: Record<string, string | number> = {}, locale: Locale = "en"): string {
  const template: string = REGISTRATION_STRINGS[locale][key];
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}
