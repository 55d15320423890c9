import type { G2pSender } from "@/db/schema";
import type { G2pErrorCode } from "@/server/domain/g2p/codes";
import type { G2pHeader, ItemProblem } from "@/server/domain/g2p/messages";
import type { OrgContext } from "../context";

/**
 * What a G2P request handler receives once the transport checks passed (API key, sender,
 * signature, message_ts window, replay): the API key's organization context, the registered
 * sender, the request header, and the correlation id our answer carries.
 */
export type G2pCall = {
  ctx: OrgContext;
  sender: G2pSender;
  /** The request header (total_count was checked by the transport; handlers do not need it). */
  header: Omit<G2pHeader, "total_count"> & { total_count?: number };
  correlationId: string;
  now: Date;
  /** The request came encrypted (is_msg_encrypted): its answers and callbacks are encrypted to the sender. */
  encrypted?: boolean;
};

/**
 * A refusal with a G2P code (`rjct.*` → NACK, `err.*` → ERR). `items` names the items at fault with
 * their own reason codes; nothing the request would have written is kept.
 */
export class G2pRejection extends Error {
  constructor(
    readonly code: G2pErrorCode,
    message: string,
    readonly items: ItemProblem[] = [],
  ) {
    super(message);
    this.name = "G2pRejection";
  }
}
