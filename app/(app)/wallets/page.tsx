import { ComingSoon } from "@/components/shell/coming-soon";
import { Forbidden } from "@/components/shell/forbidden";
import { pageAccess } from "@/server/auth/page-guard";

export const metadata = { title: "Wallets & assets" };

export default async function Page() {
  const access = await pageAccess("organization:read");
  if (!access.allowed) return <Forbidden what="Wallets & assets" roleLabel={access.roleLabel} />;
  return <ComingSoon title="Wallets & assets" description="Wallets receivers can register with, and the assets you pay in." />;
}
