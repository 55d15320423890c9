"use client";

import { signOut } from "next-auth/react";
import { Button } from "@/components/ui/button";

/** Sign out from a page outside the app shell (which has the account menu). */
export function SignOutButton() {
  return (
    <Button type="button" variant="ghost" size="sm" onClick={() => void signOut({ callbackUrl: "/login" })}>
      Sign out
    </Button>
  );
}
