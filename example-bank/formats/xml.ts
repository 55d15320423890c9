/**
 * XML building and reading for the example bank's ISO 20022 files, on fast-xml-parser: the builder
 * escapes text and attributes, the parser keeps every value a string (amounts stay exact decimals).
 */
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlNode[] | string[] | undefined;

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: true, indentBy: "  ", suppressEmptyNode: false });

export function buildXml(root: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(root) as string}`;
}

/** Text content truncated to an ISO 20022 MaxNText length (undefined stays undefined). */
export function maxText(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const t = value.replace(/\s+/g, " ").trim();
  return t ? t.slice(0, max) : undefined;
}

export class XmlReadError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line !== undefined ? `${message} (line ${line})` : message);
  }
}

/** Parses a document with namespace prefixes removed; every element named in `arrays` is an array. */
export function parseXml(text: string, arrays: string[]): Record<string, unknown> {
  // Bank files never carry a DTD; refusing one rules out entity expansion tricks.
  if (/<!DOCTYPE/i.test(text)) throw new XmlReadError("a DOCTYPE is not allowed in a bank file");
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlReadError(`not well-formed XML: ${valid.err.msg}`, valid.err.line);
  const arraySet = new Set(arrays);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => arraySet.has(name),
  });
  return parser.parse(text) as Record<string, unknown>;
}
