import Link from "next/link";
import { MobileNav } from "@/components/shell/mobile-nav";
import { NAV_ITEMS } from "@/components/shell/nav-items";
import { SidebarNav } from "@/components/shell/sidebar-nav";
import { UserMenu } from "@/components/shell/user-menu";
import { StellarLinksProvider } from "@/components/stellar/links";
import { getDb } from "@/db/client";
import { requireMembership } from "@/server/auth/session";
import { can } from "@/server/domain/permissions";
import { ROLE_LABELS } from "@/server/domain/roles";
import { listUserOrganizations } from "@/server/services/auth/resolve-membership";
import { countPendingInvitations } from "@/server/services/team/account-invitations";
import { stellarLinks, type StellarLinks } from "@/server/stellar/explorer";
import { stellarConfig } from "@/server/stellar/network";

/** Where transaction links point (the local ledger or stellar.expert); none if the configuration is invalid. */
function linksForBrowser(): StellarLinks | null {
  try {
    const config = stellarConfig();
    return stellarLinks(config.network, config.horizonUrl);
  } catch {
    return null;
  }
}

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const { user, org, role } = await requireMembership();
  // Side by side: every signed-in page waits for the shell (docs/performance.md, "Pages").
  const [organizations, pendingInvitations] = await Promise.all([listUserOrganizations(getDb(), user.id), countPendingInvitations({ db: getDb(), userId: user.id })]);
  const items = NAV_ITEMS.filter((item) => can(role, item.permission)).map(({ href, label, icon }) => ({ href, label, icon }));

  const brand = (
    <Link href="/" className="flex items-center gap-2 rounded-md px-1 py-1 font-semibold">
      {org.logoUrl ? (
        // eslint-disable-next-line @next/next/no-img-element
        <img src={org.logoUrl} alt="" className="size-8 rounded object-contain" />
      ) : (
        <span aria-hidden className="flex size-8 items-center justify-center rounded bg-primary text-sm text-primary-foreground">
          {org.name.slice(0, 1).toUpperCase()}
        </span>
      )}
      <span className="truncate" data-testid="org-name">
        {org.name}
      </span>
    </Link>
  );

  return (
    <div className="min-h-dvh md:grid md:grid-cols-[16rem_1fr]">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-card focus:px-3 focus:py-2">
        Skip to content
      </a>
      <aside className="hidden border-r border-border bg-card md:flex md:flex-col md:gap-6 md:p-4">
        {brand}
        <SidebarNav items={items} />
      </aside>
      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-border bg-card/95 px-4 backdrop-blur">
          <MobileNav items={items} orgName={org.name} />
          <div className="md:hidden">{brand}</div>
          <div className="ml-auto">
            <UserMenu user={{ name: user.name, email: user.email }} roleLabel={ROLE_LABELS[role]} currentOrgId={org.id} organizations={organizations} />
          </div>
        </header>
        {pendingInvitations > 0 && (
          <div role="status" className="border-b border-border bg-accent px-4 py-2 text-sm" data-testid="invitations-notice">
            {pendingInvitations === 1 ? "An organization invited you to join it." : `${pendingInvitations} organizations invited you to join them.`}{" "}
            <Link href="/invitations" className="font-medium text-primary underline-offset-4 hover:underline">
              Review invitations
            </Link>
          </div>
        )}
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 p-4 md:p-8">
          <StellarLinksProvider value={linksForBrowser()}>{children}</StellarLinksProvider>
        </main>
      </div>
    </div>
  );
}
