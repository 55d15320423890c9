import { createCallerFactory, router } from "./init";
import { authRouter } from "./routers/auth";
import { organizationRouter } from "./routers/organization";
import { sessionRouter } from "./routers/session";
import { teamRouter } from "./routers/team";

/** One router per domain, merged here. */
export const appRouter = router({
  auth: authRouter,
  session: sessionRouter,
  organization: organizationRouter,
  team: teamRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
