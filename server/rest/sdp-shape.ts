/**
 * SDP's JSON conventions on the REST answers (issue 15, "SDP REST API"; the shapes are those of
 * the SDP backend's Go structs, tests/fixtures/sdp-shapes): a string SDP always sends is "" rather
 * than null, a key SDP omits when empty is left out rather than null, receiver stats are strings,
 * every payment carries SDP's `type` and every asset `deleted_at`. Keys of our own stay as they are
 * (SDP clients ignore them; the OpenAPI document lists them). Pure: no I/O, views in, views out.
 */
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** null → "" for keys SDP always sends as strings; null → absent for keys SDP omits when empty. */
function tidy(o: Obj, emptyString: readonly string[], omitEmpty: readonly string[]): Obj {
  const out: Obj = { ...o };
  for (const k of emptyString) if (k in out && out[k] === null) out[k] = "";
  for (const k of omitEmpty) if (k in out && (out[k] === null || out[k] === "")) delete out[k];
  return out;
}

export function sdpAsset(a: unknown): unknown {
  if (!isObj(a)) return a;
  // Views fill `deleted_at` from the column (server/services/catalog/assets.ts); null for a live asset.
  return { ...a, deleted_at: a.deleted_at ?? null };
}

export function sdpWallet(w: unknown): unknown {
  if (!isObj(w)) return w;
  const out = tidy(w, [], ["homepage", "sep_10_client_domain", "deep_link_schema", "created_at", "updated_at"]);
  if (Array.isArray(out.assets)) out.assets = out.assets.map(sdpAsset);
  return out;
}

const RECEIVER_STATS = ["total_payments", "successful_payments", "failed_payments", "canceled_payments", "remaining_payments", "registered_wallets"];

/** A receiver: contact keys omitted when empty, stats as strings (SDP counts them in SQL as text). */
export function sdpReceiver(r: unknown): unknown {
  if (!isObj(r)) return r;
  const out = tidy(r, [], ["email", "phone_number", "external_id"]);
  for (const k of RECEIVER_STATS) if (typeof out[k] === "number") out[k] = String(out[k]);
  if (Array.isArray(out.wallets)) out.wallets = out.wallets.map(sdpReceiverWallet);
  if (Array.isArray(out.verifications)) out.verifications = out.verifications.map(sdpVerification);
  return out;
}

/**
 * A verification with SDP's keys. `hashed_value` is always "": the hash of a receiver's date of
 * birth or PIN is a secret this API never hands out (docs/security/receivers.md); who confirmed it
 * and over which channel are not recorded, so those are null as in SDP before confirmation.
 */
export function sdpVerification(v: unknown): unknown {
  if (!isObj(v)) return v;
  return { hashed_value: "", confirmed_by_type: null, confirmed_by_id: null, verification_channel: null, ...v };
}

export function sdpReceiverWallet(rw: unknown): unknown {
  if (!isObj(rw)) return rw;
  const out = tidy(rw, [], ["stellar_address", "stellar_memo"]);
  if (isObj(out.receiver)) out.receiver = sdpReceiver(out.receiver);
  if (isObj(out.wallet)) out.wallet = sdpWallet(out.wallet);
  return out;
}

export function sdpDisbursement(d: unknown): unknown {
  if (!isObj(d)) return d;
  const out = tidy(d, ["receiver_registration_message_template"], ["verification_field", "file_name", "wallet"]);
  if (isObj(out.asset)) out.asset = sdpAsset(out.asset);
  if (isObj(out.wallet)) out.wallet = sdpWallet(out.wallet);
  return out;
}

export function sdpPayment(p: unknown): unknown {
  if (!isObj(p)) return p;
  const out = tidy(p, ["stellar_transaction_id", "stellar_operation_id"], ["external_payment_id", "sender_address"]);
  // Every payment here belongs to a disbursement: SDP's DISBURSEMENT type (DIRECT payments are SDP's other kind).
  out.type = "DISBURSEMENT";
  if (Array.isArray(out.status_history)) out.status_history = out.status_history.map((e) => (isObj(e) ? tidy(e, ["status_message"], []) : e));
  if (isObj(out.asset)) out.asset = sdpAsset(out.asset);
  if (isObj(out.disbursement)) out.disbursement = sdpDisbursement(out.disbursement);
  if (isObj(out.receiver_wallet)) out.receiver_wallet = sdpReceiverWallet(out.receiver_wallet);
  return out;
}

/** A disbursement's receiver (SDP's DisbursementReceiver): `phone_number` always sent, `email` omitted when empty. */
export function sdpDisbursementReceiver(r: unknown): unknown {
  if (!isObj(r)) return r;
  const out = tidy(r, ["phone_number"], ["email"]);
  if (isObj(out.receiver_wallet)) out.receiver_wallet = sdpReceiverWallet(out.receiver_wallet);
  if (isObj(out.payment)) out.payment = sdpPayment(out.payment);
  return out;
}

/** `{pagination, data}` with each item reshaped. */
export function sdpList<T extends { data: unknown[] }>(page: T, item: (v: unknown) => unknown): T {
  return { ...page, data: page.data.map(item) };
}
