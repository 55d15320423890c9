import { Keypair, StrKey } from "@stellar/stellar-sdk";
import { describe, expect, it } from "vitest";
import {
  COLUMN_RULES,
  CSV_COLUMNS,
  DEFAULT_CSV_LIMITS,
  MESSAGES,
  validateInstructionsCsv,
  type CsvLimits,
  type CsvValidationResult,
  type ValidRow,
} from "@/server/domain/csv-instructions";
import { csvLimitsFromEnv } from "@/server/services/disbursements/csv-limits";
import { REGISTRATION_CONTACT_TYPES, type RegistrationContactType, type VerificationField } from "@/server/domain/disbursement-types";

/** "Now" for every not-in-the-future check: 2025-06-15 12:00 UTC (at UTC+14 it is already the 16th). */
const NOW = new Date("2025-06-15T12:00:00Z");

const G = Keypair.random().publicKey();
const G2 = Keypair.random().publicKey();
const C = StrKey.encodeContract(Buffer.alloc(32, 7));
/** A G... key with its last character changed: the checksum no longer matches. */
const G_BAD_CHECKSUM = G.slice(0, -1) + (G.endsWith("A") ? "B" : "A");
const SECRET = Keypair.random().secret();

type Options = { type?: RegistrationContactType; field?: VerificationField | null; limits?: Partial<CsvLimits> };

function validate(content: string | Buffer, { type = "PHONE_NUMBER", field = "DATE_OF_BIRTH", limits }: Options = {}): CsvValidationResult {
  return validateInstructionsCsv(content, { contactType: type, verificationField: field, limits, now: NOW });
}

function rowsOf(result: CsvValidationResult): ValidRow[] {
  if (!result.ok) throw new Error(`expected a valid file, got ${JSON.stringify(result.errors)}`);
  return result.rows;
}

function errorsOf(result: CsvValidationResult): Record<string, string> {
  if (result.ok) throw new Error(`expected errors, got ${result.rows.length} valid rows`);
  return result.errors;
}

const lines = (...l: string[]) => l.join("\n") + "\n";

/** A minimal valid header and row per contact type (verification is a date of birth). */
const BASE: Record<RegistrationContactType, { header: string[]; row: string[]; field: VerificationField | null }> = {
  PHONE_NUMBER: { header: ["phone", "id", "amount", "verification"], row: ["+380445555555", "r-1", "10", "1990-01-30"], field: "DATE_OF_BIRTH" },
  EMAIL: { header: ["email", "id", "amount", "verification"], row: ["ana@example.com", "r-1", "10", "1990-01-30"], field: "DATE_OF_BIRTH" },
  PHONE_NUMBER_AND_WALLET_ADDRESS: { header: ["phone", "id", "amount", "walletAddress"], row: ["+380445555555", "r-1", "10", G], field: null },
  EMAIL_AND_WALLET_ADDRESS: { header: ["email", "id", "amount", "walletAddress"], row: ["ana@example.com", "r-1", "10", G], field: null },
  BANK_ACCOUNT: { header: ["id", "amount", "bankAccount", "name"], row: ["r-1", "10", "DE89370400440532013000", "Ana Diaz"], field: null },
  DIRECT_PHONE: { header: ["phone", "id", "amount"], row: ["+254712345678", "r-1", "10"], field: null },
};

/** A one-row file for `type` with `column` set to `value` (added as a column when the base lacks it). */
function oneRow(type: RegistrationContactType, column: string, value: string): string {
  const { header, row } = BASE[type];
  const h = [...header];
  const r = [...row];
  const i = h.indexOf(column);
  if (i >= 0) r[i] = value;
  else {
    h.push(column);
    r.push(value);
  }
  return lines(h.join(","), r.map(quote).join(","));
}

const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function checkValue(type: RegistrationContactType, column: string, value: string, field: VerificationField | null = BASE[type].field) {
  return validate(oneRow(type, column, value), { type, field });
}

describe("columns per registration contact type (docs/domain.md#csv-instructions)", () => {
  it("the table is docs/domain.md's", () => {
    const bank = ["bankAccount", "bankCode", "name"];
    expect(COLUMN_RULES).toEqual({
      PHONE_NUMBER: { required: ["phone", "id", "amount", "verification"], notAllowed: ["email", "walletAddress", "walletAddressMemo", ...bank] },
      EMAIL: { required: ["email", "id", "amount", "verification"], notAllowed: ["phone", "walletAddress", "walletAddressMemo", ...bank] },
      PHONE_NUMBER_AND_WALLET_ADDRESS: { required: ["phone", "id", "amount", "walletAddress"], notAllowed: ["email", "verification", ...bank] },
      EMAIL_AND_WALLET_ADDRESS: { required: ["email", "id", "amount", "walletAddress"], notAllowed: ["phone", "verification", ...bank] },
      BANK_ACCOUNT: { required: ["id", "amount", "bankAccount", "name"], notAllowed: ["phone", "email", "verification", "walletAddress", "walletAddressMemo"] },
      DIRECT_PHONE: { required: ["phone", "id", "amount"], notAllowed: ["email", "verification", "walletAddress", "walletAddressMemo", ...bank] },
    });
    expect(CSV_COLUMNS).toEqual([
      "phone",
      "email",
      "id",
      "amount",
      "verification",
      "paymentID",
      "walletAddress",
      "walletAddressMemo",
      "bankAccount",
      "bankCode",
      "name",
      "region",
    ]);
  });

  describe.each(REGISTRATION_CONTACT_TYPES)("%s", (type) => {
    const { header, row, field } = BASE[type];
    const rules = COLUMN_RULES[type];

    it("accepts the required columns", () => {
      expect(rowsOf(validate(lines(header.join(","), row.join(",")), { type, field }))).toHaveLength(1);
    });

    it("accepts the optional columns (paymentID and region; walletAddressMemo with a wallet address, bankCode with a bank account)", () => {
      const optional = CSV_COLUMNS.filter((c) => !rules.required.includes(c) && !rules.notAllowed.includes(c));
      expect(optional).toEqual(
        type.endsWith("WALLET_ADDRESS")
          ? ["paymentID", "walletAddressMemo", "region"]
          : type === "BANK_ACCOUNT"
            ? ["paymentID", "bankCode", "region"]
            : ["paymentID", "region"],
      );
      const file = lines([...header, ...optional].join(","), [...row, ...optional.map(() => "")].join(","));
      expect(rowsOf(validate(file, { type, field }))).toHaveLength(1);
    });

    it.each(rules.required)("refuses a file without the required column %s", (column) => {
      const keep = header.map((_, i) => i).filter((i) => header[i] !== column);
      const file = lines(keep.map((i) => header[i]).join(","), keep.map((i) => row[i]).join(","));
      expect(errorsOf(validate(file, { type, field }))).toEqual({ [`line 1 - ${column}`]: `missing required column ${column} for ${type} disbursements` });
    });

    it.each(rules.notAllowed)("refuses a file with the not-allowed column %s", (column) => {
      const file = lines([...header, column].join(","), [...row, ""].join(","));
      expect(errorsOf(validate(file, { type, field }))).toEqual({ [`line 1 - ${column}`]: `column ${column} is not allowed for ${type} disbursements` });
    });

    it("refuses an unknown column, naming the known ones", () => {
      const file = lines([...header, "nickname"].join(","), [...row, "Ana"].join(","));
      expect(errorsOf(validate(file, { type, field }))).toEqual({ "line 1 - nickname": `unknown column. Known columns: ${CSV_COLUMNS.join(", ")}` });
    });
  });

  it("refuses a column named twice", () => {
    const file = lines("phone,id,amount,verification,id", "+380445555555,a,1,1990-01-01,b");
    expect(errorsOf(validate(file))).toEqual({ "line 1 - id": "column id appears more than once" });
  });

  it("matches column names ignoring case and surrounding spaces", () => {
    const [r] = rowsOf(validate(lines(" Phone ,ID,Amount,VERIFICATION,paymentid", "+380445555555,a,1,1990-01-01,p-1")));
    expect(r).toMatchObject({ phone: "+380445555555", externalId: "a", paymentId: "p-1" });
  });

  it("ignores a column without a name when its values are empty, and refuses values in it", () => {
    expect(rowsOf(validate(lines("phone,id,amount,verification,", "+380445555555,a,1,1990-01-01,")))).toHaveLength(1);
    expect(errorsOf(validate(lines("phone,id,amount,verification,", "+380445555555,a,1,1990-01-01,x")))).toEqual({
      "line 2 - column 5": "a value in a column without a name in the header",
    });
  });

  it("lists every header problem at once", () => {
    const errors = errorsOf(validate(lines("phone,email,amount,foo", "+380445555555,a@b.co,1,x")));
    expect(Object.keys(errors).sort()).toEqual(["line 1 - email", "line 1 - foo", "line 1 - id", "line 1 - verification"]);
  });
});

describe("row rules", () => {
  describe("id (the receiver's external id)", () => {
    it.each(REGISTRATION_CONTACT_TYPES)("%s: required, at most 64 characters", (type) => {
      expect(rowsOf(checkValue(type, "id", "x".repeat(64)))[0]?.externalId).toBe("x".repeat(64));
      expect(rowsOf(checkValue(type, "id", "  r-7  "))[0]?.externalId).toBe("r-7");
      expect(errorsOf(checkValue(type, "id", ""))).toEqual({ "line 2 - id": "id cannot be empty" });
      expect(errorsOf(checkValue(type, "id", "   "))).toEqual({ "line 2 - id": "id cannot be empty" });
      expect(errorsOf(checkValue(type, "id", "x".repeat(65)))).toEqual({ "line 2 - id": "id cannot be longer than 64 characters" });
    });
  });

  describe("paymentID", () => {
    it.each(REGISTRATION_CONTACT_TYPES)("%s: optional, at most 64 characters", (type) => {
      expect(rowsOf(checkValue(type, "paymentID", ""))[0]?.paymentId).toBeNull();
      expect(rowsOf(checkValue(type, "paymentID", " p-1 "))[0]?.paymentId).toBe("p-1");
      expect(rowsOf(checkValue(type, "paymentID", "p".repeat(64)))[0]?.paymentId).toBe("p".repeat(64));
      expect(errorsOf(checkValue(type, "paymentID", "p".repeat(65)))).toEqual({ "line 2 - paymentID": "paymentID cannot be longer than 64 characters" });
    });
  });

  describe("amount", () => {
    it.each([
      ["1", "1.0000000", 10_000_000n],
      ["12.50", "12.5000000", 125_000_000n],
      ["0.0000001", "0.0000001", 1n],
      [" 7 ", "7.0000000", 70_000_000n],
      ["922337203685.4775807", "922337203685.4775807", 9_223_372_036_854_775_807n],
    ])("accepts %j as %s", (raw, amount, stroops) => {
      for (const type of REGISTRATION_CONTACT_TYPES) {
        expect(rowsOf(checkValue(type, "amount", raw))[0]).toMatchObject({ amount, stroops });
      }
    });

    it.each([
      ["0", "invalid amount. Amount must be greater than 0"],
      ["0.0000000", "invalid amount. Amount must be greater than 0"],
      ["-1", "invalid amount. Amount must be a positive number, e.g. 12.50"],
      ["abc", "invalid amount. Amount must be a positive number, e.g. 12.50"],
      ["1,000", "invalid amount. Amount must be a positive number, e.g. 12.50"],
      ["1e3", "invalid amount. Amount must be a positive number, e.g. 12.50"],
      ["", "invalid amount. Amount must be a positive number, e.g. 12.50"],
      ["1.12345678", "invalid amount. Use at most 7 decimal places"],
      ["922337203685.4775808", "invalid amount. Amount is too large"],
    ])("refuses %j", (raw, message) => {
      for (const type of REGISTRATION_CONTACT_TYPES) {
        expect(errorsOf(checkValue(type, "amount", raw))).toEqual({ "line 2 - amount": message });
      }
    });
  });

  describe("phone", () => {
    const phoneTypes = ["PHONE_NUMBER", "PHONE_NUMBER_AND_WALLET_ADDRESS"] as const;

    it.each(phoneTypes)("%s: accepts E.164 numbers that libphonenumber knows", (type) => {
      for (const phone of ["+380445555555", "+14155552671", "+447911123456", "+5511987654321"]) {
        expect(rowsOf(checkValue(type, "phone", phone))[0]?.phone).toBe(phone);
      }
      expect(rowsOf(checkValue(type, "phone", "  +14155552671 "))[0]?.phone).toBe("+14155552671");
    });

    it.each(phoneTypes)("%s: refuses anything else", (type) => {
      for (const phone of [
        "380445555555", // no +
        "+1415555267", // E.164 shape (10 digits) but one digit short for the US
        "+123456789", // 9 digits
        "+1234567890123456", // 16 digits
        "+1 415 555 2671", // spaces
        "+1-415-555-2671",
        "+99912345678", // E.164 shape, no such country
        "+10005552671", // the US has no area code 000
        "phone",
      ]) {
        expect(errorsOf(checkValue(type, "phone", phone)), phone).toEqual({ "line 2 - phone": MESSAGES.phoneFormat });
      }
      expect(errorsOf(checkValue(type, "phone", ""))).toEqual({ "line 2 - phone": "phone cannot be empty" });
    });

    it("gives SDP's message", () => {
      expect(MESSAGES.phoneFormat).toBe("invalid phone format. Correct format: +380445555555");
    });
  });

  describe("email", () => {
    const emailTypes = ["EMAIL", "EMAIL_AND_WALLET_ADDRESS"] as const;

    it.each(emailTypes)("%s: accepts addresses, lower-cased", (type) => {
      expect(rowsOf(checkValue(type, "email", " Ana.Maria+pay@Example.ORG "))[0]?.email).toBe("ana.maria+pay@example.org");
      expect(rowsOf(checkValue(type, "email", "o'neil@sub.example.co.uk"))[0]?.email).toBe("o'neil@sub.example.co.uk");
    });

    it.each(emailTypes)("%s: refuses malformed addresses", (type) => {
      for (const email of [
        "ana",
        "ana@",
        "@example.com",
        "ana@example",
        "ana@@example.com",
        "ana example@example.com",
        "ana..b@example.com",
        `${"a".repeat(250)}@example.com`,
      ]) {
        expect(errorsOf(checkValue(type, "email", email)), email).toEqual({ "line 2 - email": "invalid email format" });
      }
      expect(errorsOf(checkValue(type, "email", ""))).toEqual({ "line 2 - email": "email cannot be empty" });
    });
  });

  describe("walletAddress and walletAddressMemo", () => {
    const walletTypes = ["PHONE_NUMBER_AND_WALLET_ADDRESS", "EMAIL_AND_WALLET_ADDRESS"] as const;

    it.each(walletTypes)("%s: accepts a G... account or a C... contract, upper-cased", (type) => {
      expect(rowsOf(checkValue(type, "walletAddress", G.toLowerCase()))[0]?.walletAddress).toBe(G);
      expect(rowsOf(checkValue(type, "walletAddress", ` ${C} `))[0]?.walletAddress).toBe(C);
    });

    it.each(walletTypes)("%s: refuses anything else", (type) => {
      for (const address of ["GABC", G_BAD_CHECKSUM, SECRET, G.slice(1), "not an address"]) {
        expect(errorsOf(checkValue(type, "walletAddress", address)), address).toEqual({ "line 2 - walletAddress": MESSAGES.walletAddress });
      }
      expect(errorsOf(checkValue(type, "walletAddress", ""))).toEqual({ "line 2 - walletAddress": "walletAddress cannot be empty" });
    });

    it.each(walletTypes)("%s: a memo is text of at most 28 bytes or a uint64 id, with a G... address only", (type) => {
      const withMemo = (address: string, memo: string) =>
        validate(lines(`${BASE[type].header.join(",")},walletAddressMemo`, [...BASE[type].row.slice(0, 3), address, quote(memo)].join(",")), { type, field: null });
      expect(rowsOf(withMemo(G, ""))[0]?.walletAddressMemo).toBeNull();
      expect(rowsOf(withMemo(G, " order 42 "))[0]?.walletAddressMemo).toBe("order 42");
      expect(rowsOf(withMemo(G, "m".repeat(28)))[0]?.walletAddressMemo).toBe("m".repeat(28));
      expect(rowsOf(withMemo(G, "é".repeat(14)))[0]?.walletAddressMemo).toBe("é".repeat(14)); // 28 bytes
      expect(rowsOf(withMemo(G, "18446744073709551615"))[0]?.walletAddressMemo).toBe("18446744073709551615");
      expect(errorsOf(withMemo(G, "m".repeat(29)))).toEqual({ "line 2 - walletAddressMemo": MESSAGES.memo });
      expect(errorsOf(withMemo(G, "é".repeat(15)))).toEqual({ "line 2 - walletAddressMemo": MESSAGES.memo }); // 15 characters, 30 bytes
      expect(errorsOf(withMemo(G, "18446744073709551616"))).toEqual({ "line 2 - walletAddressMemo": MESSAGES.memo });
      expect(rowsOf(withMemo(C, ""))[0]?.walletAddressMemo).toBeNull();
      expect(errorsOf(withMemo(C, "42"))).toEqual({ "line 2 - walletAddressMemo": MESSAGES.memoWithContract });
    });
  });

  describe("verification", () => {
    const verificationTypes = ["PHONE_NUMBER", "EMAIL"] as const;
    const check = (type: RegistrationContactType, field: VerificationField, value: string) => checkValue(type, "verification", value, field);

    it.each(verificationTypes)("%s, DATE_OF_BIRTH: YYYY-MM-DD, a real date, not in the future", (type) => {
      for (const good of ["1990-01-30", "2000-02-29", "2025-06-15", "2025-06-16"]) {
        expect(rowsOf(check(type, "DATE_OF_BIRTH", good))[0]?.verification, good).toBe(good);
      }
      for (const bad of ["1990-1-30", "30-01-1990", "1990/01/30", "19900130", "1990-01-30T00:00"]) {
        expect(errorsOf(check(type, "DATE_OF_BIRTH", bad)), bad).toEqual({ "line 2 - verification": MESSAGES.dateOfBirthFormat });
      }
      for (const bad of ["1990-02-30", "2001-02-29", "1900-02-29", "1990-13-01", "1990-00-10", "1990-04-31"]) {
        expect(errorsOf(check(type, "DATE_OF_BIRTH", bad)), bad).toEqual({ "line 2 - verification": `invalid date of birth. ${bad} is not a calendar date` });
      }
      for (const future of ["2025-06-17", "2026-01-01"]) {
        expect(errorsOf(check(type, "DATE_OF_BIRTH", future)), future).toEqual({ "line 2 - verification": MESSAGES.dateOfBirthFuture });
      }
      expect(errorsOf(check(type, "DATE_OF_BIRTH", ""))).toEqual({ "line 2 - verification": "date of birth cannot be empty" });
    });

    it.each(verificationTypes)("%s, YEAR_MONTH: YYYY-MM, not in the future", (type) => {
      for (const good of ["1990-12", "2025-06"]) expect(rowsOf(check(type, "YEAR_MONTH", good))[0]?.verification).toBe(good);
      for (const bad of ["1990-1", "1990-12-01", "12-1990", "199012"]) {
        expect(errorsOf(check(type, "YEAR_MONTH", bad)), bad).toEqual({ "line 2 - verification": MESSAGES.yearMonthFormat });
      }
      expect(errorsOf(check(type, "YEAR_MONTH", "1990-13"))).toEqual({ "line 2 - verification": "invalid year/month. 1990-13 is not a calendar month" });
      expect(errorsOf(check(type, "YEAR_MONTH", "2025-07"))).toEqual({ "line 2 - verification": MESSAGES.yearMonthFuture });
      expect(errorsOf(check(type, "YEAR_MONTH", ""))).toEqual({ "line 2 - verification": "year/month cannot be empty" });
    });

    it.each(verificationTypes)("%s, PIN: 4 to 8 characters", (type) => {
      for (const good of ["1234", "12345678", "ab-1", " 0000 "]) expect(rowsOf(check(type, "PIN", good))[0]?.verification).toBe(good.trim());
      for (const bad of ["123", "123456789"]) expect(errorsOf(check(type, "PIN", bad)), bad).toEqual({ "line 2 - verification": MESSAGES.pin });
      expect(errorsOf(check(type, "PIN", ""))).toEqual({ "line 2 - verification": "pin cannot be empty" });
    });

    it.each(verificationTypes)("%s, NATIONAL_ID_NUMBER: 1 to 50 characters", (type) => {
      for (const good of ["A", "X".repeat(50), "ÉÈ-123"]) expect(rowsOf(check(type, "NATIONAL_ID_NUMBER", good))[0]?.verification).toBe(good);
      expect(errorsOf(check(type, "NATIONAL_ID_NUMBER", "X".repeat(51)))).toEqual({ "line 2 - verification": MESSAGES.nationalId });
      expect(errorsOf(check(type, "NATIONAL_ID_NUMBER", ""))).toEqual({ "line 2 - verification": "national id cannot be empty" });
    });

    it("a PHONE_NUMBER or EMAIL disbursement without a verification field is a programming error", () => {
      expect(() => validate(lines("phone,id,amount,verification", "+380445555555,a,1,1990-01-01"), { field: null })).toThrow(/verification field/);
    });

    it("the *_AND_WALLET_ADDRESS types have no verification", () => {
      const [r] = rowsOf(validate(lines("phone,id,amount,walletAddress", `+380445555555,a,1,${G}`), { type: "PHONE_NUMBER_AND_WALLET_ADDRESS", field: "DATE_OF_BIRTH" }));
      expect(r?.verification).toBeNull();
    });
  });

  it("lists every problem of a row, keyed by line and column", () => {
    const errors = errorsOf(validate(lines("phone,id,amount,verification,paymentID", `0445555555,,-5,1990-13-45,${"p".repeat(65)}`)));
    expect(errors).toEqual({
      "line 2 - phone": MESSAGES.phoneFormat,
      "line 2 - id": "id cannot be empty",
      "line 2 - amount": "invalid amount. Amount must be a positive number, e.g. 12.50",
      "line 2 - verification": "invalid date of birth. 1990-13-45 is not a calendar date",
      "line 2 - paymentID": "paymentID cannot be longer than 64 characters",
    });
  });

  it("numbers lines as data row index + 2", () => {
    const file = lines("phone,id,amount,verification", "+380445555555,a,1,1990-01-01", "+380445555556,b,1,1990-01-01", "+380445555557,c,0,1990-01-01");
    expect(errorsOf(validate(file))).toEqual({ "line 4 - amount": "invalid amount. Amount must be greater than 0" });
  });

  it("returns normalized rows", () => {
    const rows = rowsOf(
      validate(lines("email,id,amount,walletAddress,walletAddressMemo,paymentID", ` Ana@Example.com , r-1 , 12.5 ,${G.toLowerCase()}, 42 ,`), {
        type: "EMAIL_AND_WALLET_ADDRESS",
        field: null,
      }),
    );
    expect(rows).toEqual([
      {
        line: 2,
        phone: null,
        email: "ana@example.com",
        externalId: "r-1",
        stroops: 125_000_000n,
        amount: "12.5000000",
        verification: null,
        paymentId: null,
        walletAddress: G,
        walletAddressMemo: "42",
        bank: null,
        region: null,
      },
    ]);
  });
});

describe("duplicates within the file", () => {
  it("a repeated phone names the line it was first on", () => {
    const file = lines(
      "phone,id,amount,verification",
      "+380445555555,a,1,1990-01-01",
      "+14155552671,b,1,1990-01-01",
      "+380445555555,c,1,1990-01-01",
      "+380445555555,d,1,1990-01-01",
    );
    expect(errorsOf(validate(file))).toEqual({
      "line 4 - phone": "duplicate phone; also on line 2",
      "line 5 - phone": "duplicate phone; also on line 2",
    });
  });

  it("a repeated email is found whatever its case", () => {
    const file = lines("email,id,amount,verification", "Ana@Example.com,a,1,1990-01-01", "x@example.com,b,1,1990-01-01", "ana@example.COM,c,1,1990-01-01");
    expect(errorsOf(validate(file, { type: "EMAIL" }))).toEqual({ "line 4 - email": "duplicate email; also on line 2" });
  });

  it("a wallet address given for two receivers names both lines", () => {
    const file = lines("phone,id,amount,walletAddress", `+380445555555,a,1,${G}`, `+14155552671,b,1,${G2}`, `+447911123456,c,1,${G.toLowerCase()}`);
    expect(errorsOf(validate(file, { type: "PHONE_NUMBER_AND_WALLET_ADDRESS", field: null }))).toEqual({
      "line 4 - walletAddress": "duplicate walletAddress; also on line 2",
    });
  });
});

describe("file format", () => {
  const header = "phone,id,amount,verification";
  const row = "+380445555555,r-1,10,1990-01-30";

  it("skips a UTF-8 byte order mark", () => {
    const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines(header, row))]);
    expect(rowsOf(validate(file))[0]?.phone).toBe("+380445555555");
  });

  it("reads CRLF, LF, CR and mixed line ends alike", () => {
    expect(rowsOf(validate(`${header}\r\n${row}\r\n+14155552671,r-2,5,1990-01-30\r\n`)).map((r) => r.line)).toEqual([2, 3]);
    expect(rowsOf(validate(`${header}\n${row}`))).toHaveLength(1);
    expect(rowsOf(validate(`${header}\r${row}\r+14155552671,r-2,5,1990-01-30\r`)).map((r) => r.line)).toEqual([2, 3]);
    expect(rowsOf(validate(`${header}\r\n${row}\n+14155552671,r-2,5,1990-01-30\r\n`)).map((r) => r.line)).toEqual([2, 3]);
  });

  it("reads quoted values with commas, quotes and line breaks", () => {
    const file = `${header},paymentID\r\n"+380445555555","Doe, Jane","1,5"\r\n`;
    expect(errorsOf(validate(file))).toEqual({ "line 2 - row": "the row has 3 values but the header has 5 columns" });
    const ok = `${header},paymentID\r\n"+380445555555","Doe, ""J"" Jane","10","1990-01-30","multi\r\nline"\r\n+14155552671,b,1,1990-01-30,\r\n`;
    const rows = rowsOf(validate(ok));
    expect(rows.map((r) => [r.line, r.externalId, r.paymentId])).toEqual([
      [2, 'Doe, "J" Jane', "multi\nline"],
      // Line 2's quoted value spans two lines: the next row starts on the file's line 4.
      [4, "b", null],
    ]);
  });

  it("ignores trailing blank lines (and lines of empty values), and blank lines between rows", () => {
    expect(rowsOf(validate(`${header}\n${row}\n\n\n   \n,,,\n\r\n`))).toHaveLength(1);
    const rows = rowsOf(validate(`${header}\n${row}\n\n+14155552671,b,1,1990-01-30\n`));
    // A blank line still counts, so line numbers match the file (and the spreadsheet).
    expect(rows.map((r) => r.line)).toEqual([2, 4]);
  });

  it("refuses a row with an unterminated quote", () => {
    expect(errorsOf(validate(`${header}\n${row}\n+14155552671,"b,1,1990-01-30\n`))).toEqual({ "line 3 - row": 'a quoted value is not closed (missing ")' });
  });

  it("refuses rows with too many or too few values (extra empty values at the end are fine)", () => {
    expect(errorsOf(validate(lines(header, `${row},extra`, "+14155552671,b,1")))).toEqual({
      "line 2 - row": "the row has 5 values but the header has 4 columns",
      "line 3 - row": "the row has 3 values but the header has 4 columns",
    });
    expect(rowsOf(validate(lines(header, `${row},,`, "+14155552671,b,1,1990-01-01, ")))).toHaveLength(2);
  });
});

describe("whole-file errors", () => {
  it.each([
    ["0 bytes", Buffer.alloc(0)],
    ["only white space", Buffer.from(" \r\n\n \t\n")],
    ["only a byte order mark", Buffer.from([0xef, 0xbb, 0xbf])],
  ])("an empty file (%s)", (_, content) => {
    expect(validate(content)).toEqual({ ok: false, errors: { file: "the file is empty" }, totalErrors: 1 });
  });

  it("a header without rows", () => {
    const expected = { ok: false, errors: { file: "the file has no rows: add at least one payment below the header line" }, totalErrors: 1 };
    expect(validate("phone,id,amount,verification")).toEqual(expected);
    expect(validate("phone,id,amount,verification\r\n\r\n,,,\n")).toEqual(expected);
  });

  it('a file that is not UTF-8 (a byte that is not UTF-8 is named by line and field, see "bytes that are not text")', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("phone,id,amount,verification\n", "utf16le")]);
    expect(errorsOf(validate(utf16)).file).toMatch(/^the file is UTF-16 text, not UTF-8/);
  });

  it("a binary file", () => {
    const binary = Buffer.concat([Buffer.from("phone,id,amount,verification\n"), Buffer.alloc(64, 0), Buffer.from([1, 2, 3])]);
    expect(errorsOf(validate(binary))).toEqual({ file: "the file is not a CSV file: it contains binary data" });
    const utf16WithoutBom = Buffer.from("phone,id,amount,verification\n+380445555555,a,1,1990-01-01\n", "utf16le");
    expect(errorsOf(validate(utf16WithoutBom))).toEqual({ file: "the file is not a CSV file: it contains binary data" });
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from("[Content_Types].xml")]);
    expect(errorsOf(validate(xlsx)).file).toMatch(/looks like an Excel or zip file/);
    expect(errorsOf(validate(Buffer.from("%PDF-1.7\n..."))).file).toMatch(/looks like a PDF/);
  });

  it("a text file whose first line names none of the columns", () => {
    expect(errorsOf(validate(lines("+380445555555,r-1,10,1990-01-30", "+14155552671,r-2,5,1990-01-30"))).file).toBe(
      "the file is not a disbursement instructions CSV: the first line must name the columns (phone, id, amount, verification).",
    );
    expect(errorsOf(validate("hello world\nthis is a letter\n")).file).toMatch(/not a disbursement instructions CSV/);
    expect(errorsOf(validate(lines("phone;id;amount;verification", "+380445555555;r-1;10;1990-01-30"))).file).toMatch(/separated by commas/);
  });

  it("too many rows (configurable)", () => {
    const file = lines("phone,id,amount,verification", "+380445555555,a,1,1990-01-01", "+14155552671,b,1,1990-01-01", "+447911123456,c,1,1990-01-01");
    expect(rowsOf(validate(file, { limits: { maxRows: 3 } }))).toHaveLength(3);
    expect(validate(file, { limits: { maxRows: 2 } })).toEqual({
      ok: false,
      errors: { file: "the file has 3 rows. The limit is 2 rows; split it into several disbursements" },
      totalErrors: 1,
    });
  });

  it("too many bytes (configurable)", () => {
    const file = Buffer.from(lines("phone,id,amount,verification", "+380445555555,a,1,1990-01-01"));
    expect(rowsOf(validate(file, { limits: { maxBytes: file.length } }))).toHaveLength(1);
    expect(errorsOf(validate(file, { limits: { maxBytes: file.length - 1 } })).file).toBe(
      `the file is too large: ${file.length} bytes. The limit is ${file.length - 1} bytes; split it into several disbursements`,
    );
    expect(errorsOf(validate(Buffer.alloc(21 * 1024 * 1024, 0x41))).file).toBe("the file is too large: 21 MB. The limit is 20 MB; split it into several disbursements");
  });

  it("limits come from CSV_MAX_ROWS, CSV_MAX_BYTES and CSV_MAX_ERRORS, with defaults", () => {
    expect(DEFAULT_CSV_LIMITS).toEqual({ maxRows: 100_000, maxBytes: 20 * 1024 * 1024, maxErrors: 100 });
    expect(csvLimitsFromEnv({})).toEqual(DEFAULT_CSV_LIMITS);
    expect(csvLimitsFromEnv({ CSV_MAX_ROWS: "10000", CSV_MAX_BYTES: "5000000", CSV_MAX_ERRORS: "20" })).toEqual({ maxRows: 10_000, maxBytes: 5_000_000, maxErrors: 20 });
    // A wrong value is refused (server/config/schema.ts), naming each variable, instead of falling back.
    for (const [name, value] of [
      ["CSV_MAX_ROWS", "lots"],
      ["CSV_MAX_BYTES", "-1"],
      ["CSV_MAX_ERRORS", "0"],
    ]) {
      expect(() => csvLimitsFromEnv({ [name!]: value })).toThrow(`${name} must be a positive whole number`);
    }
  });
});

describe("physical line numbers (a quoted value may span lines)", () => {
  const header = "phone,id,amount,verification,paymentID";

  it("an error after a multi-line quoted value names the file's line, LF or CRLF", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const file = [
        header, // line 1
        '+380445555555,a,1,1990-01-01,"first', // line 2: the value spans lines 2-4
        "second",
        'third"',
        "+14155552671,b,1,1990-01-01,", // line 5
        "+447911123456,c,abc,1990-01-01,", // line 6: bad amount
      ].join(eol);
      expect(errorsOf(validate(file + eol))).toEqual({ "line 6 - amount": "invalid amount. Amount must be a positive number, e.g. 12.50" });
    }
  });

  it("a row spanning lines is reported on the line where it starts; duplicates name physical lines", () => {
    const file = lines(header, '+380445555555,a,1,1990-01-01,"x\ny"', "", '+380445555555,"b\nc",0,1990-01-01,');
    expect(errorsOf(validate(file))).toEqual({
      "line 5 - phone": "duplicate phone; also on line 2",
      "line 5 - amount": "invalid amount. Amount must be greater than 0",
    });
    expect(rowsOf(validate(lines(header, '"+380445555555","a\n\n",1,1990-01-01,', "+14155552671,b,1,1990-01-01,"))).map((r) => r.line)).toEqual([2, 5]);
  });

  it("the header's line counts blank lines before it", () => {
    expect(errorsOf(validate(lines("", "", "phone,id,amount,verification,nickname", "+380445555555,a,1,1990-01-01,x")))).toEqual({
      "line 3 - nickname": `unknown column. Known columns: ${CSV_COLUMNS.join(", ")}`,
    });
  });

  it("an unterminated quote is reported on the line where it opens", () => {
    expect(errorsOf(validate(lines(header, '+380445555555,"a\nb",1,1990-01-01,', '+14155552671,"b,1,1990-01-01,', "more")))).toEqual({
      "line 4 - row": 'a quoted value is not closed (missing ")',
    });
  });
});

describe("bytes that are not text", () => {
  const header = "phone,id,amount,verification,paymentID";
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

  it("a NUL byte names its line and field; the other rows are still checked", () => {
    const file = bytes(`${header}\n+380445555555,a,1,1990-01-01,\n+14155552671,b`, [0], `,1,1990-01-01,\n+447911123456,c,0,1990-01-01,\n`);
    expect(validate(file)).toEqual({
      ok: false,
      errors: { "line 3 - id": MESSAGES.nul, "line 4 - amount": "invalid amount. Amount must be greater than 0" },
      totalErrors: 2,
    });
  });

  it("an invalid UTF-8 sequence names its line and field, after a multi-line value too", () => {
    // Windows-1252 "José" (0xE9), a lone continuation byte, a truncated 3-byte sequence, a surrogate encoded in UTF-8.
    const file = bytes(
      `${header}\n+380445555555,"multi\nline",1,1990-01-01,Jos`,
      [0xe9],
      `\n+14155552671,b,1,1990-01-01,`,
      [0x80],
      `\n+447911123456,c,1,1990-01-01,ok,`,
      [0xe2, 0x82],
      `\n+380445555556,d`,
      [0xed, 0xa0, 0x80],
      `,1,1990-01-01,\n`,
    );
    expect(errorsOf(validate(file))).toEqual({
      "line 2 - paymentID": MESSAGES.invalidUtf8,
      "line 4 - paymentID": MESSAGES.invalidUtf8,
      "line 5 - column 6": MESSAGES.invalidUtf8,
      "line 6 - id": MESSAGES.invalidUtf8,
    });
  });

  it("valid multi-byte text around a bad byte is kept (emoji, accents, a byte order mark)", () => {
    const file = bytes([0xef, 0xbb, 0xbf], `${header}\n+380445555555,José 😀,1,1990-01-01,`, [0xff], `😀\n`);
    expect(errorsOf(validate(file))).toEqual({ "line 2 - paymentID": MESSAGES.invalidUtf8 });
    expect(rowsOf(validate(bytes([0xef, 0xbb, 0xbf], `${header}\n+380445555555,José 😀 \u{10000},1,1990-01-01,\n`)))[0]?.externalId).toBe("José 😀 \u{10000}");
  });

  it("a bad byte in the header names the column", () => {
    expect(errorsOf(validate(bytes("phone,i", [0], "d,amount,verification\n+380445555555,a,1,1990-01-01\n")))).toEqual({ "line 1 - column 2": MESSAGES.nul });
    expect(errorsOf(validate(bytes("phone,id,amount,verification,p", [0xc0, 0xaf], "\n+380445555555,a,1,1990-01-01,x\n")))).toEqual({
      "line 1 - column 5": MESSAGES.invalidUtf8,
    });
  });
});

describe("values echoed in errors", () => {
  it("a 1 MB unknown column name is cut to 64 characters and appears once", () => {
    const name = "x".repeat(1024 * 1024);
    const result = validate(lines(`phone,id,amount,verification,${name}`, "+380445555555,a,1,1990-01-01,y"));
    const body = JSON.stringify(errorsOf(result));
    const cut = `${"x".repeat(64)}…`;
    expect(errorsOf(result)).toEqual({ [`line 1 - ${cut}`]: `unknown column. Known columns: ${CSV_COLUMNS.join(", ")}` });
    expect(body.split("x".repeat(64))).toHaveLength(2);
    expect(body.length).toBeLessThan(300);
  });

  it("two long names alike are told apart by column number; short names are kept whole", () => {
    const a = `${"y".repeat(70)}a`;
    const b = `${"y".repeat(70)}b`;
    const errors = errorsOf(validate(lines(`phone,id,amount,verification,${a},${b},nick`, "+380445555555,a,1,1990-01-01,,,")));
    expect(new Set(Object.keys(errors))).toEqual(new Set([`line 1 - ${"y".repeat(64)}…`, "line 1 - column 6", "line 1 - nick"]));
  });
});

describe("files served back neutralized (csv-safety.ts) upload as they were", () => {
  it("a ' before a formula-like value is removed; other values keep theirs", () => {
    const [row] = rowsOf(validate(lines("phone,id,amount,verification,paymentID", "'+380445555555,'-r1,1,1990-01-01,'plain")));
    expect(row).toMatchObject({ phone: "+380445555555", externalId: "-r1", paymentId: "'plain" });
  });
});

describe("error cap", () => {
  const bad = (n: number) => lines("phone,id,amount,verification", ...Array.from({ length: n }, (_, i) => `+3804455${String(10000 + i)},r-${i},0,1990-01-01`));

  it("returns at most 100 errors (the first ones) and counts them all", () => {
    const result = validate(bad(150));
    if (result.ok) throw new Error("expected errors");
    expect(Object.keys(result.errors)).toHaveLength(100);
    expect(result.errors["line 2 - amount"]).toBeDefined();
    expect(result.errors["line 101 - amount"]).toBeDefined();
    expect(result.errors["line 102 - amount"]).toBeUndefined();
    expect(result.totalErrors).toBe(150);
  });

  it("the cap is configurable", () => {
    const result = validate(bad(12), { limits: { maxErrors: 5 } });
    expect(result.ok ? 0 : Object.keys(result.errors)).toHaveLength(5);
    expect(result.ok ? 0 : result.totalErrors).toBe(12);
  });

  it("an error on any row refuses the whole file: first, middle or last", () => {
    const good = (i: number) => `+3804455${String(10000 + i)},r-${i},1,1990-01-01`;
    for (const at of [0, 50, 99]) {
      const rows = Array.from({ length: 100 }, (_, i) => (i === at ? `+3804455${String(10000 + i)},r-${i},abc,1990-01-01` : good(i)));
      expect(validate(lines("phone,id,amount,verification", ...rows))).toEqual({
        ok: false,
        errors: { [`line ${at + 2} - amount`]: "invalid amount. Amount must be a positive number, e.g. 12.50" },
        totalErrors: 1,
      });
    }
  });
});

describe("speed", () => {
  // Speed lives in `npm run bench:csv`; here the full-size file must validate completely and keep
  // every row's physical line number.
  it("validates a 100,000-row file and numbers every row by its line", () => {
    const body = Array.from(
      { length: 100_000 },
      (_, i) => `+1415${String(2_000_000 + i).padStart(7, "0")},r-${i},${(i % 997) + 1}.25,1990-01-${String((i % 28) + 1).padStart(2, "0")},p-${i}`,
    );
    const file = Buffer.from(lines("phone,id,amount,verification,paymentID", ...body));
    const result = validate(file);
    expect(result.ok && result.rows.length).toBe(100_000);
    if (result.ok) {
      expect(result.rows[0]!.line).toBe(2);
      expect(result.rows[99_999]!.line).toBe(100_001);
      expect(result.rows[99_999]!.externalId).toBe("r-99999");
    }
  }, 180_000);
});
