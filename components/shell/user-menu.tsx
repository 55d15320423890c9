"use client";

import { useMutation } from "@tanstack/react-query";
import { Check, ChevronDown, LogOut, UserRound } from "lucide-react";
import { signOut } from "next-auth/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuSeparator, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { useTRPC } from "@/components/trpc/client";

type Props = {
  user: { name: string; email: string };
  roleLabel: string;
  currentOrgId: string;
  organizations: { id: string; name: string }[];
};

export function UserMenu({ user, roleLabel, currentOrgId, organizations }: Props) {
  const trpc = useTRPC();
  const router = useRouter();
  const switchOrg = useMutation(
    trpc.session.switchOrganization.mutationOptions({
      onSuccess: () => {
        router.push("/");
        router.refresh();
      },
    }),
  );
  const initials = user.name
    .split(/\s+/)
    .map((p) => p[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" className="gap-2 px-2">
          <span aria-hidden className="flex size-8 items-center justify-center rounded-full bg-primary text-xs font-semibold text-primary-foreground">
            {initials}
          </span>
          <span className="hidden text-left sm:block">
            <span className="block text-sm font-medium leading-tight">{user.name}</span>
            <span className="block text-xs text-muted-foreground leading-tight">{roleLabel}</span>
          </span>
          {/* Named by what it shows (axe: label-content-name-mismatch), then what it is. */}
          <span className="sr-only sm:hidden">{user.name}</span>
          <span className="sr-only">Account menu</span>
          <ChevronDown aria-hidden className="size-4 text-muted-foreground" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        <DropdownMenuLabel>
          <span className="block font-medium">{user.name}</span>
          <span className="block text-xs font-normal text-muted-foreground">{user.email}</span>
        </DropdownMenuLabel>
        {organizations.length > 1 && (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuLabel className="text-xs text-muted-foreground">Switch organization</DropdownMenuLabel>
            {organizations.map((org) => (
              <DropdownMenuItem key={org.id} disabled={org.id === currentOrgId || switchOrg.isPending} onSelect={() => switchOrg.mutate({ orgId: org.id })}>
                {org.id === currentOrgId ? <Check aria-hidden className="size-4" /> : <span className="size-4" />}
                {org.name}
              </DropdownMenuItem>
            ))}
          </>
        )}
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/profile">
            <UserRound aria-hidden className="size-4" />
            Profile
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => void signOut({ callbackUrl: "/login" })}>
          <LogOut aria-hidden className="size-4" />
          Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
