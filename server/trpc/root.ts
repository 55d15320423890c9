import { createCallerFactory, router } from "./init";
import { apiKeysRouter } from "./routers/api-keys";
import { authRouter } from "./routers/auth";
import { bankFilesRouter } from "./routers/bank-files";
import { catalogRouter } from "./routers/catalog";
import { connectionsRouter } from "./routers/connections";
import { disbursementsRouter } from "./routers/disbursements";
import { integrationsRouter } from "./routers/integrations";
import { invitationsRouter } from "./routers/invitations";
import { messagesRouter } from "./routers/messages";
import { mfaRouter } from "./routers/mfa";
import { organizationRouter } from "./routers/organization";
import { paymentsRouter } from "./routers/payments";
import { profileRouter } from "./routers/profile";
import { receiversRouter } from "./routers/receivers";
import { registrationRouter } from "./routers/registration";
import { routingRouter } from "./routers/routing";
import { sessionRouter } from "./routers/session";
import { stellarRouter } from "./routers/stellar";
import { teamRouter } from "./routers/team";

/** One router per domain, merged here. */
export const appRouter = router({
  auth: authRouter,
  session: sessionRouter,
  profile: profileRouter,
  mfa: mfaRouter,
  organization: organizationRouter,
  team: teamRouter,
  invitations: invitationsRouter,
  catalog: catalogRouter,
  disbursements: disbursementsRouter,
  payments: paymentsRouter,
  receivers: receiversRouter,
  registration: registrationRouter,
  apiKeys: apiKeysRouter,
  stellar: stellarRouter,
  messages: messagesRouter,
  integrations: integrationsRouter,
  bankFiles: bankFilesRouter,
  connections: connectionsRouter,
  routing: routingRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
