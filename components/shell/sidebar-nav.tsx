"use client";

import { Banknote, FileCheck2, Cable, Split, Home, Inbox, KeyRound, Landmark, Network, Send, Settings, Users, UsersRound, Wallet, type LucideIcon } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/utils";
import type { NavIcon, NavItem } from "./nav-items";

const ICONS: Record<NavIcon, LucideIcon> = {
  home: Home,
  disbursements: Send,
  receivers: UsersRound,
  payments: Banknote,
  wallets: Wallet,
  distribution: Landmark,
  team: Users,
  keys: KeyRound,
  settings: Settings,
  outbox: Inbox,
  integrations: Network,
  reconciliation: FileCheck2,
  connections: Cable,
  routing: Split,
};

export function SidebarNav({ items, onNavigate }: { items: Pick<NavItem, "href" | "label" | "icon">[]; onNavigate?: () => void }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main">
      <ul className="space-y-0.5">
        {items.map((item) => {
          const Icon = ICONS[item.icon];
          const active = item.href === "/" ? pathname === "/" : pathname === item.href || pathname.startsWith(`${item.href}/`);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                onClick={onNavigate}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-muted-foreground transition-colors hover:bg-muted hover:text-foreground",
                  active && "bg-accent text-accent-foreground",
                )}
              >
                <Icon aria-hidden className="size-4 shrink-0" />
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
