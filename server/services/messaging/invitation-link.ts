import { registrationUrl } from "../registration/registration-token";

/** What an invitation link is built from. */
export type InvitationLinkInput = {
  appUrl: string;
  /** The signed registration token (registration-token.ts). */
  token: string;
  orgId: string;
  receiverWalletId: string;
  /** The receiver's wallet provider: its deep link schema ("" when none) and SEP-10 client domain. */
  wallet: { id: string; deepLinkSchema: string; sep10ClientDomain: string };
};

export type InvitationLinkBuilder = (input: InvitationLinkInput) => string;

/** Default: the platform's own registration page (/r/<token>), whatever the wallet. */
export const registrationPageLink: InvitationLinkBuilder = ({ appUrl, token }) => registrationUrl(appUrl, token);

const holder = globalThis as unknown as { __invitationLinkBuilder?: InvitationLinkBuilder };

/**
 * HOOK for the SEP-24 work: wallets with a `deep_link_schema` get the wallet's deep link with the
 * signed query SDP uses. Install a builder with `setInvitationLinkBuilder` (it can fall back to
 * `registrationPageLink` for wallets without a deep link schema); until then every invitation
 * links to the registration page.
 */
export function setInvitationLinkBuilder(builder: InvitationLinkBuilder | undefined) {
  holder.__invitationLinkBuilder = builder;
}

export function buildInvitationLink(input: InvitationLinkInput): string {
  return (holder.__invitationLinkBuilder ?? registrationPageLink)(input);
}
