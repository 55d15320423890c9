/**
 * Streaming XML for the ISO 20022 readers: saxes reads the file event by event and only the small
 * subtrees a reader asks for (a group header, one statement entry, one transaction status) are built
 * as elements, handed over and dropped, so a 100,000-entry camt.053 never sits in memory as a DOM.
 * Namespace prefixes are ignored: elements are matched by local name, the root's namespace gives the
 * message version.
 */
import { SaxesParser } from "saxes";
import { BankFileError } from "./statement-types";

export type XmlElement = {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: XmlElement[];
  /** 1-based line of the start tag. */
  line: number;
};

export type XmlStreamHandlers = {
  /** The error label for problems (e.g. "CAMT053", or "XML" before the format is known). */
  format: () => BankFileError["format"];
  /** Called once with the root element's local name and its default (or prefixed) namespace URI. */
  onRoot?: (name: string, namespace: string | undefined, line: number) => void;
  /** Called on every start tag outside captured subtrees; `path` holds local names from the root down to this element. */
  onOpen?: (path: readonly string[], line: number) => void;
  /** Whether to build the element at `path` (and its whole subtree) and pass it to `onElement`. */
  capture: (path: readonly string[]) => boolean;
  onElement: (element: XmlElement, path: readonly string[]) => void;
  /** Called on every end tag outside captured subtrees. */
  onClose?: (path: readonly string[]) => void;
};

function localName(qualified: string): string {
  const colon = qualified.indexOf(":");
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** Stream `input` through saxes (well-formedness checked), calling the handlers; malformed XML becomes a BankFileError with its line. */
export function streamXml(input: string | Uint8Array, handlers: XmlStreamHandlers): void {
  if (isBlank(input)) throw new BankFileError({ format: handlers.format(), line: 1, detail: "the file is empty" });
  const parser = new SaxesParser({ xmlns: false, position: true });
  const path: string[] = [];
  const stack: XmlElement[] = [];
  let captureDepth = -1;
  let sawRoot = false;

  parser.on("error", (error) => {
    throw new BankFileError({
      format: handlers.format(),
      line: parser.line,
      detail: `the file is not well-formed XML: ${error.message.replace(/^(?:[^\n]*?:)?\d+:\d+: /, "")}`,
      cause: error,
    });
  });
  parser.on("opentag", (tag) => {
    const name = localName(tag.name);
    const attrs = tag.attributes as Record<string, string>;
    const line = parser.line;
    path.push(name);
    if (!sawRoot) {
      sawRoot = true;
      const prefix = tag.name.includes(":") ? tag.name.slice(0, tag.name.indexOf(":")) : "";
      handlers.onRoot?.(name, attrs[prefix ? `xmlns:${prefix}` : "xmlns"], line);
    }
    if (captureDepth >= 0) {
      const element: XmlElement = { name, attrs, text: "", children: [], line };
      stack[stack.length - 1]?.children.push(element);
      stack.push(element);
      return;
    }
    if (handlers.capture(path)) {
      captureDepth = path.length;
      stack.push({ name, attrs, text: "", children: [], line });
      return;
    }
    handlers.onOpen?.(path, line);
  });
  const onText = (text: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
  };
  parser.on("text", onText);
  parser.on("cdata", onText);
  parser.on("closetag", () => {
    if (captureDepth >= 0) {
      const element = stack.pop();
      if (path.length === captureDepth && element) {
        captureDepth = -1;
        handlers.onElement(element, path);
      }
    } else {
      handlers.onClose?.(path);
    }
    path.pop();
  });

  // Large inputs go in 256 KB slices; bytes are decoded slice by slice, so a 100 MB file is never held twice (bytes and text).
  for (const chunk of textChunks(input)) parser.write(chunk);
  parser.close();
  if (!sawRoot) throw new BankFileError({ format: handlers.format(), line: 1, detail: "the file is empty or holds no XML element" });
}

/** The first child with this local name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** All children with this local name. */
export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name) : [];
}

/** The element at a "/"-separated path of local names below `element`. */
const SPLIT_PATHS = new Map<string, string[]>();
export function at(element: XmlElement | undefined, path: string): XmlElement | undefined {
  let parts = SPLIT_PATHS.get(path);
  if (!parts) {
    parts = path.split("/");
    SPLIT_PATHS.set(path, parts);
  }
  let current = element;
  for (const part of parts) {
    current = child(current, part);
    if (!current) return undefined;
  }
  return current;
}

/** Trimmed text at a path (undefined when absent or empty). */
export function textAt(element: XmlElement | undefined, path: string): string | undefined {
  const found = at(element, path);
  const text = found?.text.trim();
  return text ? text : undefined;
}

/** The first path (of several alternatives) that has text. */
export function firstText(element: XmlElement | undefined, ...paths: string[]): string | undefined {
  for (const p of paths) {
    const text = textAt(element, p);
    if (text !== undefined) return text;
  }
  return undefined;
}

// 256 KB: below the size at which Node decodes into external strings, which the entries' substrings would keep alive.
const SLICE = 1 << 18;

function isBlank(input: string | Uint8Array): boolean {
  if (typeof input === "string") return input.trim() === "";
  for (const byte of input) if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false;
  return true;
}

/** The encoding to decode bytes with: UTF-8 (what ISO 20022 files use) unless the XML declaration names ISO-8859-1 / windows-1252, which some banks still send. */
function encodingOf(bytes: Uint8Array): string {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 200));
  const declared = /encoding=["']([A-Za-z0-9_-]+)["']/.exec(head)?.[1]?.toLowerCase();
  return declared !== undefined && /^(iso-8859-1|iso8859-1|latin1|windows-1252|cp1252)$/.test(declared) ? "windows-1252" : "utf-8";
}

/** The input as text slices (a leading BOM dropped). */
export function* textChunks(input: string | Uint8Array): Generator<string> {
  if (typeof input === "string") {
    const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    for (let offset = 0; offset < text.length; offset += SLICE) yield text.slice(offset, offset + SLICE);
    return;
  }
  const decoder = new TextDecoder(encodingOf(input)); // drops a UTF-8 BOM itself
  for (let offset = 0; offset < input.length; offset += SLICE) yield decoder.decode(input.subarray(offset, offset + SLICE), { stream: true });
  const rest = decoder.decode();
  if (rest) yield rest;
}
