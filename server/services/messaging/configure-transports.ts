import { logger } from "@/server/log";
import { smsHttpTransport } from "./sms-http-transport";
import { smtpTransport } from "./smtp-transport";
import { channelTransport, outboxTransport, setMessageTransport, type MessageTransport } from "./transports";
import { configFrom, type ConfigSource } from "@/server/config";

type Source = ConfigSource;

/**
 * Pick the transport of each channel from the environment:
 * - MESSAGE_TRANSPORT=outbox: everything stays in the outbox (messages table, Outbox page).
 * - otherwise (default): EMAIL over SMTP when SMTP_URL is set (smtp://user:pass@host:port, SMTP_FROM),
 *   SMS through a Twilio-compatible API when SMS_API_URL is set (SMS_ACCOUNT_SID, SMS_AUTH_TOKEN,
 *   SMS_FROM); a channel without settings stays in the outbox.
 */
export function transportsFromEnv(source?: Source): { transport: MessageTransport; email: string; sms: string } {
  // The rules (SMTP_URL's scheme, SMS_API_URL's companions) are checked by configFrom: server/config/schema.ts.
  const c = configFrom(source);
  const get = (name: "SMTP_URL" | "SMTP_FROM" | "SMS_API_URL" | "SMS_ACCOUNT_SID" | "SMS_AUTH_TOKEN" | "SMS_FROM") => (c[name] ?? "").trim();
  let email: MessageTransport = outboxTransport;
  let sms: MessageTransport = outboxTransport;
  if (c.MESSAGE_TRANSPORT === "auto") {
    if (get("SMTP_URL")) email = smtpTransport({ url: get("SMTP_URL"), from: get("SMTP_FROM") || "no-reply@localhost" });
    if (get("SMS_API_URL")) {
      sms = smsHttpTransport({ apiUrl: get("SMS_API_URL"), accountSid: get("SMS_ACCOUNT_SID"), authToken: get("SMS_AUTH_TOKEN"), from: get("SMS_FROM") });
    }
  }
  const transport = email === sms ? email : channelTransport({ EMAIL: email, SMS: sms });
  return { transport, email: email.name, sms: sms.name };
}

/** Start-up wiring (web server and worker): install the transports chosen by the environment. */
export function configureMessageTransportsFromEnv(source?: Source) {
  const chosen = transportsFromEnv(source);
  setMessageTransport(chosen.transport);
  logger.info({ event: "messaging.transports", email: chosen.email, sms: chosen.sms }, "message transports configured");
  return chosen;
}
