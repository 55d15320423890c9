"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { CircleAlert, Info, Landmark, RefreshCw, Send, Wallet } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge, type BadgeProps } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useTRPC } from "@/components/trpc/client";
import { CopyValue, DateTime, Detail, formatCount } from "@/components/disbursements/common";
import { TransactionHash } from "@/components/stellar/links";
import { cn } from "@/lib/utils";
import { pluralWord } from "@/lib/format";
import { BalanceRow } from "./balance-row";

const NETWORK_LABELS: Record<string, string> = { local: "Local ledger", testnet: "Stellar testnet", pubnet: "Stellar public network" };

const TX_STATUS: Record<string, { label: string; variant: NonNullable<BadgeProps["variant"]>; hint: string }> = {
  BUILT: { label: "Built", variant: "secondary", hint: "Signed and stored; about to be submitted." },
  SUBMITTED: { label: "Submitted", variant: "default", hint: "Sent to the network; waiting for a ledger." },
  SUCCESS: { label: "Success", variant: "success", hint: "In a ledger: every payment in it was made." },
  FAILED: { label: "Failed", variant: "destructive", hint: "In a ledger with a failed operation, or refused: nothing in it was paid." },
  EXPIRED: { label: "Expired", variant: "outline", hint: "Never reached a ledger in time; its payments were sent again." },
};

/** The Distribution account page: address, balances with what is reserved, channel accounts, recent transactions. */
export function DistributionAccountView() {
  const trpc = useTRPC();
  const query = useSuspenseQuery({
    ...trpc.stellar.distributionAccount.queryOptions(),
    // While payments are in flight the balances move: follow them.
    refetchInterval: (q) => (q.state.data?.balances.some((b) => b.reserved_payments > 0) || q.state.data?.channels.busy ? 5000 : false),
  });
  const v = query.data;
  const networkLabel = NETWORK_LABELS[v.network] ?? v.network;
  const refreshing = query.isFetching;

  const refresh = (
    <Button variant="outline" size="sm" onClick={() => void query.refetch()} disabled={refreshing}>
      <RefreshCw aria-hidden className={cn(refreshing && "animate-spin")} />
      {refreshing ? "Refreshing…" : "Refresh"}
    </Button>
  );

  if (!v.public_key) {
    return (
      <EmptyState
        icon={<Landmark aria-hidden />}
        headingLevel={2}
        title="No distribution account yet"
        description={`Your organization's account on the ${networkLabel.toLowerCase()} is created when the platform starts (the server or a payment worker). Come back in a moment.`}
        action={refresh}
        data-testid="no-distribution-account"
      />
    );
  }

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader className="flex flex-row flex-wrap items-start justify-between gap-3 space-y-0">
          <div className="space-y-1">
            <CardTitle asChild>
              <h2>Account</h2>
            </CardTitle>
            <CardDescription>Every payment is sent from this Stellar account; it also pays the network fees.</CardDescription>
          </div>
          {refresh}
        </CardHeader>
        <CardContent className="space-y-4">
          <dl className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_auto_auto]">
            <Detail term="Address">
              <span className="flex flex-wrap items-center gap-1" data-testid="distribution-address">
                <code className="font-mono text-sm break-all">{v.public_key}</code>
                <CopyValue value={v.public_key} label="distribution account address" className="[&>code]:sr-only" />
              </span>
            </Detail>
            <Detail term="Network">
              <Badge variant="outline" data-testid="network-name">
                {networkLabel}
              </Badge>
            </Detail>
            <Detail term="On the ledger">
              {v.funded === true ? (
                <Badge variant="success">Active</Badge>
              ) : v.funded === false ? (
                <Badge variant="warning">Not funded yet</Badge>
              ) : (
                <Badge variant="outline">Unknown</Badge>
              )}
            </Detail>
          </dl>

          {v.network === "local" ? (
            <Alert data-testid="funding-note">
              <Info aria-hidden />
              <AlertDescription>
                Funded automatically on the local network: when the platform starts, this account gets XLM from the local friendbot and 1,000,000 of each demo asset from
                its issuer.
              </AlertDescription>
            </Alert>
          ) : (
            <Alert variant={v.funded === false ? "warning" : "default"} data-testid="funding-note">
              <Send aria-hidden />
              <AlertTitle>{v.funded === false ? "Fund this address to start paying" : "Add funds by sending to this address"}</AlertTitle>
              <AlertDescription className="space-y-1">
                {v.funded === false ? (
                  <p>
                    This account does not exist on the {networkLabel.replace(/^Stellar /, "")} yet. Send XLM to{" "}
                    <code className="font-mono text-xs break-all">{v.public_key}</code> to create it: enough for its minimum balance (1 XLM), 0.5 XLM per asset it holds,
                    1 XLM per channel account ({formatCount(v.channels_configured)} configured) and the fees. Then restart the payment worker: it adds the trustlines and
                    creates the channel accounts.
                  </p>
                ) : (
                  <p>Send XLM or any asset below to this address to top it up. Only send assets the account trusts (listed below).</p>
                )}
              </AlertDescription>
            </Alert>
          )}

          {v.ledger_error && (
            <Alert variant="destructive" data-testid="ledger-error">
              <CircleAlert aria-hidden />
              <AlertTitle>Balances are unavailable</AlertTitle>
              <AlertDescription className="space-y-2">
                <p>{v.ledger_error} The amounts reserved for payments are still shown; try again in a moment.</p>
                <Button variant="outline" size="sm" onClick={() => void query.refetch()} disabled={refreshing}>
                  Try again
                </Button>
              </AlertDescription>
            </Alert>
          )}
        </CardContent>
      </Card>

      <section aria-labelledby="balances-title" className="space-y-3">
        <div>
          <h2 id="balances-title" className="text-lg font-semibold">
            Balances
          </h2>
          <p className="text-sm text-muted-foreground">
            Reserved: payments of started or paused disbursements not yet settled. Available = balance − what the network locks − reserved; it is what new disbursements
            can use.
          </p>
        </div>
        {v.balances.length === 0 ? (
          <EmptyState icon={<Wallet aria-hidden />} title="No assets" description="Add an asset on the Wallets & assets page to pay in it." />
        ) : (
          <div className="rounded-lg border border-border bg-card">
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Asset</TableHead>
                  <TableHead className="text-right">Balance</TableHead>
                  <TableHead className="text-right">Locked by the network</TableHead>
                  <TableHead className="text-right">Reserved for payments</TableHead>
                  <TableHead className="text-right">Available</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {v.balances.map((b) => (
                  <BalanceRow key={b.asset_id} b={b} missing={v.ledger_error !== null ? "Unavailable" : v.funded === false ? "Not funded" : "—"} />
                ))}
              </TableBody>
            </Table>
          </div>
        )}
      </section>

      <Card>
        <CardHeader>
          <CardTitle asChild>
            <h2>Channel accounts</h2>
          </CardTitle>
          <CardDescription>
            Transactions are sent from channel accounts so several land in each ledger; the distribution account sponsors them and pays their fees.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <dl className="grid grid-cols-3 gap-4 sm:max-w-md" data-testid="channel-accounts">
            <Detail term="Channel accounts">
              <span className="text-lg font-semibold tabular-nums">{formatCount(v.channels.total)}</span>
            </Detail>
            <Detail term="Active">
              <span className="text-lg font-semibold tabular-nums">{formatCount(v.channels.active)}</span>
            </Detail>
            <Detail term="Sending now">
              <span className="text-lg font-semibold tabular-nums">{formatCount(v.channels.busy)}</span>
            </Detail>
          </dl>
        </CardContent>
      </Card>

      <section aria-labelledby="transactions-title" className="space-y-3">
        <div>
          <h2 id="transactions-title" className="text-lg font-semibold">
            Recent transactions
          </h2>
          <p className="text-sm text-muted-foreground">The last {formatCount(20)} transactions sent for your organization. Each carries up to 100 payments.</p>
        </div>
        {v.recent_transactions.length === 0 ? (
          <EmptyState
            icon={<Send aria-hidden />}
            title="No transactions yet"
            description="They appear here once a started disbursement sends its first payments."
            data-testid="no-transactions"
          />
        ) : (
          <div className="rounded-lg border border-border bg-card">
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Transaction</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead className="text-right">Ledger</TableHead>
                  <TableHead className="text-right">Payments</TableHead>
                  <TableHead>Sent</TableHead>
                  <TableHead>Settled</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {v.recent_transactions.map((t) => {
                  const meta = TX_STATUS[t.status] ?? { label: t.status, variant: "outline" as const, hint: "" };
                  return (
                    <TableRow key={t.id} data-testid={`transaction-row-${t.hash}`}>
                      <TableCell>
                        <TransactionHash hash={t.hash} pending={t.status === "BUILT" || t.status === "SUBMITTED"} />
                      </TableCell>
                      <TableCell>
                        <span className="inline-flex flex-col gap-0.5">
                          <Badge variant={meta.variant} title={meta.hint} data-status={t.status}>
                            {meta.label}
                          </Badge>
                          {t.result_code && t.status !== "SUCCESS" && <code className="text-xs text-muted-foreground">{t.result_code}</code>}
                        </span>
                      </TableCell>
                      <TableCell className="text-right tabular-nums">{t.ledger !== null ? formatCount(t.ledger) : "—"}</TableCell>
                      <TableCell className="text-right whitespace-nowrap tabular-nums">
                        {formatCount(t.operation_count)}{" "}
                        <span className="text-muted-foreground">
                          {t.asset_code} {pluralWord(t.operation_count, "payment")}
                        </span>
                      </TableCell>
                      <TableCell className="text-muted-foreground">
                        <DateTime value={t.created_at} withSeconds />
                      </TableCell>
                      <TableCell className="text-muted-foreground">
                        <DateTime value={t.completed_at} withSeconds />
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
        )}
      </section>
    </div>
  );
}
