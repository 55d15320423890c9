import type { MessageTransport, TransportMessage } from "./transports";

export type SmsHttpTransportOptions = {
  /** Base URL of a Twilio-compatible API, e.g. https://api.twilio.com */
  apiUrl: string;
  accountSid: string;
  authToken: string;
  /** Sender number or id. */
  from: string;
  /** Milliseconds before the request is abandoned (default 15 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
};

/**
 * SMS through a Twilio-compatible HTTP API: POST `{apiUrl}/2010-04-01/Accounts/{sid}/Messages.json`,
 * form-encoded To/From/Body, basic auth sid:token. Any non-2xx answer is a delivery failure.
 */
export function smsHttpTransport(options: SmsHttpTransportOptions): MessageTransport {
  const doFetch = options.fetch ?? fetch;
  const endpoint = `${options.apiUrl.replace(/\/$/, "")}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const auth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`;
  return {
    name: "sms-http",
    async send(message: TransportMessage) {
      if (message.channel !== "SMS") throw new Error(`the sms-http transport carries SMS, not ${message.channel}`);
      const response = await doFetch(endpoint, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ To: message.destination, From: options.from, Body: message.body }).toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      if (!response.ok) {
        const text = (await response.text().catch(() => "")).slice(0, 300);
        let detail = text;
        try {
          const json = JSON.parse(text) as { message?: string; code?: number | string };
          if (json.message) detail = `${json.message}${json.code ? ` (code ${json.code})` : ""}`;
        } catch {
          // not JSON: keep the text
        }
        throw new Error(`SMS API answered ${response.status}${detail ? `: ${detail}` : ""}`);
      }
      await response.body?.cancel().catch(() => {});
    },
  };
}
