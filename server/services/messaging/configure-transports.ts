import { logger } from "@/server/log";
import { smsHttpTransport } from "./sms-http-transport";
import { smtpTransport } from "./smtp-transport";
import { channelTransport, outboxTransport, setMessageTransport, type MessageTransport } from "./transports";

type Source = Record<string, string | undefined>;

/**
 * Pick the transport of each channel from the environment:
 * - MESSAGE_TRANSPORT=outbox: everything stays in the outbox (messages table, Outbox page).
 * - otherwise (default): EMAIL over SMTP when SMTP_URL is set (smtp://user:pass@host:port, SMTP_FROM),
 *   SMS through a Twilio-compatible API when SMS_API_URL is set (SMS_ACCOUNT_SID, SMS_AUTH_TOKEN,
 *   SMS_FROM); a channel without settings stays in the outbox.
 */
export function transportsFromEnv(source: Source = process.env): { transport: MessageTransport; email: string; sms: string } {
  const get = (name: string) => (source[name] ?? "").trim();
  const mode = get("MESSAGE_TRANSPORT") || "auto";
  if (mode !== "outbox" && mode !== "auto") throw new Error(`MESSAGE_TRANSPORT must be "outbox" or unset, not "${mode}"`);
  let email: MessageTransport = outboxTransport;
  let sms: MessageTransport = outboxTransport;
  if (mode === "auto") {
    if (get("SMTP_URL")) {
      if (!/^smtps?:\/\//.test(get("SMTP_URL"))) throw new Error("SMTP_URL must look like smtp://user:pass@host:port");
      email = smtpTransport({ url: get("SMTP_URL"), from: get("SMTP_FROM") || "no-reply@localhost" });
    }
    if (get("SMS_API_URL")) {
      const missing = ["SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM"].filter((n) => !get(n));
      if (missing.length) throw new Error(`SMS_API_URL is set but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing`);
      sms = smsHttpTransport({ apiUrl: get("SMS_API_URL"), accountSid: get("SMS_ACCOUNT_SID"), authToken: get("SMS_AUTH_TOKEN"), from: get("SMS_FROM") });
    }
  }
  const transport = email === sms ? email : channelTransport({ EMAIL: email, SMS: sms });
  return { transport, email: email.name, sms: sms.name };
}

/** Start-up wiring (web server and worker): install the transports chosen by the environment. */
export function configureMessageTransportsFromEnv(source: Source = process.env) {
  const chosen = transportsFromEnv(source);
  setMessageTransport(chosen.transport);
  logger.info({ event: "messaging.transports", email: chosen.email, sms: chosen.sms }, "message transports configured");
  return chosen;
}
