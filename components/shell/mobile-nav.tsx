"use client";

import { Menu } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import type { NavItem } from "./nav-items";
import { SidebarNav } from "./sidebar-nav";

export function MobileNav({ items, orgName }: { items: Pick<NavItem, "href" | "label" | "icon">[]; orgName: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="ghost" size="icon" className="md:hidden" aria-label="Open navigation">
          <Menu aria-hidden className="size-5" />
        </Button>
      </DialogTrigger>
      <DialogContent className="top-0 left-0 h-dvh max-h-dvh max-w-72 translate-x-0 translate-y-0 content-start rounded-none p-4">
        <DialogTitle className="mb-4 text-base">{orgName}</DialogTitle>
        <SidebarNav items={items} onNavigate={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  );
}
