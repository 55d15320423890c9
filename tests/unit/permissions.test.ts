import { describe, expect, it } from "vitest";
import { ALL_PERMISSIONS, can, PERMISSIONS, permissionsOf, type Permission } from "@/server/domain/permissions";
import { ROLES, type Role } from "@/server/domain/roles";

/**
 * The permission table of docs/domain.md#roles-and-permissions, transcribed row by row (columns in
 * the table's order). Each row names the
 * permission that guards the action.
 */
const COLUMNS: Role[] = ["owner", "financial_controller", "developer", "business", "initiator", "approver"];
const MATRIX = `
| manage users                                              | users:manage        | ✓ |   |   |   |   |   |
| API keys                                                  | api_keys:manage     | ✓ |   | ✓ |   |   |   |
| read statistics, wallets, assets, organization, balances | organization:read   | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
| read disbursements, payments, receivers                   | disbursements:read  | ✓ | ✓ |   | ✓ | ✓ | ✓ |
| create disbursement, upload CSV, delete draft             | disbursements:write | ✓ | ✓ |   |   | ✓ |   |
| start / pause / resume                                    | disbursements:start | ✓ | ✓ |   |   |   | ✓ |
| retry failed payments, direct payment                     | payments:retry      | ✓ | ✓ |   | ✓ |   |   |
| cancel payment                                            | payments:cancel     | ✓ | ✓ |   |   |   |   |
| edit receivers                                            | receivers:write     | ✓ | ✓ |   |   | ✓ | ✓ |
| receivers' one-time codes and registration links          | receivers:secrets   | ✓ | ✓ |   |   |   |   |
| write assets                                              | assets:write        | ✓ | ✓ | ✓ |   |   |   |
| write wallets                                             | wallets:write       | ✓ |   | ✓ |   |   |   |
| edit organization                                         | organization:write  | ✓ | ✓ |   |   |   |   |
| exports                                                   | exports:read        | ✓ | ✓ |   |   | ✓ | ✓ |
| integrations (G2P senders, message log)                   | integrations:manage | ✓ |   | ✓ |   |   |   |
| read payment connections and routing rules               | connections:read    | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
| manage payment connections                                | connections:manage  | ✓ | ✓ |   |   |   |   |
| manage routing rules                                      | routing:manage      | ✓ | ✓ |   |   |   |   |
| read bank files and reconciliation                        | bank_files:read     | ✓ | ✓ |   | ✓ | ✓ | ✓ |
| import bank files                                         | bank_files:import   | ✓ | ✓ |   |   |   |   |
`;

const ROWS = MATRIX.trim()
  .split("\n")
  .map((line) => {
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    const [action = "", permission = "", ...marks] = cells;
    expect(marks).toHaveLength(COLUMNS.length);
    const allowed = COLUMNS.filter((_, i) => marks[i] === "✓");
    return { action, permission: permission as Permission, allowed };
  });

describe("permission matrix (docs/domain.md#roles-and-permissions)", () => {
  it("the table's roles are exactly ROLES, in order", () => {
    expect(COLUMNS).toEqual([...ROLES]);
  });

  it("has exactly one permission per row of the table, and no others", () => {
    expect(ROWS).toHaveLength(20);
    expect([...ALL_PERMISSIONS].sort()).toEqual(ROWS.map((r) => r.permission).sort());
    expect(Object.keys(PERMISSIONS)).toEqual(ALL_PERMISSIONS);
  });

  describe.each(ROWS)("$action ($permission)", ({ permission, allowed }) => {
    it.each(COLUMNS)(`%s`, (role) => {
      expect(can(role, permission)).toBe(allowed.includes(role));
    });

    it("lists exactly the table's roles", () => {
      expect([...PERMISSIONS[permission]].sort()).toEqual([...allowed].sort());
    });
  });

  it("refuses everything without a role", () => {
    for (const permission of ALL_PERMISSIONS) {
      expect(can(null, permission)).toBe(false);
      expect(can(undefined, permission)).toBe(false);
      // A value that is not a role (e.g. a stale or tampered one) is refused too.
      expect(can("superuser" as Role, permission)).toBe(false);
    }
  });

  it.each(COLUMNS)("permissionsOf(%s) is that role's column of the table", (role) => {
    const expected = ROWS.filter((r) => r.allowed.includes(role)).map((r) => r.permission);
    expect([...permissionsOf(role)].sort()).toEqual([...expected].sort());
    // In the table's order, without duplicates.
    expect(permissionsOf(role)).toEqual(ALL_PERMISSIONS.filter((p) => expected.includes(p)));
  });

  it("only the owner manages users; every role reads the organization", () => {
    expect(ROLES.filter((r) => can(r, "users:manage"))).toEqual(["owner"]);
    expect(ROLES.every((r) => can(r, "organization:read"))).toBe(true);
    expect(permissionsOf("owner")).toEqual(ALL_PERMISSIONS);
    expect(permissionsOf("developer")).toEqual(["api_keys:manage", "organization:read", "assets:write", "wallets:write", "integrations:manage", "connections:read"]);
  });
});
