import { z } from "zod";

// Runs in the browser before the app's own code (Next.js instrumentation-client). Zod 4 compiles
// object parsers with `new Function` unless told not to; under the app's CSP (no 'unsafe-eval',
// docs/security.md, "Headers") that probe is refused and reported as a CSP violation, so the
// browser build uses the interpreter instead. The server keeps the compiled parsers.
z.config({ jitless: true });
