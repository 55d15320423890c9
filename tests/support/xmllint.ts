import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** The official ISO 20022 schemas kept for the tests (tests/fixtures/iso20022/README.md names their source). */
export const XSD_DIR = path.resolve(import.meta.dirname, "../fixtures/iso20022");

/**
 * Validate an XML document against an XSD with libxml2's xmllint (Debian package libxml2-utils, installed
 * by .ci/run). A missing xmllint fails the test with that instruction, never skips it.
 */
export function validateWithXmllint(xml: string, xsdFile: string): { valid: boolean; output: string } {
  const probe = spawnSync("xmllint", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error("xmllint is not installed: install the Debian package libxml2-utils (apt-get install libxml2-utils; .ci/run does this)");
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "xmllint-"));
  try {
    const file = path.join(dir, "document.xml");
    writeFileSync(file, xml);
    try {
      const output = execFileSync("xmllint", ["--noout", "--schema", path.join(XSD_DIR, xsdFile), file], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 << 20,
      });
      return { valid: true, output };
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string };
      return { valid: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
