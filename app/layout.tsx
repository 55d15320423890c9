import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import { TRPCReactProvider } from "@/components/trpc/client";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Disbursements", template: "%s · Disbursements" },
  description: "Pay many people at once over Stellar: social grants, cash aid and payroll.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request: Next.js can only put the CSP nonce proxy.ts made on the script
  // tags of a page rendered for that request (a prerendered page's scripts would be blocked).
  await connection();
  return (
    <html lang="en">
      <body className="min-h-dvh bg-background text-foreground antialiased">
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
