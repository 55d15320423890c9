import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signFspiopRequest, verifyFspiopSignature } from "@/server/rails/mojaloop/fspiop-jws";

/** FSPIOP JWS (RS256, detached payload in FSPIOP-Signature): sign and verify with a generated key pair. */

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });

const baseHeaders = {
  "content-type": "application/vnd.interoperability.transfers+json;version=1.1",
  date: "Thu, 03 Dec 2026 20:08:16 GMT",
  "fspiop-source": "switch",
  "fspiop-destination": "sdpfsp",
};
const body = JSON.stringify({ transferState: "COMMITTED", fulfilment: "HdICjclXlMPNEmQ08TolSQ1QQ_UPMH5h-_Nspm6kVho" });
const uri = "/transfers/0f3a6c1e-2b4d-4e5f-8a9b-0c1d2e3f4a5b";

function signed(overrides: Record<string, string> = {}): Record<string, string> {
  return { ...baseHeaders, ...signFspiopRequest({ method: "put", uri, headers: baseHeaders, body, privateKey }), ...overrides };
}

describe("FSPIOP JWS", () => {
  it("a signed request verifies with the sender's public key", () => {
    const headers = signed();
    expect(headers["fspiop-http-method"]).toBe("PUT");
    expect(headers["fspiop-uri"]).toBe(uri);
    const { protectedHeader } = JSON.parse(headers["fspiop-signature"]!) as { protectedHeader: string };
    expect(JSON.parse(Buffer.from(protectedHeader, "base64url").toString())).toEqual({
      alg: "RS256",
      "FSPIOP-URI": uri,
      "FSPIOP-HTTP-Method": "PUT",
      "FSPIOP-Source": "switch",
      "FSPIOP-Destination": "sdpfsp",
      Date: baseHeaders.date,
    });
    expect(verifyFspiopSignature({ headers, rawBody: body, publicKey })).toEqual({ ok: true });
    expect(verifyFspiopSignature({ headers, rawBody: Buffer.from(body), publicKey: publicKey.export({ type: "spki", format: "pem" }) })).toEqual({ ok: true });
  });

  it("refuses a changed body, another key, and a missing signature", () => {
    const headers = signed();
    expect(verifyFspiopSignature({ headers, rawBody: body.replace("COMMITTED", "ABORTED"), publicKey })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not verify/),
    });
    // Re-serialised JSON with other spacing is other bytes: signatures cover the body as received.
    expect(verifyFspiopSignature({ headers, rawBody: JSON.stringify(JSON.parse(body), null, 1), publicKey }).ok).toBe(false);
    expect(verifyFspiopSignature({ headers, rawBody: body, publicKey: other.publicKey }).ok).toBe(false);
    expect(verifyFspiopSignature({ headers: baseHeaders, rawBody: body, publicKey })).toMatchObject({ ok: false, reason: "the request has no FSPIOP-Signature header" });
    expect(verifyFspiopSignature({ headers: signed({ "fspiop-signature": "not json" }), rawBody: body, publicKey }).ok).toBe(false);
  });

  it("refuses headers that differ from the signed ones", () => {
    expect(verifyFspiopSignature({ headers: signed({ "fspiop-source": "intruder" }), rawBody: body, publicKey })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/FSPIOP-Source/),
    });
    expect(verifyFspiopSignature({ headers: signed({ "fspiop-uri": "/transfers/other" }), rawBody: body, publicKey })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/FSPIOP-URI/),
    });
    expect(verifyFspiopSignature({ headers: signed({ "fspiop-http-method": "POST" }), rawBody: body, publicKey }).ok).toBe(false);
    expect(verifyFspiopSignature({ headers: signed({ "fspiop-destination": "otherfsp" }), rawBody: body, publicKey })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/FSPIOP-Destination/),
    });
    expect(verifyFspiopSignature({ headers: signed({ date: "Fri, 04 Dec 2026 00:00:00 GMT" }), rawBody: body, publicKey })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Date/),
    });
    const { "fspiop-uri": _drop, ...noUri } = signed();
    expect(verifyFspiopSignature({ headers: noUri, rawBody: body, publicKey })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/lacks the FSPIOP-URI header/),
    });
  });

  it("refuses an unsigned algorithm in the protected header", () => {
    const headers = signed();
    const { signature } = JSON.parse(headers["fspiop-signature"]!) as { signature: string };
    const none = Buffer.from(JSON.stringify({ alg: "none", "FSPIOP-URI": uri, "FSPIOP-HTTP-Method": "PUT", "FSPIOP-Source": "switch" })).toString("base64url");
    expect(
      verifyFspiopSignature({ headers: { ...headers, "fspiop-signature": JSON.stringify({ signature, protectedHeader: none }) }, rawBody: body, publicKey }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/alg is "none"/),
    });
  });
});
