import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { signFspiopRequest, verifyFspiopSignature } from "@/server/rails/mojaloop/fspiop-jws";
import { requireTtk, ttkInstallDir } from "../support/ttk";

/**
 * Our FSPIOP JWS against Mojaloop's own implementation: the signer and validator of
 * @mojaloop/sdk-standard-components, the library Mojaloop's SDK scheme adapter and the Testing
 * Toolkit sign and check FSPIOP requests with (loaded from the toolkit's install,
 * scripts/mojaloop-ttk/install.sh). Each side verifies what the other signed.
 */

type SdkRequest = { method: string; url: string; headers: Record<string, string>; body: unknown };
type SdkJws = {
  signer: new (config: { signingKey: string; logger?: unknown }) => { sign(request: SdkRequest): void };
  validator: new (config: { validationKeys: Record<string, string>; logger?: unknown }) => {
    validate(request: { headers: Record<string, string>; body: unknown }): boolean;
  };
};

const quiet = { child: () => quiet, debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, isDebugEnabled: false };
let sdk: SdkJws;
const keys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

beforeAll(() => {
  requireTtk();
  const load = createRequire(path.join(ttkInstallDir(), "package.json"));
  sdk = (load("@mojaloop/sdk-standard-components") as { Jws: SdkJws }).Jws;
});

const transferId = randomUUID();
const headers = () => ({
  "content-type": "application/vnd.interoperability.transfers+json;version=1.1",
  date: new Date().toUTCString(),
  "fspiop-source": "switch",
  "fspiop-destination": "sdpfsp",
});
const body = { transferState: "COMMITTED", completedTimestamp: "2026-12-03T20:08:16.123Z", fulfilment: "HdICjclXlMPNEmQ08TolSQ1QQ_UPMH5h-_Nspm6kVho" };

describe("FSPIOP JWS interoperability with @mojaloop/sdk-standard-components", () => {
  it("verifies a callback signed by Mojaloop's signer", () => {
    const request: SdkRequest = { method: "put", url: `http://sdp.example/mojaloop/transfers/${transferId}`, headers: headers(), body: { ...body } };
    new sdk.signer({ signingKey: keys.privateKey, logger: quiet }).sign(request);
    expect(request.headers["fspiop-uri"]).toBe(`/transfers/${transferId}`);
    const rawBody = request.body as string;
    expect(verifyFspiopSignature({ headers: request.headers, rawBody, publicKey: keys.publicKey })).toEqual({ ok: true });
    expect(verifyFspiopSignature({ headers: request.headers, rawBody: rawBody.replace("COMMITTED", "ABORTED"), publicKey: keys.publicKey }).ok).toBe(false);
  });

  it("signs requests Mojaloop's validator accepts", () => {
    const h = headers();
    const rawBody = JSON.stringify(body);
    const signed = { ...h, ...signFspiopRequest({ method: "PUT", uri: `/transfers/${transferId}`, headers: h, body: rawBody, privateKey: keys.privateKey }) };
    const validator = new sdk.validator({ validationKeys: { switch: keys.publicKey }, logger: quiet });
    expect(validator.validate({ headers: signed, body: JSON.parse(rawBody) })).toBe(true);
    expect(() => validator.validate({ headers: { ...signed, "fspiop-destination": "otherfsp" }, body: JSON.parse(rawBody) })).toThrow(/FSPIOP-Destination/);
    expect(() => validator.validate({ headers: signed, body: { ...body, transferState: "ABORTED" } })).toThrow();
  });
});
