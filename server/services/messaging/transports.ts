/**
 * How messages leave the platform. MESSAGE_TRANSPORT selects one: `outbox` (default: stored only,
 * shown on the Outbox page — for the embedded setup and demos). The SMTP and SMS transports plug in
 * here with the same interface.
 */
export type TransportMessage = { channel: "EMAIL" | "SMS"; destination: string; subject: string | null; body: string };

export interface MessageTransport {
  readonly name: string;
  send(message: TransportMessage): Promise<void>;
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
