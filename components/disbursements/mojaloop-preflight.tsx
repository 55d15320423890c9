"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, PhoneCall, RefreshCw, Search } from "lucide-react";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { messageOf } from "@/components/trpc/errors";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { plural, pluralWord } from "@/lib/format";
import { DateTime } from "./common";
import { ExcludeUnresolvedDialog, MojaloopLookupSummary, MojaloopPayeesTable, MojaloopUnresolved, type MojaloopPreflightResult } from "./mojaloop-payees";

/** While lookups are waiting for the switch's callbacks, read the stored answers this often. */
const POLL_MS = 2_000;

/**
 * The Mojaloop party preflight of a disbursement before start (docs/rails/mojaloop-preflight.md), beside
 * the Stellar preflight: shown only when the routing preview sends payments to a Mojaloop connection.
 * "Look up payees" asks the switch who holds each phone number; the section polls the stored answers
 * while lookups are pending, then lists the party name and FSP per payee, the unresolved ones with the
 * reason, and offers "Exclude unresolved" (with confirmation) to those who may cancel payments.
 */
export function MojaloopPreflight({ id, canExclude, onExcluded }: { id: string; canExclude: boolean; onExcluded: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // The same query (and cache entry) as the Routing panel: no extra request.
  const routing = useQuery(trpc.routing.preview.queryOptions({ disbursement_id: id }));
  const mojaloop = routing.data?.connections.filter((c) => c.rail_type === "MOJALOOP") ?? [];
  const preflightKey = trpc.disbursements.mojaloopPreflight.queryKey({ id });
  const preflight = useQuery({
    ...trpc.disbursements.mojaloopPreflight.queryOptions({ id }),
    enabled: mojaloop.length > 0,
    refetchInterval: (q) => (q.state.data?.in_progress ? POLL_MS : false),
  });
  const lookUp = useMutation(
    trpc.disbursements.lookUpMojaloopPayees.mutationOptions({
      onSuccess: (data) => queryClient.setQueryData(preflightKey, data),
    }),
  );
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const exclude = useMutation(
    trpc.disbursements.excludeUnresolvedMojaloopPayees.mutationOptions({
      onSuccess: async (data) => {
        setConfirming(false);
        setNotice(`${plural(data.cancelled, "payment was", "payments were")} canceled: the unresolved payees are excluded.`);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: preflightKey }),
          queryClient.invalidateQueries({ queryKey: trpc.routing.preview.queryKey({ disbursement_id: id }) }),
          onExcluded(),
        ]);
      },
    }),
  );

  if (mojaloop.length === 0) return null;
  const routed = mojaloop.reduce((n, c) => n + c.payments, 0);
  const result = preflight.data;
  const lookedUp = result ? result.counts.payees - result.counts.not_requested : 0;
  const busy = lookUp.isPending || !!result?.in_progress;
  const run = (force = false) => {
    setNotice(null);
    lookUp.mutate({ id, force });
  };

  return (
    <Card aria-labelledby="mojaloop-preflight-title" data-testid="mojaloop-preflight">
      <CardHeader className="flex flex-row flex-wrap items-start justify-between gap-3 space-y-0">
        <div className="space-y-1.5">
          <CardTitle asChild>
            <h2 id="mojaloop-preflight-title">Mojaloop payees</h2>
          </CardTitle>
          <CardDescription>
            {plural(routed, "payment")} {pluralWord(routed, "routes", "route")} to {mojaloop.map((c) => c.name).join(", ")}. Before start, ask the switch who holds each
            phone number.
          </CardDescription>
        </div>
        {result && result.counts.payees > 0 && lookedUp > 0 && (
          // Again: every payee is asked once more (force), answered ones too; names can change at the switch.
          <Button variant="outline" onClick={() => run(true)} disabled={busy}>
            <RefreshCw aria-hidden className={busy ? "animate-spin" : undefined} />
            {busy ? "Looking up…" : "Look up again"}
          </Button>
        )}
      </CardHeader>
      <CardContent className="space-y-4" aria-live="polite">
        {lookUp.error && (
          <Alert variant="destructive" data-testid="mojaloop-preflight-error">
            <CircleAlert aria-hidden />
            <AlertTitle>The payees could not be looked up</AlertTitle>
            <AlertDescription>{messageOf(lookUp.error)}</AlertDescription>
          </Alert>
        )}
        {notice && (
          <Alert variant="success" data-testid="mojaloop-preflight-notice">
            <AlertDescription className="text-foreground">{notice}</AlertDescription>
          </Alert>
        )}
        <PreflightBody
          result={result}
          loading={preflight.isPending}
          error={preflight.error}
          busy={busy}
          canExclude={canExclude}
          onLookUp={() => run(false)}
          onExclude={() => {
            exclude.reset();
            setConfirming(true);
          }}
        />
      </CardContent>
      <ExcludeUnresolvedDialog
        count={result?.excludable ?? 0}
        open={confirming}
        pending={exclude.isPending}
        error={exclude.error ? messageOf(exclude.error) : null}
        onOpenChange={setConfirming}
        onConfirm={() => exclude.mutate({ id })}
      />
    </Card>
  );
}

/** What the section shows for the current answer: loading, an error, nothing looked up yet, or the results. */
function PreflightBody({
  result,
  loading,
  error,
  busy,
  canExclude,
  onLookUp,
  onExclude,
}: {
  result: MojaloopPreflightResult | undefined;
  loading: boolean;
  error: unknown;
  busy: boolean;
  canExclude: boolean;
  onLookUp: () => void;
  onExclude: () => void;
}) {
  if (loading) return <Skeleton className="h-16 w-full" />;
  if (error && !result) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden />
        <AlertTitle>The Mojaloop preflight could not be read</AlertTitle>
        <AlertDescription>{messageOf(error)}</AlertDescription>
      </Alert>
    );
  }
  if (!result) return null;
  if (result.counts.payees === 0) {
    return <p className="text-sm text-muted-foreground">No payee left to look up: the payments routed to Mojaloop were sent or canceled.</p>;
  }
  if (result.counts.not_requested === result.counts.payees) {
    return (
      <EmptyState
        icon={<PhoneCall />}
        headingLevel={3}
        title="Payees not looked up yet"
        description={`Look up ${plural(result.counts.payees, "payee")} at the switch to see each party's name and FSP before start. Nothing is paid.`}
        action={
          <Button onClick={onLookUp} disabled={busy}>
            <Search aria-hidden />
            {busy ? "Looking up…" : "Look up payees"}
          </Button>
        }
        className="py-8"
        data-testid="mojaloop-preflight-empty"
      />
    );
  }
  return (
    <>
      <MojaloopLookupSummary result={result} />
      <MojaloopUnresolved result={result} canExclude={canExclude} onExclude={onExclude} />
      <MojaloopPayeesTable result={result} />
      <p className="text-xs text-muted-foreground">
        Checked <DateTime value={result.checked_at} withSeconds />
      </p>
    </>
  );
}
