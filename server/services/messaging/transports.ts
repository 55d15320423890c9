/**
 * How messages leave the platform. MESSAGE_TRANSPORT selects one: `outbox` (default: stored only,
 * shown on the Outbox page — for the embedded setup and demos). The SMTP and SMS transports plug in
 * here with the same interface (smtp-transport.ts, sms-http-transport.ts); configure-transports.ts
 * picks one per channel from the environment at start-up.
 */
export type TransportMessage = { channel: "EMAIL" | "SMS"; destination: string; subject: string | null; body: string };

export interface MessageTransport {
  readonly name: string;
  /** The transport that will carry a message of this channel (for the log), when it depends on it. */
  nameFor?(channel: TransportMessage["channel"]): string;
  send(message: TransportMessage): Promise<void>;
}

/** The name a message of this channel is logged with. */
export function transportNameFor(transport: MessageTransport, channel: TransportMessage["channel"]): string {
  return transport.nameFor?.(channel) ?? transport.name;
}

/** One transport per channel (e.g. EMAIL over SMTP, SMS still in the outbox). */
export function channelTransport(byChannel: Record<TransportMessage["channel"], MessageTransport>): MessageTransport {
  return {
    name: [...new Set([byChannel.EMAIL.name, byChannel.SMS.name])].join("+"),
    nameFor: (channel) => transportNameFor(byChannel[channel], channel),
    send: (message) => byChannel[message.channel].send(message),
  };
}

export const outboxTransport: MessageTransport = {
  name: "outbox",
  async send() {
    // The messages table is the outbox: nothing leaves the machine.
  },
};

const holder = globalThis as unknown as { __messageTransport?: MessageTransport };

export function messageTransport(): MessageTransport {
  return holder.__messageTransport ?? outboxTransport;
}

/** For tests and start-up wiring. */
export function setMessageTransport(transport: MessageTransport | undefined) {
  holder.__messageTransport = transport;
}
