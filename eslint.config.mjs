// Lint: typescript-eslint (recommended, syntax only: fast), React hooks, Next.js, and the layer
// boundaries of docs/architecture.md#layers as import restrictions per folder. `npm run lint`;
// `npm test` runs it before the suites (scripts/test.ts).
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const LAYERS = "docs/architecture.md#layers";

/** One `@typescript-eslint/no-restricted-imports` pattern group; type-only imports stay allowed. */
const forbid = (group, why) => ({ group, message: `${why} (${LAYERS}).`, allowTypeImports: true });

const DB = forbid(["@/db", "@/db/*", "drizzle-orm", "drizzle-orm/*", "postgres"], "This layer does not touch the database; call a service verb");
const SERVICES = forbid(["@/server/services", "@/server/services/*"], "This layer does not import service verbs");

/** The same restriction for relative paths (`../../db/client`), which the `@/` groups do not see. */
const relative = (folders, why) => ({ regex: `^(\\.\\./)+(${folders.join("|")})(/|$)`, message: `${why} (${LAYERS}).`, allowTypeImports: true });

/** Restrictions by folder. ESLint replaces (does not merge) a rule's options per matching block, so nested folders repeat their parent's groups. */
const restrict = (files, patterns) => ({ files, rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns }] } });

const DOMAIN = [
  DB,
  SERVICES,
  forbid(["@/server/stellar", "@/server/stellar/*", "@stellar/*", "@stellar/**"], "server/domain is pure: no Stellar SDK (no @stellar/* package) or ledger client"),
  // A rail's protocol stays in its folder; only the rail's pure address check is shared (docs/rails.md "Destinations").
  {
    regex: "^@/server/rails(/(?!stellar/stellar-address$)|$)",
    message: `server/domain knows no rail: only server/rails/stellar/stellar-address (pure) may be imported (${LAYERS}).`,
    allowTypeImports: true,
  },
  forbid(["node:net", "node:http", "node:https", "node:dns", "net", "http", "https", "dns", "@/server/net", "@/server/net/*"], "server/domain does no network I/O"),
  forbid(["next", "next/*", "next-auth", "next-auth/*"], "server/domain does not depend on the web framework"),
  forbid(["@/server/config", "@/server/config/*"], "server/domain reads no configuration; the service passes the values in"),
  forbid(["otpauth"], "server/domain uses only small pure libraries (zod, libphonenumber-js, papaparse)"),
  relative(["db", "services", "stellar", "net", "config", "rails"], "server/domain is pure: no database, services, ledger, network, configuration or rail"),
];
const SERVICE_LAYER = [
  forbid(["@/app", "@/app/*"], "Services import nothing from app/"),
  forbid(["@/components", "@/components/*"], "Services import nothing from components/"),
  forbid(
    ["@/server/rest", "@/server/rest/*", "@/server/trpc", "@/server/trpc/*", "@/server/adapters", "@/server/adapters/*"],
    "Services import no HTTP adapter (REST, tRPC, G2P, SEP)",
  ),
  relative(["app", "components", "rest", "trpc", "adapters"], "Services import nothing from app/, components/ or the HTTP adapters"),
];
const COMPONENTS = [
  DB,
  {
    regex: "^@/server/services(/|$)",
    message: `The browser imports no service; share input schemas through server/schemas/*.schema.ts (${LAYERS}).`,
    allowTypeImports: true,
  },
];
/** Input schemas the browser reads: no server imports at all. */
const SCHEMAS = [
  DB,
  forbid(
    ["@/server/*", "!@/server/domain", "!@/server/schemas", "!@/server/rails"],
    "server/schemas/* files are read by the browser: import only zod, server/domain and other schema files",
  ),
  {
    regex: "^@/server/rails(/(?!stellar/stellar-address$)|$)",
    message: `server/schemas/* files are read by the browser: of the rails only server/rails/stellar/stellar-address (pure) (${LAYERS}).`,
    allowTypeImports: true,
  },
];
const TRPC = [forbid(["@/components", "@/components/*"], "Routers import nothing from components/")];
const ENGINE = [
  forbid(["@/server/services", "@/server/services/*"], "The payment engine does not import services; it receives what it needs through a port"),
  relative(["services"], "The payment engine does not import services"),
];

/** The payment-status writer and totals: below the services and every rail, so both can use them. */
const PAYMENT_STATE = [
  forbid(["@/server/services", "@/server/services/*"], "server/payments sits below the services; it imports none"),
  forbid(["@/server/stellar", "@/server/stellar/*", "@stellar/stellar-sdk", "@stellar/stellar-sdk/*"], "server/payments is rail-neutral: no ledger client or SDK"),
  relative(["services", "stellar"], "server/payments imports no services and no rail"),
];

/** The example bank is the other side of the bank rail: it shares no code with the platform, so its files cross-check the platform's (docs/example-bank.md). */
const EXAMPLE_BANK = [
  { regex: "^@/", message: "The example bank imports nothing from the platform (docs/example-bank.md).", allowTypeImports: false },
  {
    regex: "^(\\.\\./)+(server|app|components|db|lib|scripts|types|tests)(/|$)",
    message: "The example bank imports nothing from the platform (docs/example-bank.md).",
    allowTypeImports: false,
  },
];

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      ".next-*/**",
      ".data/**",
      ".test-data/**",
      "test-results/**",
      "playwright-report/**",
      "coverage/**",
      "db/migrations/**",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // The sanitizers match control characters on purpose (staff snippets, TOML values, callback paths).
      "no-control-regex": "off",
    },
  },
  {
    // Tests reach into loosely typed wire payloads (G2P envelopes, mocks); `any` is fine there.
    files: ["tests/**", "e2e/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  restrict(["server/domain/**"], DOMAIN),
  restrict(["server/services/**"], SERVICE_LAYER),
  restrict(["components/**"], COMPONENTS),
  restrict(["server/trpc/**"], TRPC),
  restrict(["server/schemas/**"], SCHEMAS),
  restrict(["server/rails/stellar/engine/**"], ENGINE),
  restrict(["server/payments/**"], PAYMENT_STATE),
  restrict(["example-bank/**"], EXAMPLE_BANK),
);
