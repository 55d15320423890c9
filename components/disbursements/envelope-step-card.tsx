"use client";

import type { ComponentProps } from "react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EnvelopeFields } from "./envelope";

/** Step 2 of a new disbursement: the optional envelope (expected count and total, schedule date). */
export function EnvelopeStepCard({ disabled, ...fields }: { disabled: boolean } & ComponentProps<typeof EnvelopeFields>) {
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild>
          <h2>2. Envelope (optional)</h2>
        </CardTitle>
        <CardDescription>
          Fix what this disbursement must hold before it can start, and when it may be paid. Start stays blocked until the file matches the expected number of payments
          and total and the schedule date has come; until that date it can still be cancelled. Leave empty for no such rules.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <fieldset disabled={disabled}>
          <legend className="sr-only">Envelope</legend>
          <EnvelopeFields {...fields} />
        </fieldset>
      </CardContent>
    </Card>
  );
}
