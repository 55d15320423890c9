import { ComingSoon } from "@/components/shell/coming-soon";
import { Forbidden } from "@/components/shell/forbidden";
import { pageAccess } from "@/server/auth/page-guard";

export const metadata = { title: "API keys" };

export default async function Page() {
  const access = await pageAccess("api_keys:manage");
  if (!access.allowed) return <Forbidden what="API keys" roleLabel={access.roleLabel} />;
  return <ComingSoon title="API keys" description="Keys that let other systems call the REST API." />;
}
