import { generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { messageDigest, parseSignatureParams, signingString, verifyG2pSignature } from "@/server/services/g2p/signature";

/**
 * The signature spellings of the published spec (tests/fixtures/g2p-connect-specs): the
 * MsgSignature example (`Signature:` prefix, `namespace`, `kidId`, line breaks, the last quote
 * missing) and Signature.yaml's header form are read as the same parameters.
 */

const fixture = (name: string) => parse(readFileSync(path.resolve(import.meta.dirname, "../fixtures/g2p-connect-specs", name), "utf8"));

describe("G2P signature spellings of the published spec", () => {
  it("reads the MsgSignature example, kidId and all", () => {
    const example = fixture("MsgSignature.yaml").example as string;
    expect(example).toContain("kidId=");
    expect(parseSignatureParams(example)).toMatchObject({
      keyId: "{sender_id}|{unique_key_id}|{algorithm}",
      algorithm: "ed25519",
      created: "1606970629",
      expires: "1607030629",
      headers: "(created) (expires) digest",
      signature: "Base64(signing content)",
    });
  });

  it("verifies a real signature laid out like the MsgSignature example, and one like Signature.yaml's", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const header = { message_id: "m-1", message_ts: new Date().toISOString(), action: "disburse", sender_id: "spp.example.org", total_count: 0 };
    const message = { transaction_id: "t-1", disbursements: [] };
    const created = Math.floor(Date.now() / 1000);
    const expires = created + 600;
    const value = sign(null, Buffer.from(signingString(created, expires, messageDigest(header, message))), privateKey).toString("base64");
    const fill = (template: string) =>
      template
        .replace("{sender_id}|{unique_key_id}|{algorithm}", "spp.example.org|k1|ed25519")
        .replace("1606970629", String(created))
        .replace("1607030629", String(expires))
        .replace("Base64(signing content)", value)
        .replace("Base64(signing string)", value);
    const bodyForm = fill(fixture("MsgSignature.yaml").example as string);
    expect(verifyG2pSignature(bodyForm, header, message, publicKey)).toEqual({ ok: true });
    // Signature.yaml: `Signature : keyId="…",algorithm="ed25519",…` inside its description.
    const headerForm = /<code>(.*)<\/code>/.exec(fixture("Signature.yaml").description as string)![1]!.replace(/\\"/g, '"');
    expect(headerForm).toContain("keyId=");
    expect(verifyG2pSignature(fill(headerForm), header, message, publicKey)).toEqual({ ok: true });
    // Another sender's keyId or another message does not verify.
    expect(verifyG2pSignature(bodyForm, { ...header, sender_id: "other" }, message, publicKey).ok).toBe(false);
    expect(verifyG2pSignature(bodyForm, header, { ...message, transaction_id: "t-2" }, publicKey).ok).toBe(false);
  });
});
