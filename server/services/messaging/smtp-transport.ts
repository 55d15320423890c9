import nodemailer from "nodemailer";
import type { MessageTransport, TransportMessage } from "./transports";

export type SmtpTransportOptions = {
  /** smtp://user:pass@host:port (smtps:// for implicit TLS). */
  url: string;
  /** The From address, e.g. "Payments <no-reply@example.org>". */
  from: string;
  /** Seconds to wait for the server at each step (default 15). */
  timeoutSeconds?: number;
};

/** Email over SMTP (nodemailer). Only the EMAIL channel: an SMS given to it is a programming error. */
export function smtpTransport(options: SmtpTransportOptions): MessageTransport & { close(): void } {
  const timeout = (options.timeoutSeconds ?? 15) * 1000;
  const mailer = nodemailer.createTransport(options.url, {
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as Parameters<typeof nodemailer.createTransport>[1]);
  return {
    name: "smtp",
    async send(message: TransportMessage) {
      if (message.channel !== "EMAIL") throw new Error(`the smtp transport carries EMAIL, not ${message.channel}`);
      await mailer.sendMail({
        from: options.from,
        to: message.destination,
        subject: message.subject ?? "A message for you",
        text: message.body,
      });
    },
    close() {
      mailer.close();
    },
  };
}
