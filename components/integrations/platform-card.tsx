"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useTRPC } from "@/components/trpc/client";
import { CopyButton } from "./copy-button";

/** What a sender needs from us: receiver id, our public key, the endpoint URLs and how to sign. */
export function PlatformCard() {
  const trpc = useTRPC();
  const { data: identity } = useSuspenseQuery(trpc.integrations.identity.queryOptions());
  return (
    <Card role="region" aria-labelledby="platform-title">
      <CardHeader>
        <CardTitle asChild>
          <h2 id="platform-title">This platform</h2>
        </CardTitle>
        <CardDescription>Give these to each sender. Our callbacks to them are signed with our public key below.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-6">
        <dl className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[minmax(0,max-content)_minmax(0,1fr)]">
          <div className="min-w-0 space-y-1.5">
            <dt className="text-xs font-medium tracking-wide text-muted-foreground uppercase">Receiver id</dt>
            <dd className="flex items-center gap-1">
              <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-sm" data-testid="receiver-id">
                {identity.receiver_id}
              </code>
              <CopyButton value={identity.receiver_id} label="receiver id" />
            </dd>
            <dd className="text-xs text-muted-foreground">
              Senders put it in <code>header.receiver_id</code>. It is this organization&apos;s slug.
            </dd>
          </div>
          <div className="min-w-0 space-y-1.5">
            <dt className="text-xs font-medium tracking-wide text-muted-foreground uppercase">Base URL</dt>
            <dd className="flex items-center gap-1">
              <code className="truncate rounded bg-muted px-1.5 py-0.5 font-mono text-sm" title={identity.base_url}>
                {identity.base_url}
              </code>
              <CopyButton value={identity.base_url} label="base URL" />
            </dd>
            <dd className="text-xs text-muted-foreground">{identity.authentication}</dd>
          </div>
          <div className="min-w-0 space-y-1.5">
            <dt className="flex items-center justify-between gap-2 text-xs font-medium tracking-wide text-muted-foreground uppercase">
              Our public key (PEM)
              <CopyButton value={identity.public_key_pem} label="public key (PEM)" />
            </dt>
            <dd>
              <pre className="overflow-x-auto rounded-md bg-muted p-3 font-mono text-xs leading-relaxed" data-testid="platform-public-key-pem">
                {identity.public_key_pem}
              </pre>
            </dd>
          </div>
          <div className="min-w-0 space-y-1.5">
            <dt className="flex items-center justify-between gap-2 text-xs font-medium tracking-wide text-muted-foreground uppercase">
              Our public key (base64, 32 raw bytes)
              <CopyButton value={identity.public_key_base64} label="public key (base64)" />
            </dt>
            <dd>
              <code className="block rounded-md bg-muted p-3 font-mono text-xs break-all" data-testid="platform-public-key-base64">
                {identity.public_key_base64}
              </code>
            </dd>
          </div>
          <div className="min-w-0 space-y-1.5 lg:col-span-2">
            <dt className="flex items-center justify-between gap-2 text-xs font-medium tracking-wide text-muted-foreground uppercase">
              Our encryption key (JWK)
              <CopyButton value={JSON.stringify(identity.encryption_public_jwk)} label="encryption key (JWK)" />
            </dt>
            <dd>
              <code className="block rounded-md bg-muted p-3 font-mono text-xs break-all" data-testid="platform-encryption-jwk">
                {JSON.stringify(identity.encryption_public_jwk)}
              </code>
            </dd>
            <dd className="text-xs text-muted-foreground">
              For messages sent with <code>is_msg_encrypted: true</code>: X25519, encrypt with {identity.encryption.key_management.join(", ")} and{" "}
              {identity.encryption.content_encryption.join(", ")}. Our answers to an encrypted request are encrypted to the sender&apos;s encryption key.
            </dd>
          </div>
        </dl>

        <div className="space-y-1.5 rounded-md border border-border bg-muted/40 p-4 text-sm">
          <h3 className="font-semibold">How senders sign their messages</h3>
          <p className="text-muted-foreground">
            Each body carries a <code className="text-foreground">signature</code> of the form{" "}
            <code className="break-all text-foreground">
              Signature keyId=&quot;&lt;sender_id&gt;|&lt;key
              id&gt;|ed25519&quot;,algorithm=&quot;ed25519&quot;,created=&quot;…&quot;,expires=&quot;…&quot;,headers=&quot;(created) (expires)
              digest&quot;,signature=&quot;…&quot;
            </code>
            . The signature is Ed25519, with the private half of the key registered for the sender, over three lines:{" "}
            <code className="text-foreground">(created): &lt;unix s&gt;</code>, <code className="text-foreground">(expires): &lt;unix s&gt;</code> and{" "}
            <code className="text-foreground">digest: BLAKE-512=&lt;digest&gt;</code>, where the digest is BLAKE2b-512, in base64, of the canonical JSON of{" "}
            <code className="text-foreground">{'{"header": …, "message": …}'}</code> (keys sorted at every level, no white space). Our callbacks are signed the same way
            with the key above.
          </p>
        </div>

        <div className="space-y-2">
          <h3 className="text-sm font-semibold">Endpoints</h3>
          <div className="rounded-lg border border-border">
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Method</TableHead>
                  <TableHead>Path (after the base URL)</TableHead>
                  <TableHead>Purpose</TableHead>
                  <TableHead>Callback to the sender</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {identity.endpoints.map((e) => (
                  <TableRow key={`${e.method} ${e.path}`}>
                    <TableCell>
                      <Badge variant="outline" className="font-mono">
                        {e.method}
                      </Badge>
                    </TableCell>
                    <TableCell>
                      <span className="inline-flex items-center gap-1">
                        <code className="font-mono text-xs whitespace-nowrap" title={e.url}>
                          {e.path}
                        </code>
                        <CopyButton value={e.url} label={`${e.method} ${e.path} URL`} className="size-7" />
                      </span>
                    </TableCell>
                    <TableCell className="text-sm text-muted-foreground">{e.purpose}</TableCell>
                    <TableCell>{e.callback ? <code className="font-mono text-xs">{e.callback}</code> : <span className="text-muted-foreground">—</span>}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        </div>
      </CardContent>
    </Card>
  );
}
