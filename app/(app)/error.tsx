"use client";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <Alert variant="destructive" className="max-w-xl">
      <AlertTitle>This page could not be loaded</AlertTitle>
      <AlertDescription className="space-y-3">
        <p>Something went wrong on our side{error.digest ? ` (reference ${error.digest})` : ""}. Try again; if it keeps happening, tell your administrator.</p>
        <Button variant="outline" size="sm" onClick={reset}>
          Try again
        </Button>
      </AlertDescription>
    </Alert>
  );
}
